// The gpu.js backend: the primitives only (no fused kernels), each a gpu.js kernel over this.thread.x
// (sources in kernels.ts) compiled once per kernel identity and reused for every shape (dynamic
// output and arguments). Modes: `cpu` (kernels compiled to JavaScript, the default) or `webasm`
// (mode option or env OFFRAMP_GPUJS_MODE); the GL modes need headless-gl and the `webgpu` mode is
// async-only, which the synchronous Kernels contract cannot take (docs/backends.md).
// Storage: Float32Array for f32, Int32Array for indices (passed to kernels as floats: exact below
// 2^24); no f64. The host only prepares arguments: merged layouts, checked indices, and for the
// scatters a map from each output row to its sources, so that every kernel gathers.
import gpujsModule from 'gpu.js';
import type { IKernelRunShortcut } from 'gpu.js';
import { createRequire } from 'node:module';
import type { Backend, BinaryOp, MatmulArgs, ReduceOp, Storage, UnaryOp } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { coalesce, sizeOf, stridesOf } from '../layout.js';
import {
  binarySource, copySource, fillSource, gatherRowsSource, matmulSource, reduceSource, scatterAddRowsSource, scatterRowsSource,
  stridedSource, truncSource, unarySource, whereSource,
} from './kernels.js';

const { GPU } = gpujsModule;

export type GpujsMode = 'cpu' | 'webasm';
const modes: readonly GpujsMode[] = ['cpu', 'webasm'];

export class GpujsStorage implements Storage {
  private floats: Float32Array | null = null;
  constructor(
    /** Float32Array for f32, Int32Array for i32; replaced (not mutated) by in-place kernels */
    public data: Float32Array | Int32Array,
  ) {}
  get dtype(): DType {
    return this.data instanceof Int32Array ? 'i32' : 'f32';
  }
  get size(): number {
    return this.data.length;
  }
  /** The values as a kernel argument (i32 converted once; an empty buffer passed as one unused 0). */
  arg(): Float32Array {
    if (this.data.length === 0) return new Float32Array(1);
    if (this.data instanceof Float32Array) return this.data;
    this.floats ??= Float32Array.from(this.data);
    return this.floats;
  }
  set(data: Float32Array | Int32Array): void {
    this.data = data;
    this.floats = null;
  }
}

function st(s: Storage): GpujsStorage {
  if (!(s instanceof GpujsStorage)) throw new TypeError('gpujs backend: storage from another backend');
  return s;
}

function noF64(what: string, dtype: DType): void {
  if (dtype === 'f64') {
    throw new TypeError(`gpujs backend: ${what}: f64 is not supported (gpu.js computes in f32); use the cpu backend for f64`);
  }
}

/**
 * The layout arguments of the strided kernels (kernels.ts `offsets`): each merged dimension's pitch
 * (output elements per step, outermost first), one stride list per operand, and the rank. gpu.js
 * rejects empty array arguments, so empty lists get an element that is never read.
 */
function layoutArgs(shape: readonly number[], strides: readonly (readonly number[])[]): unknown[] {
  const c = coalesce(shape, strides);
  const nz = (a: number[]): number[] => (a.length ? a : [0]);
  return [nz(stridesOf(c.shape)), ...c.strides.map(nz), c.shape.length];
}

export interface GpujsBackendOptions {
  /** gpu.js mode (default: env OFFRAMP_GPUJS_MODE, else 'cpu') */
  mode?: GpujsMode;
}

export interface GpujsBackend extends Backend {
  readonly mode: GpujsMode;
  /** kernels compiled so far (one per identity, not per shape) */
  compiledKernels(): number;
}

