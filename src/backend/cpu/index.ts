// The CPU backend: typed arrays. Kernels are the plain reference loops in reference/ (the
// oracle for every other backend; f64 for gradient checks always uses them), except where a fast f32
// version exists. In fast mode f32 storage lives on the shared WebAssembly heap (heap.ts), so the wasm
// kernels read and write it in place: matmul (matmul-fast.ts, on a worker pool), attention
// (attention-fast.ts) and the SIMD row kernels (rows-fast.ts). f64 and i32 stay plain typed arrays.
// Set OFFRAMP_CPU_REF=1 to use the reference loops (and plain arrays) only.
import type { AdamWArgs, Backend, BinaryOp, MatmulArgs, ReduceOp, Storage, UnaryOp } from '../backend.js';
import { allocArray, setF32Allocator, type DType, type TypedArray } from '../dtype.js';
import { binaryRef, unaryRef, whereRef } from './reference/elementwise.js';
import { reduceRef } from './reference/reduce.js';
import { stridedRef, writeStridedRef } from './reference/movement.js';
import { matmulRef } from './reference/matmul.js';
import { gatherRowsRef, scatterAddRowsRef, scatterRowsRef } from './reference/gather.js';
import { adamwRef } from './reference/adamw.js';
import { fastMatmulOptions, matmulFast, threadingSummary } from './matmul-fast.js';
import { envVar } from '../../platform/env.js';
import { wasmHeap } from './heap.js';
import { cpuFma } from './fma.js';
import { attentionBackwardFast, attentionFast } from './attention-fast.js';
import { adamwFast, binaryFast, layerNormBackwardFast, layerNormFast, unaryFast } from './rows-fast.js';
import { sumFast } from './reduce-fast.js';

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

export type RowKernel = 'binary' | 'unary' | 'layerNorm' | 'adamw' | 'softmax';

export interface CpuBackendOptions {
  /** use the fast kernels for f32 (default: true unless env OFFRAMP_CPU_REF=1) */
  fast?: boolean;
  /** SIMD row kernels to leave on the reference loop (default: env OFFRAMP_CPU_SKIP, comma-separated; for benchmarks) */
  skip?: readonly RowKernel[];
}

