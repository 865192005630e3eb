// CPU reference loops of the strided copy and strided write kernels.
import { allocArray, type TypedArray } from '../../dtype.js';
import { forEachBlock, sizeOf } from '../../layout.js';

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
  if (sizeOf(shape) === 0) return;
  // the innermost axis runs as a plain loop; the others through forEachBlock
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const innerStride = strides[shape.length - 1] ?? 0;
  forEachBlock(shape.slice(0, -1), [strides], inner, (i, [o]) => {
    for (let j = 0; j < inner; j++) visit(i + j, offset + o! + j * innerStride);
  });
}
