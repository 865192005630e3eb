// Reductions over axes (sum, mean, max) with keepdims.
// The backend kernel reduces one axis of a contiguous [outer, n, inner] view; several axes are
// reduced one after another.
import { noGrad } from '../tensor/engine.js';
import { normAxis, ShapeError, fmt, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, eq, mul } from './elementwise.js';
import { expand, reduceRaw } from './broadcast.js';
import { reshape } from './movement.js';
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
