// Parity helpers for backend tests: named tolerances, an element-wise comparison that names the
// worst element, and MirrorBackend, which runs every kernel on two backends at once.
//
// Why a mirror: ops and autograd call the engine's one global backend. Rather than switch that
// global back and forth (tensors would outlive their backend) or rebuild the op library per
// backend, the mirror *is* the global backend for the test process and forwards each kernel to
// the CPU oracle and to the backend under test. One op graph, forward and backward, then yields
// both results for every tensor, computed from identical inputs, dropout masks and targets.
import assert from 'node:assert/strict';
import type { AdamWArgs, AttentionArgs, Backend, BinaryOp, MatmulArgs, ReduceOp, Storage, UnaryOp } from '../../src/backend/backend.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';

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
  layerNorm(x: Storage, g: Storage, b: Storage, rows: number, h: number, eps: number): { y: Storage; mean: Storage; rstd: Storage } {
    const r = this.reference.layerNorm(ref(x), ref(g), ref(b), rows, h, eps);
    const t = this.test.layerNorm(tst(x), tst(g), tst(b), rows, h, eps);
    return { y: this.both(r.y, t.y), mean: this.both(r.mean, t.mean), rstd: this.both(r.rstd, t.rstd) };
  }
  layerNormBackward(dy: Storage, x: Storage, g: Storage, mean: Storage, rstd: Storage, rows: number, h: number): { dx: Storage; dgamma: Storage; dbeta: Storage } {
    const r = this.reference.layerNormBackward(ref(dy), ref(x), ref(g), ref(mean), ref(rstd), rows, h);
    const t = this.test.layerNormBackward(tst(dy), tst(x), tst(g), tst(mean), tst(rstd), rows, h);
    return { dx: this.both(r.dx, t.dx), dgamma: this.both(r.dgamma, t.dgamma), dbeta: this.both(r.dbeta, t.dbeta) };
  }
  attention(q: Storage, k: Storage, v: Storage, segs: Storage, args: AttentionArgs): { out: Storage; probs: Storage } {
    const r = this.reference.attention(ref(q), ref(k), ref(v), ref(segs), args);
    const t = this.test.attention(tst(q), tst(k), tst(v), tst(segs), args);
    return { out: this.both(r.out, t.out), probs: this.both(r.probs, t.probs) };
  }
  attentionBackward(d: Storage, q: Storage, k: Storage, v: Storage, probs: Storage, segs: Storage, args: AttentionArgs): { dq: Storage; dk: Storage; dv: Storage } {
    const r = this.reference.attentionBackward(ref(d), ref(q), ref(k), ref(v), ref(probs), ref(segs), args);
    const t = this.test.attentionBackward(tst(d), tst(q), tst(k), tst(v), tst(probs), tst(segs), args);
    return { dq: this.both(r.dq, t.dq), dk: this.both(r.dk, t.dk), dv: this.both(r.dv, t.dv) };
  }
  adamw(p: Storage, g: Storage, m: Storage, v: Storage, args: AdamWArgs): void {
    this.reference.adamw(ref(p), ref(g), ref(m), ref(v), args);
    this.test.adamw(tst(p), tst(g), tst(m), tst(v), args);
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
