// The CPU backend: typed arrays in host memory. Kernels are the plain reference loops that live
// beside each op (the oracle for every other backend; f64 for gradient checks always uses them),
// except where a fast f32 version exists: matmul runs on WebAssembly SIMD over a worker pool
// (matmul-fast.ts). Set OFFRAMP_CPU_REF=1 to use the reference loops only.
import type { AdamWArgs, Backend, BinaryOp, MatmulArgs, ReduceOp, Storage, UnaryOp } from '../backend.js';
import { allocArray, type DType, type TypedArray } from '../../tensor/dtype.js';
import { registerSyncCpu } from '../../tensor/engine.js';
import { binaryRef, unaryRef, whereRef } from '../../ops/elementwise.js';
import { reduceRef } from '../../ops/reduce.js';
import { stridedRef, writeStridedRef } from '../../ops/movement.js';
import { matmulRef } from '../../ops/matmul.js';
import { gatherRowsRef, scatterAddRowsRef } from '../../ops/gather.js';
import { adamwRef } from '../../optim/adamw.js';
import { attentionBackwardRef, attentionRef } from '../../ops/attention.js';
import { layerNormBackwardRef, layerNormRef } from '../../ops/layernorm.js';
import { fastMatmulOptions, matmulFast } from './matmul-fast.js';
import { attentionBackwardFast, attentionFast } from './attention-fast.js';

export class CpuStorage implements Storage {
  constructor(readonly data: TypedArray) {}
  get dtype(): DType {
    return this.data instanceof Float64Array ? 'f64' : this.data instanceof Int32Array ? 'i32' : 'f32';
  }
  get size(): number {
    return this.data.length;
  }
}

function arr(s: Storage): TypedArray {
  return (s as CpuStorage).data;
}

/** f32 products below this many multiply-adds use the reference loop (the wasm setup costs more). */
const MIN_FAST_MACS = 4096;

function matmulCpu(a: TypedArray, b: TypedArray, args: MatmulArgs, fast: boolean): TypedArray {
  if (fast && a instanceof Float32Array && b instanceof Float32Array && args.batch * args.m * args.n * args.k >= MIN_FAST_MACS) {
    const out = matmulFast(a, b, args);
    if (out) return out;
  }
  return matmulRef(a, b, args);
}

export interface CpuBackendOptions {
  /** use the fast kernels for f32 (default: true unless env OFFRAMP_CPU_REF=1) */
  fast?: boolean;
}

export function createCpuBackend(opts: CpuBackendOptions = {}): Backend {
  const fast = opts.fast ?? process.env.OFFRAMP_CPU_REF !== '1';
  let live = 0;
  const wrap = (data: TypedArray): Storage => {
    live++;
    return new CpuStorage(data);
  };
  return {
    name: 'cpu',
    description: fast
      ? `f32 matmul: wasm SIMD, ${fastMatmulOptions.threads} threads; other kernels: plain typed-array loops`
      : 'plain typed-array loops, 1 thread',
    fromArray: (data) => wrap(data),
    fill: (dtype, size, value) => wrap(allocArray(dtype, size).fill(value)),
    unary: (op: UnaryOp, x, param) => wrap(unaryRef(op, arr(x), param)),
    binary: (op: BinaryOp, a, b, shape, as, bs) => wrap(binaryRef(op, arr(a), arr(b), shape, as, bs)),
    where: (c, a, b, shape, cs, as, bs) => wrap(whereRef(arr(c), arr(a), arr(b), shape, cs, as, bs)),
    reduce: (op: ReduceOp, x, outer, n, inner) => wrap(reduceRef(op, arr(x), outer, n, inner)),
    strided: (x, shape, strides, offset) => wrap(stridedRef(arr(x), shape, strides, offset)),
    writeStrided: (dst, x, shape, strides, offset) => writeStridedRef(arr(dst), arr(x), shape, strides, offset),
    matmul: (a, b, args: MatmulArgs) => wrap(matmulCpu(arr(a), arr(b), args, fast)),
    gatherRows: (x, idx, nIdx, cols) => wrap(gatherRowsRef(arr(x), arr(idx) as Int32Array, nIdx, cols)),
    scatterAddRows: (src, idx, nIdx, rows, cols) => wrap(scatterAddRowsRef(arr(src), arr(idx) as Int32Array, nIdx, rows, cols)),
    cast: (x, dtype) => {
      const out = allocArray(dtype, x.size);
      out.set(arr(x));
      return wrap(out);
    },
    layerNorm: (x, gamma, beta, rows, h, eps) => {
      const r = layerNormRef(arr(x), arr(gamma), arr(beta), rows, h, eps);
      return { y: wrap(r.y), mean: wrap(r.mean), rstd: wrap(r.rstd) };
    },
    layerNormBackward: (dy, x, gamma, mean, rstd, rows, h) => {
      const r = layerNormBackwardRef(arr(dy), arr(x), arr(gamma), arr(mean), arr(rstd), rows, h);
      return { dx: wrap(r.dx), dgamma: wrap(r.dgamma), dbeta: wrap(r.dbeta) };
    },
    attention: (q, k, v, segs, args) => {
      const [qa, ka, va] = [arr(q), arr(k), arr(v)];
      const { out, probs } = fast && qa instanceof Float32Array && ka instanceof Float32Array && va instanceof Float32Array
        ? attentionFast(qa, ka, va, arr(segs) as Int32Array, args)
        : attentionRef(qa, ka, va, arr(segs) as Int32Array, args);
      return { out: wrap(out), probs: wrap(probs) };
    },
    attentionBackward: (g, q, k, v, probs, segs, args) => {
      const xs = [arr(g), arr(q), arr(k), arr(v), arr(probs)];
      const r = fast && xs.every((x) => x instanceof Float32Array)
        ? attentionBackwardFast(...(xs as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array]), arr(segs) as Int32Array, args)
        : attentionBackwardRef(xs[0]!, xs[1]!, xs[2]!, xs[3]!, xs[4]!, arr(segs) as Int32Array, args);
      return { dq: wrap(r.dq), dk: wrap(r.dk), dv: wrap(r.dv) };
    },
    adamw: (p, g, m, v, args: AdamWArgs) => adamwRef(arr(p), arr(g), arr(m), arr(v), args),
    read: async (x) => arr(x).slice(),
    readSync: (x) => arr(x).slice(),
    free: () => {
      live--;
    },
    liveBuffers: () => live,
    sync: async () => {},
    destroy: () => {},
  };
}

registerSyncCpu(createCpuBackend);
