// Parity helpers for backend tests: named tolerances, an element-wise comparison that names the
// worst element, and MirrorBackend, which runs every kernel on two backends at once.
//
// Why a mirror: ops and autograd call the engine's one global backend. Rather than switch that
// global back and forth (tensors would outlive their backend) or rebuild the op library per
// backend, the mirror *is* the global backend for the test process and forwards each kernel to
// the CPU oracle and to the backend under test. One op graph, forward and backward, then yields
// both results for every tensor, computed from identical inputs, dropout masks and targets.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AttentionArgs, Backend, BinaryOp, FusedKernels, MatmulArgs, ReduceOp, Storage, UnaryOp } from '../../src/backend/backend.js';
import type { DType, TypedArray } from '../../src/backend/dtype.js';
import { packBatch, type PackedBatch } from '../../src/data/batch.js';
import { LabelSet, type Sentence } from '../../src/data/sentence.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';

export interface Tolerance {
  /** relative part: |got − want| ≤ atol + rtol·|want| */
  rtol: number;
  atol: number;
}

/** Named tolerances (f32 on both sides; the CPU loops round each step to f32 too). */
export const TOL = {
  /** copies, comparisons, selects, gathers, relu/step/abs/neg: bit-exact */
  exact: { rtol: 0, atol: 0 },
  /** one correctly rounded f32 op (add, mul, div, sqrt) may differ by an ulp or two */
  arithmetic: { rtol: 4e-7, atol: 1e-30 },
  /** exp/log/tanh/erf/pow: GPU transcendental functions are not correctly rounded */
  transcendental: { rtol: 4e-6, atol: 2e-7 },
  /** sums of up to a few thousand terms in another order */
  reduction: { rtol: 2e-5, atol: 2e-5 },
  /** matmul: k-term dot products in another order */
  matmul: { rtol: 2e-5, atol: 2e-5 },
  /** AdamW in f32 on the GPU vs f64 arithmetic rounded to f32 on the CPU */
  optimizer: { rtol: 2e-6, atol: 1e-7 },
  /**
   * fused layerNorm / attention kernels: f32 sums reduced in another order (workgroup trees) and
   * exp, against CPU loops that accumulate in f64; atol is per √(terms) summed (callers scale it)
   */
  fused: { rtol: 3e-5, atol: 3e-6 },
  /** composite ops, forward and backward (chains of the above) */
  graph: { rtol: 1e-4, atol: 2e-5 },
} as const satisfies Record<string, Tolerance>;

/** Largest violation of the tolerance (≤ 0 passes); NaN must match NaN and ±∞ must match exactly. */
export function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): void {
  assert.equal(got.length, want.length, `${what}: length ${got.length} vs ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      assert.ok(Number.isNaN(w) && Number.isNaN(g), `${what}[${i}]: got ${g}, want ${w}`);
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      assert.equal(g, w, `${what}[${i}]: got ${g}, want ${w}`);
      continue;
    }
    const err = Math.abs(g - w);
    if (err > tol.atol + tol.rtol * Math.abs(w)) {
      assert.fail(`${what}[${i}]: got ${g}, want ${w} (|Δ| ${err.toExponential(2)} > ${tol.atol} + ${tol.rtol}·|want|)`);
    }
  }
}

/**
 * |got − want| ≤ tol.atol·scale[i] + tol.rtol·|want|, for results that are small differences of
 * larger terms (layerNorm's dx cancels to ~0 for narrow rows): scale[i] is the size of those terms.
 */
export function assertCloseScaled(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, scale: ArrayLike<number>): void {
  assert.equal(got.length, want.length, `${what}: length ${got.length} vs ${want.length}`);
  assert.equal(scale.length, want.length, `${what}: ${scale.length} scales for ${want.length} elements`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    const bound = tol.atol * scale[i]! + tol.rtol * Math.abs(want[i]!);
    if (!(err <= bound)) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (|Δ| ${err.toExponential(2)} > ${tol.atol}·${scale[i]!.toExponential(2)} + ${tol.rtol}·|want|)`);
  }
}

/**
 * Per-element term sizes of layerNorm for assertCloseScaled. The f32 row mean is off by ~|x|·2⁻²⁴,
 * which x̂ = (x − mean)·rstd amplifies by rstd: κ_r = 1 + rstd_r·max|x_r|. y is x̂·γ + β, so
 * y: κ_r·|γ_c| + 1; dx = rstd·(dy·γ − mean(dy·γ) − x̂·mean(dy·γ·x̂)) is a difference of terms of
 * size rstd_r·max|dy_r·γ|·κ_r.
 */
