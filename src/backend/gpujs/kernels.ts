// gpu.js kernel sources, one per kernel identity (e.g. 'unary:exp', 'binary:add', 'matmul').
// Every size, stride and scalar is an argument, never a constant, so one compiled kernel serves
// every shape (with dynamicOutput/dynamicArguments on). Sources are strings in the JavaScript
// subset gpu.js parses: no isNaN (NaN is `v != v`), no %, loops with argument bounds.
//
// Index arithmetic runs in floats (f64 in gpu.js's cpu mode, f32 in webasm), so every integer
// division is corrected by one step either way: exact for indices below 2^24 in f32.
import type { ReduceOp } from '../backend.js';
import { binaryTable, unaryTable, type BinaryOp, type UnaryOp } from '../elementwise.js';

/** `q = floor(num / den)`, corrected so that q·den ≤ num < (q+1)·den even when the division rounds. */
function floorDiv(q: string, num: string, den: string): string {
  return `let ${q} = Math.floor(${num} / ${den});
    if (${q} * ${den} > ${num}) { ${q} = ${q} - 1; }
    if ((${q} + 1) * ${den} <= ${num}) { ${q} = ${q} + 1; }`;
}

/**
 * Offsets of output element this.thread.x into operands with the given stride arrays: `pitch[d]` is
 * the number of output elements per step of (collapsed) dimension d, outermost first.
 */
function offsets(operands: readonly string[]): string {
  return `let rem = this.thread.x;
    ${operands.map((o) => `let o${o} = 0;`).join(' ')}
    for (let d = 0; d < rank; d++) {
      const p = pitch[d];
      ${floorDiv('q', 'rem', 'p')}
      rem = rem - q * p;
      ${operands.map((o) => `o${o} = o${o} + q * ${o}s[d];`).join(' ')}
    }`;
}

/** x[i] → f(x[i], P[0]). */
export function unarySource(op: UnaryOp): string {
  return `function (x, P) {
    const v = x[this.thread.x];
    ${unaryTable[op].gpujs}
  }`;
}

/** out[i] = f(a[Σ q_d·as_d], b[Σ q_d·bs_d]) over the broadcast output. */
export function binarySource(op: BinaryOp): string {
  return `function (a, b, pitch, as, bs, rank) {
    ${offsets(['a', 'b'])}
    const x = a[oa];
    const y = b[ob];
    ${binaryTable[op].gpujs}
  }`;
}

export const whereSource = `function (c, a, b, pitch, cs, as, bs, rank) {
    ${offsets(['c', 'a', 'b'])}
    if (c[oc] != 0) { return a[oa]; }
    return b[ob];
  }`;

/** x viewed as [outer, n, inner], reduced over n; one thread per output element. */
export function reduceSource(op: ReduceOp): string {
  const init = op === 'sum' ? '0.0' : '-Infinity';
  // max propagates NaN, as the CPU reference does
  const step = op === 'sum' ? 'acc = acc + v;' : 'if (v > acc || v != v) { acc = v; }';
  return `function (x, n, inner) {
    const i = this.thread.x;
    ${floorDiv('o', 'i', 'inner')}
    const base = o * n * inner + (i - o * inner);
    let acc = ${init};
    for (let t = 0; t < n; t++) {
      const v = x[base + t * inner];
      ${step}
    }
    return acc;
  }`;
}

/** out[i] = x[off + Σ q_d·xs_d]. */
export const stridedSource = `function (x, pitch, xs, off, rank) {
    ${offsets(['x'])}
    return x[off + ox];
  }`;

/**
 * writeStrided as a gather over dst: element j of dst is written by x[Σ q_d·xs_d] when
 * j − off = Σ q_d·st_d with 0 ≤ q_d < sh_d. The dims come sorted by stride, largest first, and
 * the host checks that the strides nest (each exceeds the span of all smaller ones), so a greedy
 * division finds the q_d whenever they exist.
 */
export const writeStridedSource = `function (dst, x, sh, st, xs, off, rank) {
    const j = this.thread.x;
    let r = j - off;
    let xi = 0;
    for (let d = 0; d < rank; d++) {
      const s = st[d];
      ${floorDiv('q', 'r', 's')}
      if (q < 0) { q = 0; }
      if (q > sh[d] - 1) { q = sh[d] - 1; }
      r = r - q * s;
      xi = xi + q * xs[d];
    }
    if (r == 0) { return x[xi]; }
    return dst[j];
  }`;

