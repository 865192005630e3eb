// Kernel loading: every WGSL kernel is a real file under `kernels/<family>/<name>.wgsl` at the package
// root. platform/kernels.ts provides the files (read from disk in Node, embedded by the bundler in
// the browser build). The elementwise kernels get their `switch` cases from the elementwise table,
// spliced in at the @generated marker.
import { kernelFiles } from '../../platform/kernels.js';
import { binaryTable, unaryTable, wgslCases } from '../elementwise.js';

/** Every `kernels/<family>/<name>.wgsl` after the shared kernels/preamble.wgsl, keyed `<family>/<name>`. */
export function loadKernelSources(files: ReadonlyMap<string, string> = kernelFiles()): Map<string, string> {
  const preamble = files.get('preamble.wgsl');
  if (preamble === undefined) throw new Error('webgpu: kernels/preamble.wgsl is missing');
  const out = new Map<string, string>();
  for (const [path, code] of files) {
    if (path === 'preamble.wgsl') continue;
    const key = path.slice(0, -'.wgsl'.length);
    out.set(key, preamble + splice(key, code));
  }
  return out;
}

const generatedCases: Record<string, string> = {
  'elementwise/unary': wgslCases(unaryTable),
  'elementwise/binary': wgslCases(binaryTable),
};
const MARKER = /^ *\/\/ @generated cases.*$/m;

function splice(key: string, code: string): string {
  const cases = generatedCases[key];
  if (cases === undefined) return code;
  if (!MARKER.test(code)) throw new Error(`webgpu: kernels/${key}.wgsl has no '// @generated cases' marker`);
  return code.replace(MARKER, cases);
}