export function layerNormScales(x: ArrayLike<number>, gamma: ArrayLike<number>, dy: ArrayLike<number>, rstd: ArrayLike<number>, rows: number, h: number): { y: Float64Array; dx: Float64Array } {
  const y = new Float64Array(rows * h);
  const dx = new Float64Array(rows * h);
  for (let r = 0; r < rows; r++) {
    let mx = 0;
    let mg = 0;
    for (let c = 0; c < h; c++) {
      mx = Math.max(mx, Math.abs(x[r * h + c]!));
      mg = Math.max(mg, Math.abs(dy[r * h + c]! * gamma[c]!));
    }
    const kappa = 1 + rstd[r]! * mx;
    for (let c = 0; c < h; c++) {
      y[r * h + c] = kappa * Math.abs(gamma[c]!) + 1;
      dx[r * h + c] = rstd[r]! * mg * kappa;
    }
  }
  return { y, dx };
}

class MirrorStorage implements Storage {
  constructor(
    readonly ref: Storage,
    readonly test: Storage,
  ) {}
  get dtype(): DType {
    return this.ref.dtype;
  }
  get size(): number {
    return this.ref.size;
  }
}

const ref = (s: Storage): Storage => (s as MirrorStorage).ref;
const tst = (s: Storage): Storage => (s as MirrorStorage).test;

/** Runs every kernel on `reference` and on `test`; reads return the reference values. */
export class MirrorBackend implements Backend {
  readonly name = 'mirror';
  readonly description: string;

  constructor(
    readonly reference: Backend,
    readonly test: Backend,
  ) {
    this.description = `${reference.name} and ${test.name} side by side`;
  }

  private both(r: Storage, t: Storage): Storage {
    return new MirrorStorage(r, t);
  }

  fromArray(data: TypedArray): Storage {
    return this.both(this.reference.fromArray(data.slice()), this.test.fromArray(data));
  }
  writeArray(dst: Storage, data: TypedArray, offset: number): void {
    this.reference.writeArray(ref(dst), data, offset);
    this.test.writeArray(tst(dst), data, offset);
  }
  fill(dtype: DType, size: number, value: number): Storage {
    return this.both(this.reference.fill(dtype, size, value), this.test.fill(dtype, size, value));
  }
  unary(op: UnaryOp, x: Storage, param: number): Storage {
    return this.both(this.reference.unary(op, ref(x), param), this.test.unary(op, tst(x), param));
  }
  binary(op: BinaryOp, a: Storage, b: Storage, s: readonly number[], as: readonly number[], bs: readonly number[]): Storage {
    return this.both(this.reference.binary(op, ref(a), ref(b), s, as, bs), this.test.binary(op, tst(a), tst(b), s, as, bs));
  }
  where(c: Storage, a: Storage, b: Storage, s: readonly number[], cs: readonly number[], as: readonly number[], bs: readonly number[]): Storage {
    return this.both(this.reference.where(ref(c), ref(a), ref(b), s, cs, as, bs), this.test.where(tst(c), tst(a), tst(b), s, cs, as, bs));
  }
  reduce(op: ReduceOp, x: Storage, outer: number, n: number, inner: number): Storage {
    return this.both(this.reference.reduce(op, ref(x), outer, n, inner), this.test.reduce(op, tst(x), outer, n, inner));
  }
  strided(x: Storage, s: readonly number[], st: readonly number[], off: number): Storage {
    return this.both(this.reference.strided(ref(x), s, st, off), this.test.strided(tst(x), s, st, off));
  }
  writeStrided(dst: Storage, x: Storage, s: readonly number[], st: readonly number[], off: number): void {
    this.reference.writeStrided(ref(dst), ref(x), s, st, off);
    this.test.writeStrided(tst(dst), tst(x), s, st, off);
  }
  matmul(a: Storage, b: Storage, args: MatmulArgs): Storage {
    return this.both(this.reference.matmul(ref(a), ref(b), args), this.test.matmul(tst(a), tst(b), args));
  }
  gatherRows(x: Storage, idx: Storage, n: number, cols: number): Storage {
    return this.both(this.reference.gatherRows(ref(x), ref(idx), n, cols), this.test.gatherRows(tst(x), tst(idx), n, cols));
  }
  scatterAddRows(src: Storage, idx: Storage, n: number, rows: number, cols: number): Storage {
    return this.both(this.reference.scatterAddRows(ref(src), ref(idx), n, rows, cols), this.test.scatterAddRows(tst(src), tst(idx), n, rows, cols));
  }
  cast(x: Storage, dtype: DType): Storage {
    return this.both(this.reference.cast(ref(x), dtype), this.test.cast(tst(x), dtype));
  }
  scatterRows(dst: Storage, src: Storage, idx: Storage, n: number, cols: number): Storage {
    return this.both(this.reference.scatterRows(ref(dst), ref(src), ref(idx), n, cols), this.test.scatterRows(tst(dst), tst(src), tst(idx), n, cols));
  }

