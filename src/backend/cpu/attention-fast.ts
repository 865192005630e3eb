// f32 sparse-query attention on the fast matmul: per segment, the heads become a batch
// ([heads, m, d] blocks), so scores, context and all backward products are batched wasm matmuls;
// only the row softmax runs in JS. The contract and probability layout are FusedKernels['attention'].
import type { AttentionArgs, MatmulArgs } from '../backend.js';
import { matmulRef } from './reference/matmul.js';
import { matmulFast } from './matmul-fast.js';
import { wasmHeap } from './heap.js';
import { softmaxRowsFast } from './rows-fast.js';

/** Row s of the segment table: qStart, qEnd, kStart, kEnd, probsOffset. */
function segmentRow(segs: Int32Array, s: number): [number, number, number, number, number] {
  return [segs[s * 5]!, segs[s * 5 + 1]!, segs[s * 5 + 2]!, segs[s * 5 + 3]!, segs[s * 5 + 4]!];
}

/** Temporary heap blocks of one kernel call, released together at its end. */
class Temps {
  private readonly views: Float32Array[] = [];
  get(size: number): Float32Array {
    const v = wasmHeap().f32(size);
    this.views.push(v);
    return v;
  }
  release(): void {
    for (const v of this.views) wasmHeap().release(v);
    this.views.length = 0;
  }
}

function mm(t: Temps, a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): Float32Array {
  const args: MatmulArgs = { batch, m, k, n, transA, transB, aBatchStride: m * k, bBatchStride: k * n };
  if (batch * m * k * n < 4096) return matmulRef(a, b, args) as Float32Array;
  const out = t.get(batch * m * n);
  return matmulFast(a, b, args, undefined, out) ?? (matmulRef(a, b, args) as Float32Array);
}

/** rows [r0, r0+rows) of x [*, H] as [heads, rows, d]. */
function packHeads(t: Temps, x: Float32Array, r0: number, rows: number, h: number, heads: number): Float32Array {
  const d = h / heads;
  const out = t.get(rows * h);
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

/** `simdSoftmax`: scores go straight into the probabilities and the wasm SIMD softmax (rows-fast.ts) runs in place, where the key count is a multiple of 4. */
export function attentionFast(q: Float32Array, k: Float32Array, v: Float32Array, segs: Int32Array, a: AttentionArgs, simdSoftmax = true): { out: Float32Array; probs: Float32Array } {
  const { hidden: h, heads, scale } = a;
  const d = h / heads;
  const out = wasmHeap().f32(a.m * h, true);
  const probs = wasmHeap().f32(a.probsSize, true);
  const t = new Temps();
  for (let s = 0; s < a.segments; s++) {
    const [q0, q1, k0, k1, p0] = segmentRow(segs, s);
    const ms = q1 - q0;
    const ns = k1 - k0;
    if (ms === 0 || ns === 0) continue;
    const qh = packHeads(t, q, q0, ms, h, heads);
    const kh = packHeads(t, k, k0, ns, h, heads);
    const vh = packHeads(t, v, k0, ns, h, heads);
    const pr = probs.subarray(p0, p0 + heads * ms * ns);
    if (simdSoftmax && ns % 4 === 0 && heads * ms * d * ns >= 4096) {
      // scores straight into the probabilities, then softmax in place
      const args: MatmulArgs = { batch: heads, m: ms, k: d, n: ns, transA: false, transB: true, aBatchStride: ms * d, bBatchStride: ns * d };
      if (matmulFast(qh, kh, args, undefined, pr) && softmaxRowsFast(pr, heads * ms, ns, scale)) {
        addHeads(out, mm(t, pr, vh, heads, ms, ns, d, false, false), q0, ms, h, heads);
        t.release();
        continue;
      }
    }
    const scores = mm(t, qh, kh, heads, ms, d, ns, false, true); // [heads, ms, ns]
    for (let r = 0; r < heads * ms; r++) {
      const o = r * ns;
      let max = -Infinity;
      for (let j = 0; j < ns; j++) max = Math.max(max, scores[o + j]! * scale);
      let sum = 0;
      for (let j = 0; j < ns; j++) sum += Math.exp(scores[o + j]! * scale - max);
      for (let j = 0; j < ns; j++) probs[p0 + o + j] = Math.exp(scores[o + j]! * scale - max) / sum;
    }
    const ctx = mm(t, probs.subarray(p0, p0 + heads * ms * ns), vh, heads, ms, ns, d, false, false); // [heads, ms, d]
    addHeads(out, ctx, q0, ms, h, heads);
    t.release();
  }
  return { out, probs };
}

export function attentionBackwardFast(dOut: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, segs: Int32Array, a: AttentionArgs): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { hidden: h, heads, scale } = a;
  const d = h / heads;
  const dq = wasmHeap().f32(a.m * h, true);
  const dk = wasmHeap().f32(a.n * h, true);
  const dv = wasmHeap().f32(a.n * h, true);
  const t = new Temps();
  for (let s = 0; s < a.segments; s++) {
    const [q0, q1, k0, k1, p0] = segmentRow(segs, s);
    const ms = q1 - q0;
    const ns = k1 - k0;
    if (ms === 0 || ns === 0) continue;
    const p = probs.subarray(p0, p0 + heads * ms * ns); // [heads, ms, ns]
    const go = packHeads(t, dOut, q0, ms, h, heads);
    const qh = packHeads(t, q, q0, ms, h, heads);
    const kh = packHeads(t, k, k0, ns, h, heads);
    const vh = packHeads(t, v, k0, ns, h, heads);
    const dp = mm(t, go, vh, heads, ms, d, ns, false, true); // [heads, ms, ns]
    addHeads(dv, mm(t, p, go, heads, ns, ms, d, true, false), k0, ns, h, heads); // Pᵀ dO
    // dS = P ∘ (dP − rowsum(P ∘ dP)) · scale, in place in dp
    for (let r = 0; r < heads * ms; r++) {
      const o = r * ns;
      let dot = 0;
      for (let j = 0; j < ns; j++) dot += p[o + j]! * dp[o + j]!;
      for (let j = 0; j < ns; j++) dp[o + j] = p[o + j]! * (dp[o + j]! - dot) * scale;
    }
    addHeads(dq, mm(t, dp, kh, heads, ms, ns, d, false, false), q0, ms, h, heads); // dS K
    addHeads(dk, mm(t, dp, qh, heads, ns, ms, d, true, false), k0, ns, h, heads); // dSᵀ Q
    t.release();
  }
  return { dq, dk, dv };
}
