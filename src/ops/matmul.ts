// Matrix multiply, 2-D and batched, either side transposed, batch broadcast when one side is 2-D.
import type { MatmulArgs } from '../backend/backend.js';
import { backend } from '../tensor/engine.js';
import { fmt, sameShape, ShapeError, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFloat, result } from './op.js';
import { sumTo } from './broadcast.js';

export const matmulGradOps = ['matmul'] as const;

export interface MatmulOptions {
  /** use aᵀ: a holds [..., k, m] */
  transA?: boolean;
  /** use bᵀ: b holds [..., n, k] */
  transB?: boolean;
}

export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  checkFloat('matmul', a, b);
  if (a.rank < 2 || b.rank < 2) throw new ShapeError('matmul', `needs rank ≥ 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, ka] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const desc = () => `${fmt(a.shape)}${transA ? 'ᵀ' : ''} @ ${fmt(b.shape)}${transB ? 'ᵀ' : ''}`;
  if (ka !== kb) throw new ShapeError('matmul', `inner dimensions differ: ${desc()}`);
  if (aBatch.length && bBatch.length && !sameShape(aBatch, bBatch)) {
    throw new ShapeError('matmul', `batch dimensions differ: ${desc()}`);
  }
  const batchShape = aBatch.length ? aBatch : bBatch;
  const args: MatmulArgs = {
    batch: sizeOf(batchShape), m, k: ka, n, transA, transB,
    aBatchStride: aBatch.length ? m * ka : 0,
    bBatchStride: bBatch.length ? ka * n : 0,
  };
  return result('matmul', backend().matmul(a.storage, b.storage, args), [...batchShape, m, n], [a, b], (g) => [
    a.requiresGrad ? sumTo(transA ? matmul(b, g, { transA: transB, transB: true }) : matmul(g, b, { transB: !transB }), a.shape) : null,
    b.requiresGrad ? sumTo(transB ? matmul(g, a, { transA: true, transB: transA }) : matmul(a, g, { transA: !transA }), b.shape) : null,
  ]);
}