/** out[t, i, j] = Σ_kk a[t·aBS + i·ai + kk·ak] · b[t·bBS + kk·bk + j·bj]; one thread per output element. */
export const matmulSource = `function (a, b, m, n, k, ai, ak, bk, bj, aBS, bBS) {
    const i = this.thread.x;
    const mn = m * n;
    ${floorDiv('t', 'i', 'mn')}
    const rem = i - t * mn;
    ${floorDiv('r', 'rem', 'n')}
    const c = rem - r * n;
    const ao = t * aBS + r * ai;
    const bo = t * bBS + c * bj;
    let s = 0.0;
    for (let kk = 0; kk < k; kk++) {
      s = s + a[ao + kk * ak] * b[bo + kk * bk];
    }
    return s;
  }`;

/** out[r, c] = x[idx[r], c]. */
export const gatherRowsSource = `function (x, idx, cols) {
    const i = this.thread.x;
    ${floorDiv('r', 'i', 'cols')}
    return x[idx[r] * cols + (i - r * cols)];
  }`;

/**
 * out[r, c] = Σ src[perm[p], c] for p in [start[r], start[r+1]): the indices come grouped by
 * destination row (a stable counting sort, so each row sums its sources in index order).
 */
export const scatterAddRowsSource = `function (src, start, perm, cols) {
    const i = this.thread.x;
    ${floorDiv('r', 'i', 'cols')}
    const c = i - r * cols;
    const p0 = start[r];
    const cnt = start[r + 1] - p0;
    let s = 0.0;
    for (let p = 0; p < cnt; p++) {
      s = s + src[perm[p0 + p] * cols + c];
    }
    return s;
  }`;

export const copySource = `function (x) {
    return x[this.thread.x];
  }`;

/** Truncation toward zero (the value an Int32Array stores). */
export const truncSource = `function (x) {
    const v = x[this.thread.x];
    if (v >= 0) { return Math.floor(v); }
    return Math.ceil(v);
  }`;

export const fillSource = `function (P) {
    return P[0];
  }`;

// AdamW as three kernels (gpu.js kernels have one output): the moments, then the parameter.
// P = [beta1, beta2, lr, decay (1 − lr·wd), bc1, bc2, eps, 1 − beta1, 1 − beta2]: the differences come
// from the host in f64 (1 − 0.999 in f32 arithmetic loses four digits).
export const adamMSource = `function (m, g, P) {
    const i = this.thread.x;
    return P[0] * m[i] + P[7] * g[i];
  }`;

export const adamVSource = `function (v, g, P) {
    const i = this.thread.x;
    const gi = g[i];
    return P[1] * v[i] + P[8] * gi * gi;
  }`;

export const adamParamSource = `function (p, m, v, P) {
    const i = this.thread.x;
    return p[i] * P[3] - (P[2] * (m[i] / P[4])) / (Math.sqrt(v[i] / P[5]) + P[6]);
  }`;

// ---- sparse-query attention: per-element gather kernels over the segment table ----
// segs (as floats) holds rows (qStart, qEnd, kStart, kEnd, probsOffset). Each thread finds its
// segment by a loop over the table. A probability row is one (segment, head, query) triple; rows
// are numbered heads·qStart + head·m_s + i, which tiles [0, heads·M).

/** The segment of probability element `p`: sets q0, ms, k0, ns, p0 and the local (hd, i, j). */
const segOfProb = `
    let q0 = 0; let ms = 0; let k0 = 0; let ns = 0; let p0 = 0;
    for (let t = 0; t < nseg; t++) {
      const tms = segs[t * 5 + 1] - segs[t * 5];
      const tns = segs[t * 5 + 3] - segs[t * 5 + 2];
      const tp0 = segs[t * 5 + 4];
      if (p >= tp0 && p < tp0 + heads * tms * tns) { q0 = segs[t * 5]; ms = tms; k0 = segs[t * 5 + 2]; ns = tns; p0 = tp0; }
    }
    const local = p - p0;
    ${floorDiv('lrow', 'local', 'ns')}
    const j = local - lrow * ns;
    ${floorDiv('hd', 'lrow', 'ms')}
    const i = lrow - hd * ms;
    const row = heads * q0 + lrow;`;

