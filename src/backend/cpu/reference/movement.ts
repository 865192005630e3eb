// CPU reference loops of the strided copy and strided write kernels.
import { allocArray, type TypedArray } from '../../dtype.js';
import { sizeOf } from '../../layout.js';

/** out[i] = x[offset + Σ_d i_d·strides_d] over the contiguous index space of `shape`. */
export function stridedRef(x: TypedArray, shape: readonly number[], strides: readonly number[], offset: number): TypedArray {
  const out = allocArray(x instanceof Float64Array ? 'f64' : x instanceof Int32Array ? 'i32' : 'f32', sizeOf(shape));
  walk(shape, strides, offset, (i, o) => {
    out[i] = x[o]!;
  });
  return out;
}

/** dst[offset + Σ_d i_d·strides_d] = x[i] in place. */
export function writeStridedRef(dst: TypedArray, x: TypedArray, shape: readonly number[], strides: readonly number[], offset: number): void {
  walk(shape, strides, offset, (i, o) => {
    dst[o] = x[i]!;
  });
}

function walk(shape: readonly number[], strides: readonly number[], offset: number, visit: (i: number, o: number) => void): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const rank = shape.length;
  const last = rank - 1;
  const idx = new Array<number>(rank).fill(0);
  let o = offset;
  // the innermost axis runs as a plain loop; the others advance like an odometer
  const inner = rank === 0 ? 1 : shape[last]!;
  const innerStride = rank === 0 ? 0 : strides[last]!;
  for (let i = 0; i < n; i += inner) {
    for (let j = 0; j < inner; j++) visit(i + j, o + j * innerStride);
    for (let d = last - 1; d >= 0; d--) {
      idx[d]!++;
      o += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
