// Row gather (embedding lookup, index select, gathering active rows), its adjoint scatter-add (the
// gradient of a gather), and scatter-assign (active rows written back exactly into the full set).
import { backend } from '../tensor/engine.js';
import { zeros } from '../tensor/create.js';
import { fmt, ShapeError, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFloat, checkIndex, result } from './op.js';

export const gatherGradOps = ['gatherRows', 'scatterAddRows', 'scatterRows'] as const;

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

/**
 * out = dst with out[idx[i], ...] = src[i, ...]: the rows at distinct indices are replaced, the others
 * kept. Gradients: the output's gradient with those rows zeroed for dst, its gathered rows for src.
 */
export function scatterRows(dst: Tensor, src: Tensor, idx: Tensor): Tensor {
  checkFloat('scatterRows', dst, src);
  checkIndex('scatterRows', idx);
  const rest = dst.shape.slice(1);
  if (dst.rank < 1 || src.rank !== dst.rank || src.shape[0] !== idx.size || src.shape.some((d, i) => i > 0 && d !== dst.shape[i])) {
    throw new ShapeError('scatterRows', `source ${fmt(src.shape)} needs ${idx.size} rows (one per index) of the destination's ${fmt(rest)}`);
  }
  const s = backend().scatterRows(dst.storage, src.storage, idx.storage, idx.size, sizeOf(rest));
  return result('scatterRows', s, dst.shape, [dst, src], (g) => [
    dst.requiresGrad ? scatterRows(g, zeros(src.shape, g.dtype), idx) : null,
    src.requiresGrad ? gatherRows(g, idx) : null,
  ]);
}
