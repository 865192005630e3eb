// Sparse-query self-attention over a packed batch. Queries are a subset of the rows (the active
// pieces); keys and values are all rows of the query's own sentence. Sentences never attend to
// each other, so the batch needs no padding and no mask. Composite of primitives, one score
// matrix per sentence.
import { concat, matmul, mul, permute, reshape, slice, softmax } from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';

/** Where one sentence's queries and keys sit: query rows [qStart, qEnd), key rows [kStart, kEnd). */
export interface AttentionSegment {
  qStart: number;
  qEnd: number;
  kStart: number;
  kEnd: number;
}

/**
 * q [M, H] (queries of all sentences, grouped by sentence in segment order), k, v [T, H] → [M, H].
 * A segment with no keys yields zeros for its queries (a fully masked row gives 0).
 */
export function sparseQueryAttention(q: Tensor, k: Tensor, v: Tensor, segments: readonly AttentionSegment[], heads: number): Tensor {
  const [m, h] = q.shape as [number, number];
  const t = k.shape[0]!;
  const d = h / heads;
  const qh = permute(reshape(q, [m, heads, d]), [1, 0, 2]); // [heads, M, d]
  const kh = permute(reshape(k, [t, heads, d]), [1, 0, 2]); // [heads, T, d]
  const vh = permute(reshape(v, [t, heads, d]), [1, 0, 2]); // [heads, T, d]
  const scale = 1 / Math.sqrt(d);
  const parts: Tensor[] = [];
  for (const s of segments) {
    if (s.qEnd === s.qStart) continue;
    const qs = slice(qh, [0, s.qStart], [heads, s.qEnd]); // [heads, m_s, d]
    if (s.kEnd === s.kStart) {
      parts.push(mul(qs, 0));
      continue;
    }
    const ks = slice(kh, [0, s.kStart], [heads, s.kEnd]); // [heads, n_s, d]
    const vs = slice(vh, [0, s.kStart], [heads, s.kEnd]); // [heads, n_s, d]
    const p = softmax(mul(matmul(qs, ks, { transB: true }), scale)); // [heads, m_s, n_s]
    parts.push(matmul(p, vs)); // [heads, m_s, d]
  }
  const ctx = parts.length === 1 ? parts[0]! : concat(parts, 1); // [heads, M, d]
  return reshape(permute(ctx, [1, 0, 2]), [m, h]); // [M, H]
}
