// Broadcasting and its adjoint: expand materialises numpy broadcasting, sumTo sums a broadcast
// gradient back to the operand's shape. Each is the other's gradient rule.
import type { ReduceOp, Storage } from '../backend/backend.js';
import { backend } from '../tensor/engine.js';
import { checkShape, fmt, sameShape, ShapeError, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { result } from './op.js';

export const broadcastGradOps = ['expand', 'sumTo'] as const;

/** Broadcast x to `shape` (numpy rules), materialised. */
export function expand(x: Tensor, shape: Shape): Tensor {
  checkShape('expand', shape);
  const lead = shape.length - x.rank;
  if (lead < 0 || x.shape.some((d, i) => d !== 1 && d !== shape[lead + i])) {
    throw new ShapeError('expand', `cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  const src = stridesOf(x.shape);
  const strides = shape.map((_, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : src[i - lead]!));
  const s = backend().strided(x.storage, shape, strides, 0);
  return result('expand', s, shape, [x], (g) => [sumTo(g, x.shape)]);
}

/** Sum a broadcast gradient back to `shape` (the adjoint of numpy broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return result('sumTo', reduceRaw('sum', g, axes), shape, [g], (d) => [expand(d, g.shape)]);
}

/** Reduce the given axes with the raw kernel; returns storage of keptShape. */
export function reduceRaw(op: ReduceOp, x: Tensor, axes: readonly number[]): Storage {
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