  /** Where one backend declines a fused forward, both run the composite: free what the other made. */
  private decline(results: ({ [name: string]: Storage } | null)[]): null {
    results.forEach((r, i) => Object.values(r ?? {}).forEach((s) => (i === 0 ? this.reference : this.test).free(s)));
    return null;
  }

  /** The fused kernels both backends have; a forward that one of them declines runs the composite on both. */
  get fused(): Partial<FusedKernels> {
    const [r, t] = [this.reference.fused, this.test.fused];
    const out: Partial<FusedKernels> = {};
    const rl = r.layerNorm;
    const tl = t.layerNorm;
    if (rl && tl) {
      out.layerNorm = {
        forward: (x, g, b, rows, h, eps) => {
          const a = rl.forward(ref(x), ref(g), ref(b), rows, h, eps);
          const c = tl.forward(tst(x), tst(g), tst(b), rows, h, eps);
          if (!a || !c) return this.decline([a, c]);
          return { y: this.both(a.y, c.y), mean: this.both(a.mean, c.mean), rstd: this.both(a.rstd, c.rstd) };
        },
        backward: (dy, x, g, mean, rstd, rows, h) => {
          const a = rl.backward(ref(dy), ref(x), ref(g), ref(mean), ref(rstd), rows, h);
          const c = tl.backward(tst(dy), tst(x), tst(g), tst(mean), tst(rstd), rows, h);
          return { dx: this.both(a.dx, c.dx), dgamma: this.both(a.dgamma, c.dgamma), dbeta: this.both(a.dbeta, c.dbeta) };
        },
      };
    }
    const ra = r.attention;
    const ta = t.attention;
    if (ra && ta) {
      out.attention = {
        forward: (q, k, v, segs, args) => {
          const a = ra.forward(ref(q), ref(k), ref(v), ref(segs), args);
          const c = ta.forward(tst(q), tst(k), tst(v), tst(segs), args);
          if (!a || !c) return this.decline([a, c]);
          return { out: this.both(a.out, c.out), probs: this.both(a.probs, c.probs) };
        },
        backward: (d, q, k, v, probs, segs, args) => {
          const a = ra.backward(ref(d), ref(q), ref(k), ref(v), ref(probs), ref(segs), args);
          const c = ta.backward(tst(d), tst(q), tst(k), tst(v), tst(probs), tst(segs), args);
          return { dq: this.both(a.dq, c.dq), dk: this.both(a.dk, c.dk), dv: this.both(a.dv, c.dv) };
        },
      };
    }
    const rw = r.adamw;
    const tw = t.adamw;
    if (rw && tw) out.adamw = (p, g, m, v, args) => rw(ref(p), ref(g), ref(m), ref(v), args) && tw(tst(p), tst(g), tst(m), tst(v), args);
    return out;
  }
  read(x: Storage): Promise<TypedArray> {
    return this.reference.read(ref(x));
  }
  /** Both backends' values of one storage: [reference, test]. */
  async readBoth(x: Storage): Promise<[TypedArray, TypedArray]> {
    return [await this.reference.read(ref(x)), await this.test.read(tst(x))];
  }
  free(x: Storage): void {
    this.reference.free(ref(x));
    this.test.free(tst(x));
  }
  liveBuffers(): number {
    return this.test.liveBuffers();
  }
  async sync(): Promise<void> {
    await this.test.sync();
  }
  destroy(): void {
    this.test.destroy();
  }
}

// ---- random segment tables for the fused attention kernels ----

export interface AttentionSegmentSpec {
  qStart: number;
  qEnd: number;
  kStart: number;
  kEnd: number;
}

/** The kernel's segment table (qStart, qEnd, kStart, kEnd, probsOffset per segment) and probabilities size. */
export function segmentTable(segments: readonly AttentionSegmentSpec[], heads: number): { table: Int32Array; probsSize: number } {
  const table = new Int32Array(segments.length * 5);
  let probsSize = 0;
  segments.forEach((s, i) => {
    table.set([s.qStart, s.qEnd, s.kStart, s.kEnd, probsSize], i * 5);
    probsSize += heads * (s.qEnd - s.qStart) * (s.kEnd - s.kStart);
  });
  return { table, probsSize };
}

export interface AttentionCase {
  heads: number;
  /** head width d (odd widths included) and hidden H = heads·d */
  d: number;
  h: number;
  m: number;
  n: number;
  segments: AttentionSegmentSpec[];
  table: Int32Array;
  args: AttentionArgs;
  /** the most keys of one segment and the most queries on one key row (for tolerance scaling) */
  maxKeys: number;
  maxQueries: number;
  seed: number;
}

