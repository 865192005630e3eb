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
export const stridedSource = `function (x, pitch, xs, rank, off) {
    ${offsets(['x'])}
    return x[off + ox];
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

/** out = dst with row r replaced by src row pos[r] where pos[r] ≥ 0 (the host inverts the index list; writeStrided too, 1 column). */
export const scatterRowsSource = `function (dst, src, pos, cols) {
    const i = this.thread.x;
    ${floorDiv('r', 'i', 'cols')}
    const p = pos[r];
    if (p >= 0) { return src[p * cols + (i - r * cols)]; }
    return dst[i];
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
