// Movement ops: reshape (a view), permute/transpose, slice, expand (one strided-copy kernel) and
// concat/pad (strided writes). Each gradient is another movement op; expand is in broadcast.ts.
import { backend, noGrad } from '../tensor/engine.js';
import { zeros } from '../tensor/create.js';
import { fmt, normAxis, ShapeError, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { record, result } from './op.js';

export const movementGradOps = ['reshape', 'permute', 'slice', 'pad', 'concat'] as const;

/** Same data, new shape (one dimension may be -1). Shares storage; no copy. */
export function reshape(x: Tensor, shape0: Shape): Tensor {
  const shape = [...shape0];
  const hole = shape.indexOf(-1);
  if (hole >= 0) {
    const rest = sizeOf(shape.filter((_, i) => i !== hole));
    shape[hole] = rest === 0 ? 0 : x.size / rest;
  }
  // one message for every failure (a −1 that does not divide evenly included), naming both shapes
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(shape) !== x.size) throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} to ${fmt(shape0)}`);
  return record(x.view(shape), 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

/** The same values as a new graph leaf: shares storage (no copy), records no node, needs no grad. */
export function detach(x: Tensor): Tensor {
  return x.view(x.shape);
}

export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new ShapeError('permute', `permutation [${perm.join(', ')}] does not fit ${fmt(x.shape)}`);
  }
  const src = stridesOf(x.shape);
  const shape = perm.map((p) => x.shape[p]!);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const s = backend().strided(x.storage, shape, perm.map((p) => src[p]!), 0);
  return result('permute', s, shape, [x], (g) => [permute(g, inverse)]);
}

/** Swap two axes (default: the last two). */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const i = normAxis('transpose', a, x.rank);
  const j = normAxis('transpose', b, x.rank);
  const perm = x.shape.map((_, k) => k);
  perm[i] = j;
  perm[j] = i;
  return permute(x, perm);
}

/** x[starts[0]:ends[0], …]; missing trailing axes are taken whole. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor {
  if (starts.length > x.rank || ends.length !== starts.length) {
    throw new ShapeError('slice', `starts [${starts.join(', ')}] / ends [${ends.join(', ')}] do not fit ${fmt(x.shape)}`);
  }
  const lo = x.shape.map((_, i) => starts[i] ?? 0);
  const hi = x.shape.map((d, i) => ends[i] ?? d);
  lo.forEach((l, i) => {
    if (l < 0 || hi[i]! > x.shape[i]! || l > hi[i]!) {
      throw new ShapeError('slice', `range ${l}:${hi[i]} on axis ${i} is out of bounds for ${fmt(x.shape)}`);
    }
  });
  const strides = stridesOf(x.shape);
  const shape = lo.map((l, i) => hi[i]! - l);
  const offset = lo.reduce((acc, l, i) => acc + l * strides[i]!, 0);
  const s = backend().strided(x.storage, shape, strides, offset);
  return result('slice', s, shape, [x], (g) => [pad(g, x.shape, lo)]);
}

/** Zeros of `shape` with x written at offset `at` (slice's adjoint). */
export function pad(x: Tensor, shape: Shape, at: readonly number[]): Tensor {
  const out = noGrad(() => zeros(shape, x.dtype));
  const strides = stridesOf(shape);
  backend().writeStrided(out.storage, x.storage, x.shape, strides, at.reduce((acc, a, i) => acc + a * strides[i]!, 0));
  return record(out, 'pad', [x], (g) => [slice(g, at, at.map((a, i) => a + x.shape[i]!))]);
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat', 'no tensors given');
  const first = xs[0]!;
  const ax = normAxis('concat', axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError('concat', `shapes ${xs.map((x) => fmt(x.shape)).join(', ')} differ outside axis ${ax}`);
    }
    if (t.dtype !== first.dtype) throw new TypeError(`concat: dtypes differ: ${xs.map((x) => x.dtype).join(', ')}`);
  }
  const shape = [...first.shape];
  shape[ax] = xs.reduce((n, t) => n + t.shape[ax]!, 0);
  const out = noGrad(() => zeros(shape, first.dtype));
  const strides = stridesOf(shape);
  const offsets: number[] = [];
  let at = 0;
  for (const t of xs) {
    offsets.push(at);
    backend().writeStrided(out.storage, t.storage, t.shape, strides, at * strides[ax]!);
    at += t.shape[ax]!;
  }
  return record(out, 'concat', [...xs], (g) => xs.map((t, k) => {
    const lo = shape.map((_, i) => (i === ax ? offsets[k]! : 0));
    const hi = shape.map((d, i) => (i === ax ? offsets[k]! + t.shape[ax]! : d));
    return slice(g, lo, hi);
  }));
}
