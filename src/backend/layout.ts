// Sizes and strided layouts, shared by every backend and by the tensor layer's shape rules.

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * For kernels that index with a small fixed rank: merge adjacent axes that are contiguous in every operand and drop size-1 axes, so a rank-7 view
 * of a contiguous tensor becomes rank 1. Returns the shape and one stride list per operand.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last]! *= size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Visit the blocks of a row-major loop nest whose outer axes are `shape` (the inner axes, `block`
 * elements, are the caller's): visit(start, offsets) gets the block's first output index and each
 * operand's offset from its strides over the outer axes, advanced like an odometer.
 */
export function forEachBlock(shape: readonly number[], strides: readonly (readonly number[])[], block: number, visit: (start: number, offsets: readonly number[]) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  const offs = strides.map(() => 0);
  for (let b = 0; b < n; b++) {
    visit(b * block, offs);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < offs.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < offs.length; k++) offs[k]! -= strides[k]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