export function createGpujsBackend(opts: GpujsBackendOptions = {}): GpujsBackend {
  const envMode = process.env.OFFRAMP_GPUJS_MODE;
  const mode = opts.mode ?? (envMode ? (envMode as GpujsMode) : 'cpu');
  if (!modes.includes(mode)) throw new Error(`gpujs backend: mode '${mode}' is not one of ${modes.join(', ')} (GL modes need headless-gl; webgpu mode is async-only)`);
  const gpu = new GPU({ mode });
  const cache = new Map<string, IKernelRunShortcut>();
  let live = 0;

  /** The compiled kernel of this identity, sized to `size` outputs. */
  const kernel = (id: string, source: () => string, size: number): IKernelRunShortcut => {
    let k = cache.get(id);
    if (!k) {
      k = gpu.createKernel(source(), {
        output: [Math.max(size, 1)],
        dynamicOutput: true,
        dynamicArguments: true,
        precision: 'single',
      });
      // loop bounds are arguments (rank, n, k, row counts): no fixed maximum may cut them short
      k.setLoopMaxIterations(1 << 30);
      cache.set(id, k);
    }
    k.setOutput([size]);
    return k;
  };

  /** Run a kernel over `size` outputs (none for an empty output) and return its f32 values. */
  const run = (id: string, source: () => string, size: number, args: unknown[]): Float32Array => {
    if (size === 0) return new Float32Array(0);
    const out = (kernel(id, source, size) as unknown as (...a: unknown[]) => unknown)(...args);
    if (!(out instanceof Float32Array) || out.length !== size) {
      throw new Error(`gpujs backend: kernel '${id}' returned ${describe(out)}, expected Float32Array(${size})`);
    }
    return out;
  };

  const wrap = (data: Float32Array | Int32Array): GpujsStorage => {
    live++;
    return new GpujsStorage(data);
  };

  const asDtype = (out: Float32Array, dtype: DType): Float32Array | Int32Array => (dtype === 'i32' ? Int32Array.from(out) : out);

  const checkIndices = (op: string, idx: GpujsStorage, nIdx: number, rows: number): Int32Array => {
    if (idx.dtype !== 'i32') throw new TypeError(`gpujs backend: ${op}: indices must be i32, got ${idx.dtype}`);
    const ix = idx.data as Int32Array;
    for (let i = 0; i < nIdx; i++) {
      const r = ix[i]!;
      if (r < 0 || r >= rows) throw new RangeError(`${op}: index ${r} at position ${i} is out of range [0, ${rows})`);
    }
    return ix;
  };

  return {
    name: 'gpujs',
    // primitives only: every fused op runs as its composite
    fused: {},
    description: `gpu.js ${gpujsVersion()} in '${mode}' mode (${mode === 'cpu' ? 'kernels compiled to JavaScript' : 'kernels compiled to WebAssembly'}, f32 storage, 1 thread)`,
    mode,
    compiledKernels: () => cache.size,

    fromArray(data: TypedArray): Storage {
      if (data instanceof Float64Array) noF64('fromArray', 'f64');
      return wrap(data.slice() as Float32Array | Int32Array);
    },
    writeArray(dst, data, offset) {
      const d = st(dst);
      const next = d.data.slice();
      next.set(data, offset);
      d.set(next);
    },
    fill(dtype, size, value) {
      noF64('fill', dtype);
      return wrap(asDtype(run('fill', () => fillSource, size, [[value]]), dtype));
    },
    unary(op: UnaryOp, x, param) {
      return wrap(run(`unary:${op}`, () => unarySource(op), x.size, [st(x).arg(), [param]]));
    },
    binary(op: BinaryOp, a, b, shape, as, bs) {
      return wrap(run(`binary:${op}`, () => binarySource(op), sizeOf(shape), [st(a).arg(), st(b).arg(), ...layoutArgs(shape, [as, bs])]));
    },
    where(cond, a, b, shape, cs, as, bs) {
      return wrap(run('where', () => whereSource, sizeOf(shape), [st(cond).arg(), st(a).arg(), st(b).arg(), ...layoutArgs(shape, [cs, as, bs])]));
    },
    reduce(op: ReduceOp, x, outer, n, inner) {
      return wrap(run(`reduce:${op}`, () => reduceSource(op), outer * inner, [st(x).arg(), n, inner]));
    },
    strided(x, shape, strides, offset) {
      return wrap(asDtype(run('strided', () => stridedSource, sizeOf(shape), [st(x).arg(), ...layoutArgs(shape, [strides]), offset]), x.dtype));
    },
    writeStrided(dst, x, xShape, strides, offset) {
      const [ds, xs] = [st(dst), st(x)];
      // gpu.js has no scatter: the host maps each destination element to the element of x written
      // there (or -1), and the kernel gathers through that map (scatterRows' kernel with 1 column)
      const pos = new Float32Array(Math.max(ds.size, 1)).fill(-1);
      const xStrides = stridesOf(xShape);
      for (let i = 0; i < xs.size; i++) {
        const at = xShape.reduce((o, n, d) => o + (Math.floor(i / xStrides[d]!) % n) * strides[d]!, offset);
        if (at < 0 || at >= ds.size) throw new RangeError(`writeStrided: the write reaches outside the destination of ${ds.size} elements`);
        pos[at] = i;
      }
      if (xs.size > 0) ds.set(asDtype(run('scatterRows', () => scatterRowsSource, ds.size, [ds.arg(), xs.arg(), pos, 1]), ds.dtype));
    },
    matmul(a, b, p: MatmulArgs) {
      const [ai, ak] = p.transA ? [1, p.m] : [p.k, 1];
      const [bk, bj] = p.transB ? [1, p.k] : [p.n, 1];
      return wrap(run('matmul', () => matmulSource, p.batch * p.m * p.n, [st(a).arg(), st(b).arg(), p.m, p.n, p.k, ai, ak, bk, bj, p.aBatchStride, p.bBatchStride]));
    },
    gatherRows(x, idx, nIdx, cols) {
      const [xs, is] = [st(x), st(idx)];
      checkIndices('gatherRows', is, nIdx, cols === 0 ? Infinity : xs.size / cols);
      return wrap(run('gatherRows', () => gatherRowsSource, nIdx * cols, [xs.arg(), is.arg(), cols]));
    },
    scatterAddRows(src, idx, nIdx, rows, cols) {
      const [ss, is] = [st(src), st(idx)];
      const ix = checkIndices('scatterAddRows', is, nIdx, rows);
      // group the index positions by destination row (stable counting sort): start[r]..start[r+1]
      const start = new Float32Array(rows + 1);
      for (let i = 0; i < nIdx; i++) start[ix[i]! + 1]!++;
      for (let r = 0; r < rows; r++) start[r + 1]! += start[r]!;
      const perm = new Float32Array(Math.max(nIdx, 1));
      const fillAt = start.slice(0, rows);
      for (let i = 0; i < nIdx; i++) perm[fillAt[ix[i]!]!++] = i;
      return wrap(run('scatterAddRows', () => scatterAddRowsSource, rows * cols, [ss.arg(), start, perm, cols]));
    },
    scatterRows(dst, src, idx, nIdx, cols) {
      const [ds, ss, is] = [st(dst), st(src), st(idx)];
      const rows = cols === 0 ? Infinity : ds.size / cols;
      const ix = checkIndices('scatterRows', is, nIdx, rows);
      if (cols === 0) return wrap(new Float32Array(0));
      // gpu.js has no scatter: each output row looks up which source row (if any) replaces it
      const pos = new Float32Array(Math.max(rows, 1)).fill(-1);
      for (let i = 0; i < nIdx; i++) {
        if (pos[ix[i]!] !== -1) throw new RangeError(`scatterRows: row ${ix[i]} is written twice (position ${i}); the indices must be distinct`);
        pos[ix[i]!] = i;
      }
      return wrap(run('scatterRows', () => scatterRowsSource, ds.size, [ds.arg(), ss.arg(), pos, cols]));
    },
    cast(x, dtype) {
      const xs = st(x);
      noF64('cast', dtype);
      if (dtype === 'i32') return wrap(Int32Array.from(run('cast:trunc', () => truncSource, xs.size, [xs.arg()])));
      return wrap(run('cast:copy', () => copySource, xs.size, [xs.arg()]));
    },
    read: async (x) => st(x).data.slice(),
    free: () => {
      live--;
    },
    liveBuffers: () => live,
    sync: async () => {},
    destroy: () => {
      for (const k of cache.values()) k.destroy?.();
      cache.clear();
      gpu.destroy();
    },
  };
}

function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x);
  return `${x.constructor.name}${'length' in x ? `(${String(x.length)})` : ''}`;
}

function gpujsVersion(): string {
  try {
    return (createRequire(import.meta.url)('gpu.js/package.json') as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}
