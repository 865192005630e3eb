// Row gather (embedding lookup, index select, gathering active rows) and its adjoint scatter-add
// (gradient of a gather; how active rows are written back).
import { backend } from '../tensor/engine.js';
import { fmt, ShapeError, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFloat, checkIndex, result } from './op.js';

export const gatherGradOps = ['gatherRows', 'scatterAddRows'] as const;

/** out[i, ...] = x[idx[i], ...]. */
export function gatherRows(x: Tensor, idx: Tensor): Tensor {
  checkFloat('gatherRows', x);
  checkIndex('gatherRows', idx);
  if (x.rank < 1) throw new ShapeError('gatherRows', `needs rank ≥ 1, got ${fmt(x.shape)}`);
  const rows = x.shape[0]!;
  const rest = x.shape.slice(1);
  const s = backend().gatherRows(x.storage, idx.storage, idx.size, sizeOf(rest));
  return result('gatherRows', s, [idx.size, ...rest], [x], (g) => [scatterAddRows(g, idx, rows)]);
}

/** out = zeros([rows, ...]); out[idx[i], ...] += src[i, ...]. */
export function scatterAddRows(src: Tensor, idx: Tensor, rows: number): Tensor {
  checkFloat('scatterAddRows', src);
  checkIndex('scatterAddRows', idx);
  if (src.rank < 1 || src.shape[0] !== idx.size) {
    throw new ShapeError('scatterAddRows', `source ${fmt(src.shape)} needs ${idx.size} rows, one per index`);
  }
  const rest = src.shape.slice(1);
  const s = backend().scatterAddRows(src.storage, idx.storage, idx.size, rows, sizeOf(rest));
  return result('scatterAddRows', s, [rows, ...rest], [src], (g) => [gatherRows(g, idx)]);
}
