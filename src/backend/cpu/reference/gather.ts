// CPU reference loops of gatherRows, scatterAddRows and scatterRows (bounds-checked: a bad index names itself).
import { allocArray, type TypedArray } from '../../dtype.js';

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

export function scatterRowsRef(dst: TypedArray, src: TypedArray, idx: Int32Array, nIdx: number, cols: number): TypedArray {
  const out = allocArray(dst instanceof Float64Array ? 'f64' : 'f32', dst.length);
  out.set(dst);
  const rows = cols === 0 ? Infinity : dst.length / cols;
  const written = new Set<number>();
  for (let i = 0; i < nIdx; i++) {
    const r = checkRow('scatterRows', idx, i, rows);
    if (written.has(r)) throw new RangeError(`scatterRows: row ${r} is written twice (position ${i}); the indices must be distinct`);
    written.add(r);
    out.set(src.subarray(i * cols, (i + 1) * cols), r * cols);
  }
  return out;
}
