// JS side of the SIMD row kernels (wasm-rows.ts): decides whether a call can take the wasm path (f32
// operands on the wasm heap, strides it handles) and describes it as pointers. Each function returns
// false when it cannot, and the backend then runs the reference loop. Large calls are sliced over the
// worker pool (runRows in matmul-fast.ts), at SIMD-group boundaries, so the results do not change.
import type { AdamWArgs, BinaryOp, UnaryOp } from '../backend.js';
import { adamwRef } from './reference/adamw.js';
import { wasmHeap } from './heap.js';
import { coalesce, forEachBlock } from '../layout.js';
import { kernels, runRows } from './matmul-fast.js';
import { unaryTable, type UnaryEntry } from '../elementwise.js';

const onHeap = (...xs: Float32Array[]): boolean => {
  const h = wasmHeap();
  return xs.every((x) => x.length === 0 || h.owns(x));
};

/**
 * out = a op b over the broadcast `shape` (strides as/bs), as binaryRef. After coalescing (layout.ts), the
 * last two axes go to one wasm call (rows × inner, inner strides 0 or 1), any further axes are looped here.
 */
export function binaryFast(op: BinaryOp, a: Float32Array, b: Float32Array, shape: readonly number[], as: readonly number[], bs: readonly number[], out: Float32Array): boolean {
  if (!onHeap(a, b, out)) return false;
  if (out.length === 0) return true;
  const c = coalesce(shape, [as, bs]);
  const rank = c.shape.length;
  const [n, ai, bi] = rank > 0 ? [c.shape[rank - 1]!, c.strides[0]![rank - 1]!, c.strides[1]![rank - 1]!] : [1, 0, 0];
  if ((ai !== 0 && ai !== 1) || (bi !== 0 && bi !== 1)) return false;
  const [rows, aRow, bRow] = rank > 1 ? [c.shape[rank - 2]!, c.strides[0]![rank - 2]!, c.strides[1]![rank - 2]!] : [1, 0, 0];
  if (rank <= 2) {
    const args = [out.byteOffset, a.byteOffset, ai, aRow * 4, b.byteOffset, bi, bRow * 4, n, rows];
    if (rows > 1) runRows(`bin_${op}`, args, 8, [n * 4, aRow * 4, 0, 0, bRow * 4], 1, n * 4);
    else runRows(`bin_${op}`, args, 7, [4, ai * 4, 0, 0, bi * 4], 4, 4);
    return true;
  }
  const fn = kernels()[`bin_${op}`]!;
  forEachBlock(c.shape.slice(0, -2), c.strides, n * rows, (o, [ao, bo]) =>
    fn(out.byteOffset + o * 4, a.byteOffset + ao! * 4, ai, aRow * 4, b.byteOffset + bo! * 4, bi, bRow * 4, n, rows));
  return true;
}

export function unaryFast(op: UnaryOp, x: Float32Array, out: Float32Array): boolean {
  if (!(unaryTable[op] as UnaryEntry).wasm || !onHeap(x, out)) return false;
  if (out.length > 0) runRows(`un_${op}`, [out.byteOffset, x.byteOffset, x.length], 2, [4, 4], 4, 4);
  return true;
}

/** In place: each row of x [rows, n] becomes softmax(scale·row). n must be a multiple of 4. */
export function softmaxRowsFast(x: Float32Array, rows: number, n: number, scale: number): boolean {
  if (n % 4 !== 0 || !onHeap(x)) return false;
  if (rows * n > 0) runRows('softmaxRows', [x.byteOffset, rows, n, scale], 1, [n * 4], 1, n * 4);
  return true;
}

export function adamwFast(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamWArgs): boolean {
  if (!onHeap(p, g, m, v)) return false;
  const n2 = p.length & ~1;
  if (n2 > 0) {
    runRows('adamw', [p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, n2, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2,
      a.lr, a.bc1, a.bc2, a.eps, 1 - a.lr * a.weightDecay], 4, [4, 4, 4, 4], 4, 16);
  }
  if (n2 < p.length) adamwRef(p.subarray(n2), g.subarray(n2), m.subarray(n2), v.subarray(n2), a);
  return true;
}

export function layerNormFast(x: Float32Array, gamma: Float32Array, beta: Float32Array, rows: number, h: number, eps: number, y: Float32Array, mean: Float32Array, rstd: Float32Array): boolean {
  if (h % 4 !== 0 || h === 0 || !onHeap(x, gamma, beta, y, mean, rstd)) return false;
  if (rows > 0) runRows('layerNorm', [x.byteOffset, gamma.byteOffset, beta.byteOffset, y.byteOffset, mean.byteOffset, rstd.byteOffset, rows, h, eps], 6, [h * 4, 0, 0, h * 4, 4, 4], 1, h * 4);
  return true;
}

/** dgamma and dbeta must be zeroed. */
export function layerNormBackwardFast(dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array, rows: number, h: number, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array): boolean {
  if (h % 4 !== 0 || h === 0 || !onHeap(dy, x, gamma, mean, rstd, dx, dgamma, dbeta)) return false;
  if (rows > 0) kernels().layerNormBackward(dy.byteOffset, x.byteOffset, gamma.byteOffset, mean.byteOffset, rstd.byteOffset, dx.byteOffset, dgamma.byteOffset, dbeta.byteOffset, rows, h);
  return true;
}