/** The segment of query row `qi`: sets q0, ms, k0, ns, p0. */
const segOfQuery = `
    let q0 = 0; let ms = 0; let k0 = 0; let ns = 0; let p0 = 0;
    for (let t = 0; t < nseg; t++) {
      if (qi >= segs[t * 5] && qi < segs[t * 5 + 1]) { q0 = segs[t * 5]; ms = segs[t * 5 + 1] - q0; k0 = segs[t * 5 + 2]; ns = segs[t * 5 + 3] - k0; p0 = segs[t * 5 + 4]; }
    }`;

/** The segment of probability row `r`: sets q0, ms, k0, ns, p0 and the row's first element `start`. */
const segOfRow = `
    let ms = 0; let ns = 0; let start = 0;
    for (let t = 0; t < nseg; t++) {
      const tq0 = segs[t * 5];
      const tms = segs[t * 5 + 1] - tq0;
      if (r >= heads * tq0 && r < heads * (tq0 + tms)) {
        ms = tms; ns = segs[t * 5 + 3] - segs[t * 5 + 2];
        start = segs[t * 5 + 4] + (r - heads * tq0) * ns;
      }
    }`;

/** scores[p] = scale · q_i · k_j over the head's d columns. */
export const attnScoresSource = `function (q, k, segs, nseg, heads, h, d, scale) {
    const p = this.thread.x;
    ${segOfProb}
    const qo = (q0 + i) * h + hd * d;
    const ko = (k0 + j) * h + hd * d;
    let dot = 0.0;
    for (let c = 0; c < d; c++) { dot = dot + q[qo + c] * k[ko + c]; }
    return dot * scale;
  }`;

/** Per probability row: its max (stat 0) or Σ exp(x − max) (stat 1, given the max). */
export const attnRowMaxSource = `function (x, segs, nseg, heads) {
    const r = this.thread.x;
    ${segOfRow}
    let m = -Infinity;
    for (let j = 0; j < ns; j++) { const v = x[start + j]; if (v > m) { m = v; } }
    return m;
  }`;

export const attnRowSumExpSource = `function (x, mx, segs, nseg, heads) {
    const r = this.thread.x;
    ${segOfRow}
    const m = mx[r];
    let s = 0.0;
    for (let j = 0; j < ns; j++) { s = s + Math.exp(x[start + j] - m); }
    return s;
  }`;

/** probs[p] = exp(scores[p] − max[row]) / sum[row]. */
export const attnProbsSource = `function (sc, mx, sm, segs, nseg, heads) {
    const p = this.thread.x;
    ${segOfProb}
    return Math.exp(sc[p] - mx[row]) / sm[row];
  }`;

/** out[qi, col] = Σ_j P[row(qi, head), j] · v[k0 + j, col] (0 for a segment without keys). */
export const attnContextSource = `function (P, v, segs, nseg, heads, h, d) {
    const e = this.thread.x;
    ${floorDiv('qi', 'e', 'h')}
    const col = e - qi * h;
    ${floorDiv('hd', 'col', 'd')}
    ${segOfQuery}
    const po = p0 + (hd * ms + qi - q0) * ns;
    let s = 0.0;
    for (let j = 0; j < ns; j++) { s = s + P[po + j] * v[(k0 + j) * h + col]; }
    return s;
  }`;

/** dP[p] = dOut_i · v_j over the head's columns. */
export const attnDpSource = `function (g, v, segs, nseg, heads, h, d) {
    const p = this.thread.x;
    ${segOfProb}
    const go = (q0 + i) * h + hd * d;
    const vo = (k0 + j) * h + hd * d;
    let dot = 0.0;
    for (let c = 0; c < d; c++) { dot = dot + g[go + c] * v[vo + c]; }
    return dot;
  }`;

/** Per probability row: Σ_j P·dP. */
export const attnRowDotSource = `function (P, dP, segs, nseg, heads) {
    const r = this.thread.x;
    ${segOfRow}
    let s = 0.0;
    for (let j = 0; j < ns; j++) { s = s + P[start + j] * dP[start + j]; }
    return s;
  }`;