const mostly = (small: fc.Arbitrary<number>, large: fc.Arbitrary<number>) => fc.oneof({ weight: 4, arbitrary: small }, { weight: 1, arbitrary: large });

/**
 * Random packed batches: 0–5 segments tiling the queries in order, including empty query segments,
 * segments without keys, overlapping and unused key rows, odd head widths, and segment lengths and
 * head widths just past the 64-wide workgroups (the strided loops) of kernels/attention.
 */
export const attentionCaseArb: fc.Arbitrary<AttentionCase> = fc
  .record({
    heads: fc.integer({ min: 1, max: 3 }),
    d: mostly(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 63, max: 67 })),
    n: mostly(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 64, max: 140 })),
    segs: fc.array(
      fc.record({
        m: mostly(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 60, max: 70 })),
        a: fc.nat(),
        b: fc.nat(),
        noKeys: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
      }),
      { minLength: 0, maxLength: 5 },
    ),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ heads, d, n, segs, seed }) => {
    let q0 = 0;
    const segments = segs.map(({ m, a, b, noKeys }) => {
      const kStart = a % (n + 1);
      const kEnd = noKeys ? kStart : kStart + (b % (n - kStart + 1));
      const s = { qStart: q0, qEnd: q0 + m, kStart, kEnd };
      q0 += m;
      return s;
    });
    return attentionCase(heads, d, n, segments, seed);
  });

/** A case from explicit segments (which must tile the query rows in order). */
export function attentionCase(heads: number, d: number, n: number, segments: AttentionSegmentSpec[], seed: number): AttentionCase {
  const m = segments.length ? segments[segments.length - 1]!.qEnd : 0;
  const h = heads * d;
  const { table, probsSize } = segmentTable(segments, heads);
  const args: AttentionArgs = { m, n, hidden: h, heads, segments: segments.length, probsSize, scale: 1 / Math.sqrt(d) };
  const maxKeys = Math.max(1, ...segments.map((s) => s.kEnd - s.kStart));
  const perKey = new Array<number>(n).fill(0);
  for (const s of segments) for (let j = s.kStart; j < s.kEnd; j++) perKey[j]! += s.qEnd - s.qStart;
  return { heads, d, h, m, n, segments, table, args, maxKeys, maxQueries: Math.max(1, ...perKey), seed };
}

/**
 * Cases every run includes (fast-check `examples`): segments longer than the 64-wide workgroup with
 * an odd head width past it too, an empty query segment first and in the middle, a segment without
 * keys, overlapping key ranges and unused key rows.
 */
export const attentionExamples: AttentionCase[] = [
  attentionCase(3, 65, 140, [
    { qStart: 0, qEnd: 0, kStart: 5, kEnd: 9 },
    { qStart: 0, qEnd: 67, kStart: 0, kEnd: 130 },
    { qStart: 67, qEnd: 67, kStart: 0, kEnd: 3 },
    { qStart: 67, qEnd: 70, kStart: 100, kEnd: 100 },
    { qStart: 70, qEnd: 73, kStart: 129, kEnd: 139 },
  ], 17),
  attentionCase(2, 1, 3, [{ qStart: 0, qEnd: 2, kStart: 0, kEnd: 0 }], 5),
];

/** A tolerance whose absolute part grows with √(terms) of the sums behind each element. */
export function scaled(tol: Tolerance, terms: number): Tolerance {
  return { rtol: tol.rtol, atol: tol.atol * Math.sqrt(Math.max(terms, 1)) };
}

/** A 2-layer early-exit labeler and a packed batch of two sentences, for training-parity tests. */
export function smallLabelerProblem(): { model: EarlyExitModel; batch: PackedBatch } {
  const labels = ['B-X', 'I-X', 'O'];
  const model = new EarlyExitModel({
    bert: { vocabSize: 24, hidden: 16, layers: 2, heads: 2, ffn: 32, maxPositions: 32, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
    numLabels: labels.length,
    offRampDropout: 0.1,
  }, 11);
  const tokenizer = {
    clsId: 1,
    sepId: 2,
    tokenizeWord: (w: string) => Array.from({ length: 1 + (w.length % 2) }, (_, i) => 3 + ((w.charCodeAt(0) + i) % 21)),
  };
  const sentences: Sentence[] = [
    { words: ['ab', 'c', 'dde', 'f'], labels: ['B-X', 'I-X', 'O', 'O'] },
    { words: ['gh', 'i', 'jk'], labels: ['O', 'B-X', 'I-X'] },
  ];
  return { model, batch: packBatch(sentences, tokenizer, new LabelSet(labels), { maxPositions: 32 }) };
}
