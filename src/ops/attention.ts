// Sparse-query attention over a packed batch: the queries are a subset of rows (the active pieces),
// each attends to the keys and values of its own sentence only, so packed sentences need no
// padding and no mask. The composite from primitives below is the definition; a backend's optional
// fused pair (forward saves the probabilities, backward uses them) replaces it.
import type { AttentionArgs } from '../backend/backend.js';
import { backend } from '../tensor/engine.js';
import { fmt, ShapeError } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { concat, permute, reshape, slice } from './movement.js';
import { matmul } from './matmul.js';
import { mul } from './elementwise.js';
import { softmax } from './softmax.js';
import { checkFloat, result } from './op.js';

export const attentionGradOps = ['sparseQueryAttention'] as const;

/** One sentence's query rows [qStart, qEnd) of q and key rows [kStart, kEnd) of k and v. */
export interface AttentionSegment {
  qStart: number;
  qEnd: number;
  kStart: number;
  kEnd: number;
}

function checkSegments(q: Tensor, k: Tensor, v: Tensor, segments: readonly AttentionSegment[], heads: number): void {
  const op = 'sparseQueryAttention';
  checkFloat(op, q, k, v);
  const [m, h] = q.shape;
  if (q.rank !== 2 || k.rank !== 2 || v.rank !== 2 || k.shape[1] !== h || v.shape[1] !== h || k.shape[0] !== v.shape[0]) {
    throw new ShapeError(op, `q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)} must be [M, H], [N, H], [N, H]`);
  }
  if (!Number.isInteger(heads) || heads < 1 || h! % heads !== 0) throw new ShapeError(op, `hidden ${h} is not divisible by ${heads} heads`);
  let q0 = 0;
  for (const s of segments) {
    if (s.qStart !== q0 || s.qEnd < s.qStart || s.kStart < 0 || s.kEnd < s.kStart || s.kEnd > k.shape[0]!) {
      throw new ShapeError(op, `segment ${JSON.stringify(s)} does not tile queries [0, ${m}) in order within keys [0, ${k.shape[0]})`);
    }
    q0 = s.qEnd;
  }
  if (q0 !== m) throw new ShapeError(op, `segments cover ${q0} query rows, q has ${m}`);
}

/** q [M, H], k, v [N, H] → context [M, H]. */
export function sparseQueryAttention(q: Tensor, k: Tensor, v: Tensor, segments: readonly AttentionSegment[], heads: number): Tensor {
  checkSegments(q, k, v, segments, heads);
  const [m, h] = q.shape as [number, number];
  const table = new Int32Array(segments.length * 5);
  let probsSize = 0;
  segments.forEach((s, i) => {
    table.set([s.qStart, s.qEnd, s.kStart, s.kEnd, probsSize], i * 5);
    probsSize += heads * (s.qEnd - s.qStart) * (s.kEnd - s.kStart);
  });
  const be = backend();
  const segs = be.fromArray(table);
  const args: AttentionArgs = { m, n: k.shape[0]!, hidden: h, heads, segments: segments.length, probsSize, scale: 1 / Math.sqrt(h / heads) };
  const fused = be.fused.attention;
  const r = fused?.forward(q.storage, k.storage, v.storage, segs, args);
  if (!fused || !r) {
    be.free(segs);
    return sparseQueryAttentionComposite(q, k, v, segments, heads);
  }
  const { out, probs } = r;
  // saved for backward; like every intermediate they belong to the enclosing tidy scope
  const savedProbs = new Tensor(probs, [probsSize], be);
  const savedSegs = new Tensor(segs, [table.length], be);
  const output = result('sparseQueryAttention', out, [m, h], [q, k, v], (g) => {
    const { dq, dk, dv } = fused.backward(g.storage, q.storage, k.storage, v.storage, savedProbs.storage, savedSegs.storage, args);
    return [new Tensor(dq, q.shape, be), new Tensor(dk, k.shape, be), new Tensor(dv, v.shape, be)];
  });
  if (!output.node) {
    savedProbs.dispose();
    savedSegs.dispose();
  }
  return output;
}

/** The attention composed from primitives, one score matrix per segment: the definition and the oracle. */
export function sparseQueryAttentionComposite(q: Tensor, k: Tensor, v: Tensor, segments: readonly AttentionSegment[], heads: number): Tensor {
  checkSegments(q, k, v, segments, heads);
  const [m, h] = q.shape as [number, number];
  const n = k.shape[0]!;
  const d = h / heads;
  const qh = permute(reshape(q, [m, heads, d]), [1, 0, 2]); // [heads, M, d]
  const kh = permute(reshape(k, [n, heads, d]), [1, 0, 2]); // [heads, N, d]
  const vh = permute(reshape(v, [n, heads, d]), [1, 0, 2]); // [heads, N, d]
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
    const p = softmax(mul(matmul(qs, ks, { transB: true }), 1 / Math.sqrt(d))); // [heads, m_s, n_s]
    parts.push(matmul(p, vs)); // [heads, m_s, d]
  }
  if (parts.length === 0) return mul(q, 0);
  const ctx = parts.length === 1 ? parts[0]! : concat(parts, 1); // [heads, M, d]
  return reshape(permute(ctx, [1, 0, 2]), [m, h]); // [M, H]
}