/** dS[p] = P[p] · (dP[p] − rowDot[row]) · scale. */
export const attnDsSource = `function (P, dP, rd, segs, nseg, heads, scale) {
    const p = this.thread.x;
    ${segOfProb}
    return P[p] * (dP[p] - rd[row]) * scale;
  }`;

/** dq[qi, col] = Σ_j dS[row, j] · k[k0 + j, col]. */
export const attnDqSource = `function (dS, k, segs, nseg, heads, h, d) {
    const e = this.thread.x;
    ${floorDiv('qi', 'e', 'h')}
    const col = e - qi * h;
    ${floorDiv('hd', 'col', 'd')}
    ${segOfQuery}
    const po = p0 + (hd * ms + qi - q0) * ns;
    let s = 0.0;
    for (let j = 0; j < ns; j++) { s = s + dS[po + j] * k[(k0 + j) * h + col]; }
    return s;
  }`;

/**
 * For key row kr: Σ over segments whose keys include kr, Σ_i W[row(i, head), kr − k0] · X[q0 + i, col].
 * dv: W = P, X = dOut; dk: W = dS, X = q.
 */
export const attnKeyGradSource = `function (W, X, segs, nseg, heads, h, d) {
    const e = this.thread.x;
    ${floorDiv('kr', 'e', 'h')}
    const col = e - kr * h;
    ${floorDiv('hd', 'col', 'd')}
    let s = 0.0;
    for (let t = 0; t < nseg; t++) {
      const q0 = segs[t * 5];
      const ms = segs[t * 5 + 1] - q0;
      const k0 = segs[t * 5 + 2];
      const ns = segs[t * 5 + 3] - k0;
      if (kr >= k0 && kr < k0 + ns) {
        const po = segs[t * 5 + 4] + hd * ms * ns + (kr - k0);
        for (let i = 0; i < ms; i++) { s = s + W[po + i * ns] * X[(q0 + i) * h + col]; }
      }
    }
    return s;
  }`;

// ---- layer norm (two-pass variance): per-row statistics, then elementwise; column sums reuse reduce ----

/** mean[r] = Σ_c x[r, c] / h. */
export const lnMeanSource = `function (x, h) {
    const o = this.thread.x * h;
    let s = 0.0;
    for (let c = 0; c < h; c++) { s = s + x[o + c]; }
    return s / h;
  }`;

/** rstd[r] = 1 / √(Σ_c (x − mean)² / h + eps). */
export const lnRstdSource = `function (x, mu, h, eps) {
    const r = this.thread.x;
    const o = r * h;
    const m = mu[r];
    let s = 0.0;
    for (let c = 0; c < h; c++) { const d = x[o + c] - m; s = s + d * d; }
    return 1.0 / Math.sqrt(s / h + eps);
  }`;

/** y = (x − mean)·rstd·gamma + beta. */
export const lnForwardSource = `function (x, mu, rs, gamma, beta, h) {
    const i = this.thread.x;
    ${floorDiv('r', 'i', 'h')}
    const c = i - r * h;
    return (x[i] - mu[r]) * rs[r] * gamma[c] + beta[c];
  }`;

/** Per row: mean of ĝ = dy·gamma (which = 0) or of ĝ·x̂ (which = 1). */
export const lnRowGradSource = `function (dy, x, gamma, mu, rs, h, which) {
    const r = this.thread.x;
    const o = r * h;
    let s = 0.0;
    for (let c = 0; c < h; c++) {
      const g = dy[o + c] * gamma[c];
      if (which == 0) { s = s + g; } else { s = s + g * (x[o + c] - mu[r]) * rs[r]; }
    }
    return s / h;
  }`;

/** dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)). */
export const lnDxSource = `function (dy, x, gamma, mu, rs, mg, mgx, h) {
    const i = this.thread.x;
    ${floorDiv('r', 'i', 'h')}
    const c = i - r * h;
    const xh = (x[i] - mu[r]) * rs[r];
    return rs[r] * (dy[i] * gamma[c] - mg[r] - xh * mgx[r]);
  }`;

/** dy·x̂ elementwise (summed over rows into dgamma by the reduce kernel). */
export const lnDyXhatSource = `function (dy, x, mu, rs, h) {
    const i = this.thread.x;
    ${floorDiv('r', 'i', 'h')}
    return dy[i] * (x[i] - mu[r]) * rs[r];
  }`;
