// CPU reference loop of the reduce kernel.
import type { ReduceOp } from '../../backend.js';
import { allocArray, type TypedArray } from '../../dtype.js';

export function reduceRef(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number): TypedArray {
  const out = allocArray(x instanceof Float64Array ? 'f64' : 'f32', outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let j = 0; j < inner; j++) {
      let acc = op === 'sum' ? 0 : -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[base + i * inner + j]!;
        if (op === 'sum') acc += v;
        else if (v > acc || Number.isNaN(v)) acc = v;
      }
      out[o * inner + j] = acc;
    }
  }
  return out;
}
