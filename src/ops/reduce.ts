// Reductions over axes (sum, mean, max) with keepdims, and sumTo, the adjoint of broadcasting.
// The backend kernel reduces one axis of a contiguous [outer, n, inner] view; several axes are
// reduced one after another.
import type { ReduceOp } from '../backend/backend.js';
import { allocArray, type TypedArray } from '../tensor/dtype.js';
import { backend, noGrad } from '../tensor/engine.js';
import { normAxis, sameShape, sizeOf, stridesOf, ShapeError, fmt, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, eq, mul } from './elementwise.js';
import { expand, reshape } from './movement.js';
import { checkFloat, result } from './op.js';

export const reduceGradOps = ['sum', 'mean', 'max'] as const;

type Axes = number | readonly number[] | undefined;

function resolveAxes(op: string, x: Tensor, axes: Axes): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normAxis(op, a, x.rank)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new ShapeError(op, `repeated axis in [${list.join(', ')}] for ${fmt(x.shape)}`);
  return out;
}

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Reduce the given axes with the raw kernel; returns storage of keptShape. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: readonly number[]) {
  const be = backend();
  let storage = x.storage;
  const shape = [...x.shape];
  for (const a of axes) {
    const outer = sizeOf(shape.slice(0, a));
    const inner = sizeOf(shape.slice(a + 1));
    const next = be.reduce(op, storage, outer, shape[a]!, inner);
    if (storage !== x.storage) be.free(storage);
    storage = next;
    shape[a] = 1;
  }
  if (storage === x.storage) storage = be.strided(x.storage, shape, stridesOf(shape), 0); // no axes: a copy
  return storage;
}

export function sum(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  checkFloat('sum', x);
  const ax = resolveAxes('sum', x, axes);
  const kept = keptShape(x.shape, ax);
  const shape = keepdims ? kept : x.shape.filter((_, i) => !ax.includes(i));
  return result('sum', reduceRaw('sum', x, ax), shape, [x], (g) => [expand(reshape(g, kept), x.shape)]);
}

export function mean(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const ax = resolveAxes('mean', x, axes);
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, ax, keepdims), count);
}

/** Max over axes. The gradient is shared equally among tied maxima (as torch.amax). */
export function max(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  checkFloat('max', x);
  const ax = resolveAxes('max', x, axes);
  const kept = keptShape(x.shape, ax);
  const shape = keepdims ? kept : x.shape.filter((_, i) => !ax.includes(i));
  let out: Tensor | null = null;
  out = result('max', reduceRaw('max', x, ax), shape, [x], (g) => noGrad(() => {
    const hit = eq(x, reshape(out!, kept)); // [x.shape] 1 at maxima
    const ties = sum(hit, ax, true);
    return [mul(hit, div(reshape(g, kept), ties))];
  }));
  return out;
}

/** Sum a broadcast gradient back to `shape` (the adjoint of numpy broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes, true), shape);
}

// ---------------------------------------------------------------------------------------------
// CPU reference

export function reduceRef(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number): TypedArray {
  const out = allocArray(x instanceof Float64Array ? 'f64' : 'f32', outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let j = 0; j < inner; j++) {
      let acc = op === 'sum' ? 0 : -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[base + i * inner + j]!;
        if (op === 'sum') acc += v;
        else if (v > acc || Number.isNaN(v)) acc = v;
      }
      out[o * inner + j] = acc;
    }
  }
  return out;
}
