// Kernel loading: every WGSL kernel is a real file under `kernels/<family>/<name>.wgsl` at the package
// root, read once at startup. The root is found from this module's URL (works from src/ under a
// TS runner and from dist/src/ after tsc), so the package can be installed anywhere. The elementwise
// kernels get their `switch` cases from the elementwise table, spliced in at the @generated marker.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryTable, unaryTable, wgslCases } from '../elementwise.js';

/** The nearest ancestor directory of `from` holding this package's package.json and kernels/. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'kernels'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`webgpu: cannot find the package root (a folder with package.json and kernels/) above ${from}`);
    dir = up;
  }
}

/** Every `kernels/<family>/<name>.wgsl` after the shared kernels/preamble.wgsl, keyed `<family>/<name>`. */
export function loadKernelSources(root: string = packageRoot()): Map<string, string> {
  const dir = join(root, 'kernels');
  const preamble = readFileSync(join(dir, 'preamble.wgsl'), 'utf8');
  const out = new Map<string, string>();
  for (const family of readdirSync(dir, { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    for (const file of readdirSync(join(dir, family.name))) {
      if (!file.endsWith('.wgsl')) continue;
      const key = `${family.name}/${file.slice(0, -'.wgsl'.length)}`;
      out.set(key, preamble + splice(key, readFileSync(join(dir, family.name, file), 'utf8')));
    }
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
