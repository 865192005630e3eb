// JS side of the SIMD column sum (wasm-reduce.ts): reduce 'sum' of f32 x [outer, n, inner] on the wasm
// heap, bit-identical to reduceRef. Columns are sliced over the worker pool (each column's sum keeps
// its row order whoever computes it); inner < 4 (sums along the last axis) stays on the reference loop.
import { wasmHeap } from './heap.js';
import { runRows } from './matmul-fast.js';

/** columns per slice: whole 16-column strips */
const GRANULE = 16;

export function sumFast(x: Float32Array, outer: number, n: number, inner: number, out: Float32Array): boolean {
  const heap = wasmHeap();
  if (inner < 4 || !heap.owns(out) || (x.length > 0 && !heap.owns(x))) return false;
  for (let o = 0; o < outer; o++) {
    runRows('colSum', [x.byteOffset + o * n * inner * 4, out.byteOffset + o * inner * 4, inner, n, inner * 4], 2, [4, 4], GRANULE, n * 4);
  }
  return true;
}
