// Plain-loop sparse-query attention (forward and backward): a test oracle for the fused kernels'
// probabilities, which the composite op does not expose.
import type { AttentionArgs } from '../../src/backend/backend.js';
import { allocArray, type TypedArray } from '../../src/backend/dtype.js';

function floatLike(x: TypedArray, size: number): TypedArray {
  return allocArray(x instanceof Float64Array ? 'f64' : 'f32', size);
}

/** Row s of the segment table: qStart, qEnd, kStart, kEnd, probsOffset. */
export function segmentRow(segs: Int32Array, s: number): [number, number, number, number, number] {
  return [segs[s * 5]!, segs[s * 5 + 1]!, segs[s * 5 + 2]!, segs[s * 5 + 3]!, segs[s * 5 + 4]!];
}

export function attentionRef(q: TypedArray, k: TypedArray, v: TypedArray, segs: Int32Array, a: AttentionArgs): { out: TypedArray; probs: TypedArray } {
  const { hidden: h, heads, scale } = a;
  const d = h / heads;
  const out = floatLike(q, a.m * h);
  const probs = floatLike(q, a.probsSize);
  const row = new Float64Array(a.n);
  for (let s = 0; s < a.segments; s++) {
    const [q0, q1, k0, k1, p0] = segmentRow(segs, s);
    const ms = q1 - q0;
    const ns = k1 - k0;
    if (ns === 0) continue;
    for (let hd = 0; hd < heads; hd++) {
      const c0 = hd * d;
      for (let i = 0; i < ms; i++) {
        const qi = (q0 + i) * h + c0;
        let max = -Infinity;
        for (let j = 0; j < ns; j++) {
          const kj = (k0 + j) * h + c0;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[qi + c]! * k[kj + c]!;
          row[j] = dot * scale;
          if (row[j]! > max) max = row[j]!;
        }
        let sum = 0;
        for (let j = 0; j < ns; j++) {
          row[j] = Math.exp(row[j]! - max);
          sum += row[j]!;
        }
        const pi = p0 + (hd * ms + i) * ns;
        const oi = (q0 + i) * h + c0;
        for (let j = 0; j < ns; j++) {
          const p = row[j]! / sum;
          probs[pi + j] = p;
          const vj = (k0 + j) * h + c0;
          for (let c = 0; c < d; c++) out[oi + c]! += p * v[vj + c]!;
        }
      }
    }
  }
  return { out, probs };
}

export function attentionBackwardRef(dOut: TypedArray, q: TypedArray, k: TypedArray, v: TypedArray, probs: TypedArray, segs: Int32Array, a: AttentionArgs): { dq: TypedArray; dk: TypedArray; dv: TypedArray } {
  const { hidden: h, heads, scale } = a;
  const d = h / heads;
  const dq = floatLike(q, a.m * h);
  const dk = floatLike(q, a.n * h);
  const dv = floatLike(q, a.n * h);
  const dp = new Float64Array(a.n);
  for (let s = 0; s < a.segments; s++) {
    const [q0, q1, k0, k1, p0] = segmentRow(segs, s);
    const ms = q1 - q0;
    const ns = k1 - k0;
    if (ns === 0) continue;
    for (let hd = 0; hd < heads; hd++) {
      const c0 = hd * d;
      for (let i = 0; i < ms; i++) {
        const gi = (q0 + i) * h + c0;
        const pi = p0 + (hd * ms + i) * ns;
        // dP_ij = dOut_i · v_j ; dv_j += p_ij dOut_i
        let dot = 0;
        for (let j = 0; j < ns; j++) {
          const vj = (k0 + j) * h + c0;
          const p = probs[pi + j]!;
          let acc = 0;
          for (let c = 0; c < d; c++) {
            acc += dOut[gi + c]! * v[vj + c]!;
            dv[vj + c]! += p * dOut[gi + c]!;
          }
          dp[j] = acc;
          dot += p * acc;
        }
        // dS_ij = p_ij (dP_ij − Σ_j' p_ij' dP_ij') ; dq_i += scale Σ_j dS_ij k_j ; dk_j += scale dS_ij q_i
        for (let j = 0; j < ns; j++) {
          const ds = probs[pi + j]! * (dp[j]! - dot) * scale;
          const kj = (k0 + j) * h + c0;
          for (let c = 0; c < d; c++) {
            dq[gi + c]! += ds * k[kj + c]!;
            dk[kj + c]! += ds * q[gi + c]!;
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
