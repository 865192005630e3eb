// CPU reference matmul: i-k-j order so the inner loop runs along contiguous rows of b and out.
import type { MatmulArgs } from '../../backend.js';
import { allocArray, type TypedArray } from '../../dtype.js';

export function matmulRef(a: TypedArray, b: TypedArray, p: MatmulArgs): TypedArray {
  const { batch, m, k, n, transA, transB } = p;
  const out = allocArray(a instanceof Float64Array ? 'f64' : 'f32', batch * m * n);
  // strides of op(a)[i, kk] and op(b)[kk, j]
  const [ai, ak] = transA ? [1, m] : [k, 1];
  const [bk, bj] = transB ? [1, k] : [n, 1];
  for (let t = 0; t < batch; t++) {
    const ao = t * p.aBatchStride;
    const bo = t * p.bBatchStride;
    const oo = t * m * n;
    for (let i = 0; i < m; i++) {
      const row = oo + i * n;
      for (let kk = 0; kk < k; kk++) {
        const av = a[ao + i * ai + kk * ak]!;
        const bRow = bo + kk * bk;
        for (let j = 0; j < n; j++) out[row + j]! += av * b[bRow + j * bj]!;
      }
    }
  }
  return out;
}
