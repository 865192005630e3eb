// The Backend interface: the required primitives every backend implements (Kernels) and the optional
// fused kernels a backend may add where a benchmark shows they pay (FusedKernels). Ops and autograd
// (src/ops, src/tensor) are written once against it: an op uses a fused kernel when the backend has
// one, and its composite of primitives otherwise. Kernels enqueue synchronously and return new
// storage; only `read` is async.
import type { DType, TypedArray } from './dtype.js';

/** Opaque device memory owned by one backend. */
export interface Storage {
  readonly dtype: DType;
  readonly size: number;
}

export type { BinaryOp, UnaryOp } from './elementwise.js';
import type { BinaryOp, UnaryOp } from './elementwise.js';
export type ReduceOp = 'sum' | 'max';

export interface MatmulArgs {
  batch: number;
  m: number;
  k: number;
  n: number;
  /** a is stored [k, m] per batch instead of [m, k]. */
  transA: boolean;
  /** b is stored [n, k] per batch instead of [k, n]. */
  transB: boolean;
  /** elements between consecutive batches of a (0 broadcasts a over the batch). */
  aBatchStride: number;
  bBatchStride: number;
}

export interface AttentionArgs {
  /** query rows M, key rows N, hidden H */
  m: number;
  n: number;
  hidden: number;
  heads: number;
  segments: number;
  /** total size of the probabilities buffer */
  probsSize: number;
  /** score scale, 1/√d */
  scale: number;
}

export interface AdamWArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1 - beta1^t and 1 - beta2^t for bias correction. */
  bc1: number;
  bc2: number;
}

export interface Kernels {
  fromArray(data: TypedArray): Storage;
  /** In place: dst[offset + i] = data[i] (same dtype). data is copied before this returns and stays the caller's. */
  writeArray(dst: Storage, data: TypedArray, offset: number): void;
  fill(dtype: DType, size: number, value: number): Storage;
  unary(op: UnaryOp, x: Storage, param: number): Storage;
  /** out has `outShape`; element i reads a and b through their (broadcast) strides. */
  binary(op: BinaryOp, a: Storage, b: Storage, outShape: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): Storage;
  /** out = cond != 0 ? a : b, all three broadcast to outShape. */
  where(cond: Storage, a: Storage, b: Storage, outShape: readonly number[], condStrides: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): Storage;
  /** x viewed as [outer, n, inner] reduced over n → [outer, inner]. */
  reduce(op: ReduceOp, x: Storage, outer: number, n: number, inner: number): Storage;
  /** out (contiguous, outShape)[i] = x[offset + Σ_d i_d·strides_d]: permute, slice and expand in one kernel. */
  strided(x: Storage, outShape: readonly number[], strides: readonly number[], offset: number): Storage;
  /** In place: dst[offset + Σ_d i_d·strides_d] = x[i] for every index i of xShape (pad, concat). */
  writeStrided(dst: Storage, x: Storage, xShape: readonly number[], strides: readonly number[], offset: number): void;
  /** out [batch, m, n] = op(a) @ op(b). */
  matmul(a: Storage, b: Storage, args: MatmulArgs): Storage;
  /** out [nIdx, cols] = x[idx[i], :]. */
  gatherRows(x: Storage, idx: Storage, nIdx: number, cols: number): Storage;
  /** out [rows, cols] = 0; out[idx[i], :] += src[i, :]. */
  scatterAddRows(src: Storage, idx: Storage, nIdx: number, rows: number, cols: number): Storage;
  /** out = dst with out[idx[i], :] = src[i, :] (the indices are distinct). */
  scatterRows(dst: Storage, src: Storage, idx: Storage, nIdx: number, cols: number): Storage;
  cast(x: Storage, dtype: DType): Storage;
}

/**
 * Optional fused kernels. A forward returns null for a case it does not handle (a dtype, a width),
 * and the op then runs its composite; a backward is called only after its forward returned a result.
 */
export interface FusedKernels {
  /**
   * Sparse-query attention over a packed batch. q [M, H], k, v [N, H], heads interleaved along H
   * (head h owns columns h·d … h·d+d−1). segs: i32 [S, 5] rows (qStart, qEnd, kStart, kEnd,
   * probsOffset): the queries of a segment attend to its keys only. Returns the context [M, H]
   * and the attention probabilities (per segment, per head, [m_s, n_s] row-major at probsOffset
   * + h·m_s·n_s), kept for the backward pass. A segment without keys gives zero context.
   */
  attention: {
    forward(q: Storage, k: Storage, v: Storage, segs: Storage, args: AttentionArgs): { out: Storage; probs: Storage } | null;
    /** dq [M, H], dk, dv [N, H] from dOut [M, H] and the saved probabilities. */
    backward(dOut: Storage, q: Storage, k: Storage, v: Storage, probs: Storage, segs: Storage, args: AttentionArgs): { dq: Storage; dk: Storage; dv: Storage };
  };
  /** LayerNorm over the last axis of x [rows, h] (two-pass variance), keeping mean and 1/√(var+eps) per row. */
  layerNorm: {
    forward(x: Storage, gamma: Storage, beta: Storage, rows: number, h: number, eps: number): { y: Storage; mean: Storage; rstd: Storage } | null;
    /** dx [rows, h], dgamma, dbeta [h]. */
    backward(dy: Storage, x: Storage, gamma: Storage, mean: Storage, rstd: Storage, rows: number, h: number): { dx: Storage; dgamma: Storage; dbeta: Storage };
  };
  /** In place AdamW step over flat buffers of equal size (decoupled weight decay, bias-corrected); false: not handled. */
  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, args: AdamWArgs): boolean;
}

export interface Backend extends Kernels {
  readonly name: string;
  /** The fused kernels this backend has. */
  readonly fused: Partial<FusedKernels>;
  /** A one-line description (device, adapter, threads) printed once at init. */
  readonly description: string;
  read(x: Storage): Promise<TypedArray>;
  /** Synchronous read, offered only where it is free (the CPU backend). */
  readSync?(x: Storage): TypedArray;
  free(x: Storage): void;
  /** Buffers currently allocated (for leak tests). */
  liveBuffers(): number;
  /** Wait until queued work is done (for timing). */
  sync(): Promise<void>;
  destroy(): void;
}
