// Row gather (embedding lookup, index select, gathering active rows) and its adjoint scatter-add
// (gradient of a gather; how active rows are written back).
import { allocArray, type TypedArray } from '../tensor/dtype.js';
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

// ---------------------------------------------------------------------------------------------
// CPU reference (bounds-checked: a bad index names itself)

function checkRow(op: string, idx: Int32Array, i: number, rows: number): number {
  const r = idx[i]!;
  if (r < 0 || r >= rows) throw new RangeError(`${op}: index ${r} at position ${i} is out of range [0, ${rows})`);
  return r;
}

export function gatherRowsRef(x: TypedArray, idx: Int32Array, nIdx: number, cols: number): TypedArray {
  const out = allocArray(x instanceof Float64Array ? 'f64' : 'f32', nIdx * cols);
  const rows = cols === 0 ? Infinity : x.length / cols;
  for (let i = 0; i < nIdx; i++) {
    const r = checkRow('gatherRows', idx, i, rows);
    out.set(x.subarray(r * cols, (r + 1) * cols), i * cols);
  }
  return out;
}

export function scatterAddRowsRef(src: TypedArray, idx: Int32Array, nIdx: number, rows: number, cols: number): TypedArray {
  const out = allocArray(src instanceof Float64Array ? 'f64' : 'f32', rows * cols);
  for (let i = 0; i < nIdx; i++) {
    const r = checkRow('scatterAddRows', idx, i, rows);
    for (let c = 0; c < cols; c++) out[r * cols + c]! += src[i * cols + c]!;
  }
  return out;
}
