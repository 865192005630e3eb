// f32 sparse-query attention on the fast matmul: per segment, the heads become a batch
// ([heads, m, d] blocks), so scores, context and all backward products are batched wasm matmuls;
// only the row softmax runs in JS. Same contract and probability layout as attentionRef.
import type { AttentionArgs, MatmulArgs } from '../backend.js';
import { matmulRef } from '../../ops/matmul.js';
import { matmulFast } from './matmul-fast.js';

function mm(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): Float32Array {
  const args: MatmulArgs = { batch, m, k, n, transA, transB, aBatchStride: m * k, bBatchStride: k * n };
  return (batch * m * k * n >= 4096 ? matmulFast(a, b, args) : null) ?? (matmulRef(a, b, args) as Float32Array);
}

/** rows [r0, r0+rows) of x [*, H] as [heads, rows, d]. */
function packHeads(x: Float32Array, r0: number, rows: number, h: number, heads: number): Float32Array {
  const d = h / heads;
  const out = new Float32Array(rows * h);
  for (let hd = 0; hd < heads; hd++) {
    for (let i = 0; i < rows; i++) out.set(x.subarray((r0 + i) * h + hd * d, (r0 + i) * h + hd * d + d), (hd * rows + i) * d);
  }
  return out;
}

/** x [*, H] rows [r0, r0+rows) += blocks [heads, rows, d]. */
function addHeads(x: Float32Array, blocks: Float32Array, r0: number, rows: number, h: number, heads: number): void {
  const d = h / heads;
  for (let hd = 0; hd < heads; hd++) {
    for (let i = 0; i < rows; i++) {
      const xo = (r0 + i) * h + hd * d;
      const bo = (hd * rows + i) * d;
      for (let c = 0; c < d; c++) x[xo + c]! += blocks[bo + c]!;
    }
  }
}

function segment(segs: Int32Array, s: number): [number, number, number, number, number] {
  return [segs[s * 5]!, segs[s * 5 + 1]!, segs[s * 5 + 2]!, segs[s * 5 + 3]!, segs[s * 5 + 4]!];
}

export function attentionFast(q: Float32Array, k: Float32Array, v: Float32Array, segs: Int32Array, a: AttentionArgs): { out: Float32Array; probs: Float32Array } {
  const { hidden: h, heads, scale } = a;
  const d = h / heads;
  const out = new Float32Array(a.m * h);
  const probs = new Float32Array(a.probsSize);
  for (let s = 0; s < a.segments; s++) {
    const [q0, q1, k0, k1, p0] = segment(segs, s);
    const ms = q1 - q0;
    const ns = k1 - k0;
    if (ms === 0 || ns === 0) continue;
    const qh = packHeads(q, q0, ms, h, heads);
    const kh = packHeads(k, k0, ns, h, heads);
    const vh = packHeads(v, k0, ns, h, heads);
    const scores = mm(qh, kh, heads, ms, d, ns, false, true); // [heads, ms, ns]
    for (let r = 0; r < heads * ms; r++) {
      const o = r * ns;
      let max = -Infinity;
      for (let j = 0; j < ns; j++) max = Math.max(max, scores[o + j]! * scale);
      let sum = 0;
      for (let j = 0; j < ns; j++) sum += Math.exp(scores[o + j]! * scale - max);
      for (let j = 0; j < ns; j++) probs[p0 + o + j] = Math.exp(scores[o + j]! * scale - max) / sum;
    }
    const ctx = mm(probs.subarray(p0, p0 + heads * ms * ns), vh, heads, ms, ns, d, false, false); // [heads, ms, d]
    addHeads(out, ctx, q0, ms, h, heads);
  }
  return { out, probs };
}

export function attentionBackwardFast(dOut: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, segs: Int32Array, a: AttentionArgs): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { hidden: h, heads, scale } = a;
  const d = h / heads;
  const dq = new Float32Array(a.m * h);
  const dk = new Float32Array(a.n * h);
  const dv = new Float32Array(a.n * h);
  for (let s = 0; s < a.segments; s++) {
    const [q0, q1, k0, k1, p0] = segment(segs, s);
    const ms = q1 - q0;
    const ns = k1 - k0;
    if (ms === 0 || ns === 0) continue;
    const p = probs.subarray(p0, p0 + heads * ms * ns); // [heads, ms, ns]
    const go = packHeads(dOut, q0, ms, h, heads);
    const qh = packHeads(q, q0, ms, h, heads);
    const kh = packHeads(k, k0, ns, h, heads);
    const vh = packHeads(v, k0, ns, h, heads);
    const dp = mm(go, vh, heads, ms, d, ns, false, true); // [heads, ms, ns]
    addHeads(dv, mm(p, go, heads, ns, ms, d, true, false), k0, ns, h, heads); // Pᵀ dO
    // dS = P ∘ (dP − rowsum(P ∘ dP)) · scale, in place in dp
    for (let r = 0; r < heads * ms; r++) {
      const o = r * ns;
      let dot = 0;
      for (let j = 0; j < ns; j++) dot += p[o + j]! * dp[o + j]!;
      for (let j = 0; j < ns; j++) dp[o + j] = p[o + j]! * (dp[o + j]! - dot) * scale;
    }
    addHeads(dq, mm(dp, kh, heads, ms, ns, d, false, false), q0, ms, h, heads); // dS K
    addHeads(dk, mm(dp, qh, heads, ns, ms, d, true, false), k0, ns, h, heads); // dSᵀ Q
  }
  return { dq, dk, dv };
}