export function createCpuBackend(opts: CpuBackendOptions = {}): Backend {
  const fast = opts.fast ?? envVar('OFFRAMP_CPU_REF') !== '1';
  let live = 0;
  // fast mode: every f32 result lives on the wasm heap. The reference loops get their f32 arrays from
  // it through the allocArray hook while they run; arrays they allocated but did not return (scratch)
  // go back to the heap when the kernel ends.
  const heap = fast ? wasmHeap() : null;
  const pending: Float32Array[] = [];
  let depth = 0;
  const hook = (size: number): Float32Array => {
    const v = heap!.f32(size, true);
    pending.push(v);
    return v;
  };
  const run = <T>(kernel: () => T): T => {
    if (!heap) return kernel();
    const prev = setF32Allocator(hook);
    depth++;
    try {
      return kernel();
    } finally {
      depth--;
      setF32Allocator(prev);
      if (depth === 0) {
        for (const v of pending) heap.release(v);
        pending.length = 0;
      }
    }
  };
  const wrap = (data: TypedArray): Storage => {
    live++;
    if (pending.length > 0) {
      const i = pending.indexOf(data as Float32Array);
      if (i >= 0) pending.splice(i, 1);
    }
    return new CpuStorage(data);
  };
  /** an uninitialised f32 heap array for a fast kernel's result */
  const f32 = (size: number): Float32Array => heap!.f32(size);
  const isF32 = (...xs: Storage[]) => heap !== null && xs.every((x) => arr(x) instanceof Float32Array);
  const skip = new Set<string>(opts.skip ?? (envVar('OFFRAMP_CPU_SKIP') ?? '').split(','));
  const use = (k: RowKernel) => !skip.has(k);
  const [useBinary, useUnary, useLayerNorm, useAdamw] = [use('binary'), use('unary'), use('layerNorm'), use('adamw')];
  const useSoftmax = use('softmax');
  const f32s = <T extends Storage[]>(...xs: T) => xs.map((x) => arr(x) as Float32Array) as { [K in keyof T]: Float32Array };

  const matmul = (a: Storage, b: Storage, args: MatmulArgs): Storage => {
    if (isF32(a, b) && args.batch * args.m * args.n * args.k >= MIN_FAST_MACS) {
      const out = f32(args.batch * args.m * args.n);
      if (matmulFast(arr(a) as Float32Array, arr(b) as Float32Array, args, fastMatmulOptions.threads, out)) return wrap(out);
      heap!.release(out);
    }
    return run(() => wrap(matmulRef(arr(a), arr(b), args)));
  };

  return {
    name: 'cpu',
    description: fast
      ? `f32 storage on a shared wasm heap; f32 matmul: wasm SIMD (${cpuFma() ? 'FMA' : 'mul+add'}), ${threadingSummary()}; f32 elementwise, GELU, layerNorm, softmax, AdamW: wasm SIMD`
      : 'plain typed-array loops, 1 thread',
    fromArray: (data) => {
      if (!heap || !(data instanceof Float32Array)) return wrap(data);
      const v = f32(data.length);
      v.set(data);
      return wrap(v);
    },
    writeArray: (dst, data, offset) => arr(dst).set(data, offset),
    fill: (dtype, size, value) => wrap(dtype === 'f32' && heap ? f32(size).fill(value) : allocArray(dtype, size).fill(value)),
    unary: (op: UnaryOp, x, param) => {
      if (useUnary && isF32(x)) {
        const out = f32(x.size);
        if (unaryFast(op, arr(x) as Float32Array, out)) return wrap(out);
        heap!.release(out);
      }
      return run(() => wrap(unaryRef(op, arr(x), param)));
    },
    binary: (op: BinaryOp, a, b, shape, as, bs) => {
      if (useBinary && isF32(a, b)) {
        const out = f32(shape.reduce((p, d) => p * d, 1));
        if (binaryFast(op, arr(a) as Float32Array, arr(b) as Float32Array, shape, as, bs, out)) return wrap(out);
        heap!.release(out);
      }
      return run(() => wrap(binaryRef(op, arr(a), arr(b), shape, as, bs)));
    },
    where: (c, a, b, shape, cs, as, bs) => run(() => wrap(whereRef(arr(c), arr(a), arr(b), shape, cs, as, bs))),
    reduce: (op: ReduceOp, x, outer, n, inner) => {
      if (op === 'sum' && isF32(x)) {
        const out = f32(outer * inner);
        if (sumFast(arr(x) as Float32Array, outer, n, inner, out)) return wrap(out);
        heap!.release(out);
      }
      return run(() => wrap(reduceRef(op, arr(x), outer, n, inner)));
    },
    strided: (x, shape, strides, offset) => run(() => wrap(stridedRef(arr(x), shape, strides, offset))),
    writeStrided: (dst, x, shape, strides, offset) => run(() => writeStridedRef(arr(dst), arr(x), shape, strides, offset)),
    matmul,
    gatherRows: (x, idx, nIdx, cols) => run(() => wrap(gatherRowsRef(arr(x), arr(idx) as Int32Array, nIdx, cols))),
    scatterAddRows: (src, idx, nIdx, rows, cols) => run(() => wrap(scatterAddRowsRef(arr(src), arr(idx) as Int32Array, nIdx, rows, cols))),
    scatterRows: (dst, src, idx, nIdx, cols) => run(() => wrap(scatterRowsRef(arr(dst), arr(src), arr(idx) as Int32Array, nIdx, cols))),
    cast: (x, dtype) => {
      const out = dtype === 'f32' && heap ? f32(x.size) : allocArray(dtype, x.size);
      out.set(arr(x));
      return wrap(out);
    },
    // fused kernels: f32 on the wasm heap only (f64 and the reference mode run the composites)
    fused: {
      layerNorm: useLayerNorm ? {
        forward: (x, gamma, beta, rows, h, eps) => {
          if (!isF32(x, gamma, beta)) return null;
          const [y, mean, rstd] = [f32(rows * h), f32(rows), f32(rows)];
          if (layerNormFast(...f32s(x, gamma, beta), rows, h, eps, y, mean, rstd)) return { y: wrap(y), mean: wrap(mean), rstd: wrap(rstd) };
          for (const v of [y, mean, rstd]) heap!.release(v);
          return null;
        },
        backward: (dy, x, gamma, mean, rstd, rows, h) => {
          const [dx, dgamma, dbeta] = [f32(rows * h), heap!.f32(h, true), heap!.f32(h, true)];
          if (!layerNormBackwardFast(...f32s(dy, x, gamma, mean, rstd), rows, h, dx, dgamma, dbeta)) throw new Error('cpu layerNorm backward: operands left the wasm heap');
          return { dx: wrap(dx), dgamma: wrap(dgamma), dbeta: wrap(dbeta) };
        },
      } : undefined,
      attention: {
        forward: (q, k, v, segs, args) => {
          if (!isF32(q, k, v)) return null;
          const { out, probs } = run(() => attentionFast(...f32s(q, k, v), arr(segs) as Int32Array, args, useSoftmax));
          return { out: wrap(out), probs: wrap(probs) };
        },
        backward: (g, q, k, v, probs, segs, args) => run(() => {
          const r = attentionBackwardFast(...f32s(g, q, k, v, probs), arr(segs) as Int32Array, args);
          return { dq: wrap(r.dq), dk: wrap(r.dk), dv: wrap(r.dv) };
        }),
      },
      adamw: (p, g, m, v, args: AdamWArgs) => {
        if (!(useAdamw && isF32(p, g, m, v) && adamwFast(...f32s(p, g, m, v), args))) adamwRef(arr(p), arr(g), arr(m), arr(v), args);
        return true;
      },
    },
    read: async (x) => arr(x).slice(),
    readSync: (x) => arr(x).slice(),
    free: (x) => {
      live--;
      if (heap) heap.release(arr(x));
    },
    liveBuffers: () => live,
    sync: async () => {},
    destroy: () => {},
  };
}

