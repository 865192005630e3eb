// WebAssembly SIMD row kernels of the CPU backend (f32x4 lanes over the shared heap; pointers are byte
// addresses): broadcast binary ops, unary maps (GELU and its derivative with a vectorised exp and erf),
// softmax rows, layerNorm forward/backward and the AdamW update. The JS side (rows-fast.ts) decides
// when a call can take these paths; the reference loops in src/ops stay the oracle.
import { F32, F64, Fn, I32, Simd, V128 } from './wasm-encoder.js';
import type { BinaryOp, UnaryOp } from '../backend.js';

type VecOp = (f: Fn, x: number, y: number) => void;

/** f32x4 versions of binaryRef's expressions (same results: + − × ÷ round once in f32 either way). */
export const binaryVec: Record<BinaryOp, VecOp> = {
  add: (f, x, y) => f.get(x).get(y).vadd(),
  sub: (f, x, y) => f.get(x).get(y).vsub(),
  mul: (f, x, y) => f.get(x).get(y).vmul(),
  div: (f, x, y) => f.get(x).get(y).vdiv(),
  // x > y ? x : y is pmax(y, x) (pmax(a, b) = a < b ? b : a), NaN cases included; min likewise
  max: (f, x, y) => f.get(y).get(x).simd(Simd.f32x4Pmax),
  min: (f, x, y) => f.get(y).get(x).simd(Simd.f32x4Pmin),
  gt: (f, x, y) => f.get(x).get(y).simd(Simd.f32x4Gt).vconst(1).simd(Simd.and),
  ge: (f, x, y) => f.get(x).get(y).simd(Simd.f32x4Ge).vconst(1).simd(Simd.and),
  eq: (f, x, y) => f.get(x).get(y).simd(Simd.f32x4Eq).vconst(1).simd(Simd.and),
};

/**
 * binary(out, a, ai, aRow, b, bi, bRow, n, rows): out (contiguous) [rows, n] = a op b, with a's row r
 * at a + r·aRow (bytes) and element j at + j·ai·4 (ai 0 or 1), b likewise.
 */
export function binaryFn(op: VecOp): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [out, a, ai, aRow, b, bi, bRow, n, rows] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const r = f.local(I32);
  const j = f.local(I32);
  const pa = f.local(I32);
  const pb = f.local(I32);
  const nv = f.local(I32);
  const x = f.local(V128);
  const y = f.local(V128);
  f.get(n).i32(-4).raw(0x71 /* i32.and */).set(nv);
  const variant = (av: boolean, bv: boolean) => {
    f.get(a).set(pa);
    f.get(b).set(pb);
    f.forRange(j, () => f.i32(0), () => f.get(nv), 4, () => {
      f.get(pa);
      if (av) f.vload(); else f.vsplatLoad();
      f.set(x);
      f.get(pb);
      if (bv) f.vload(); else f.vsplatLoad();
      f.set(y);
      f.get(out);
      op(f, x, y);
      f.vstore();
      f.inc(out, 16);
      if (av) f.inc(pa, 16);
      if (bv) f.inc(pb, 16);
    });
    f.forRange(j, () => f.get(nv), () => f.get(n), 1, () => {
      f.get(pa).vsplatLoad().set(x);
      f.get(pb).vsplatLoad().set(y);
      f.get(out);
      op(f, x, y);
      f.vlane(0).f32Store();
      f.inc(out, 4);
      if (av) f.inc(pa, 4);
      if (bv) f.inc(pb, 4);
    });
  };
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    f.get(ai).get(bi).raw(0x71).if(() => variant(true, true), () => {
      f.get(ai).if(() => variant(true, false), () => {
        f.get(bi).if(() => variant(false, true), () => variant(false, false));
      });
    });
    f.incBy(a, aRow).incBy(b, bRow);
  });
  return f;
}

/** Scratch v128 locals for the math emitters. */
interface MathLocals {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
  t4: number;
}

function mathLocals(f: Fn): MathLocals {
  return { t0: f.local(V128), t1: f.local(V128), t2: f.local(V128), t3: f.local(V128), t4: f.local(V128) };
}

function horner(f: Fn, t: number, coeffs: readonly number[]): void {
  // coeffs highest degree first
  f.vconst(coeffs[0]!);
  for (let i = 1; i < coeffs.length; i++) f.get(t).vmul().vconst(coeffs[i]!).vadd();
}

/**
 * Push exp(x) for the f32x4 in local x (Cephes expf: x = n·ln2 + r, degree-6 polynomial, 2^n from
 * the exponent bits; relative error < 1e-7). Arguments are clamped to [−87.33, 88.3]; below, the
 * result stays at ~1.2e−38 instead of going to zero (our callers only pass x ≤ 0). Uses t0, t1.
 */
export function emitExp(f: Fn, x: number, L: MathLocals): void {
  const { t0: r, t1: nf } = L;
  // pmax(x, lo) = x < lo ? lo : x and pmin(x, hi) = hi < x ? hi : x: one instruction each, NaN kept
  f.get(x).vconst(-87.33654).simd(Simd.f32x4Pmax).vconst(88.3).simd(Simd.f32x4Pmin).set(r);
  f.get(r).vconst(Math.LOG2E).vmul().simd(Simd.f32x4Nearest).set(nf);
  f.get(r).get(nf).vconst(0.693359375).vmul().vsub().get(nf).vconst(-2.12194440e-4).vmul().vsub().set(r);
  horner(f, r, [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]);
  f.get(r).get(r).vmul().vmul().get(r).vadd().vconst(1).vadd();
  // 2^n: n + 127 + 1.5·2^23 holds n + 127 in its low mantissa bits (an exact f32 integer sum), and
  // shifting its bits left by 23 drops everything else (cheaper than i32x4.trunc_sat in V8)
  f.get(nf).vconst(12582912 + 127).vadd().i32(23).simd(Simd.i32x4Shl);
  f.vmul();
}

const ERFC_NR = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368];
/** Maclaurin coefficients of erf(x)/(2x/√π) in x², highest first */
const ERF_TAYLOR = [-1 / 75600, 1 / 9360, -1 / 1320, 1 / 216, -1 / 42, 1 / 10, -1 / 3, 1];
/** below this |x| the Maclaurin series is used (1 − erfc cancels there) */
const ERF_SMALL = 0.7;

/**
 * Push erf(u) for the f32x4 in local u: |u| < 0.7 the Maclaurin series to x¹⁵; beyond, 1 − erfc with
 * Numerical Recipes' erfc fit t·exp(−z² − 1.26551223 + t·P(t)), t = 1/(1 + z/2). Max |error| against
 * the f64 erf: 1.5e−7 (tested). Uses t0…t4.
 */
export function emitErf(f: Fn, u: number, L: MathLocals): void {
  const { t2: z, t3: t, t4: big } = L;
  f.get(u).simd(Simd.f32x4Abs).set(z);
  f.vconst(1).vconst(1).get(z).vconst(0.5).vmul().vadd().vdiv().set(t);
  // big = 1 − t·exp(−z² − 1.26551223 + t·P(t)), sign of u
  horner(f, t, ERFC_NR);
  f.get(t).vmul().vconst(-1.26551223).vadd().get(z).get(z).vmul().vsub().set(big);
  f.get(t);
  emitExp(f, big, L);
  f.vmul().set(big);
  f.vconst(1).get(big).vsub().set(big);
  f.get(big).simd(Simd.f32x4Neg).get(big).get(u).vzero().simd(Simd.f32x4Lt).simd(Simd.bitselect).set(big);
  // small = u · 2/√π · Q(u²)
  f.get(u).get(u).vmul().set(t);
  horner(f, t, ERF_TAYLOR);
  f.get(u).vconst(2 / Math.sqrt(Math.PI)).vmul().vmul();
  f.get(big);
  f.get(z).vconst(ERF_SMALL).simd(Simd.f32x4Lt);
  f.simd(Simd.bitselect);
}

type UnaryVec = (f: Fn, x: number, L: MathLocals, u: number) => void;

/** f32x4 versions of unaryRef's expressions; gelu/geluGrad are f32 approximations (see emitErf). */
export const unaryVec: Partial<Record<UnaryOp, UnaryVec>> = {
  neg: (f, x) => f.get(x).simd(Simd.f32x4Neg),
  abs: (f, x) => f.get(x).simd(Simd.f32x4Abs),
  sqrt: (f, x) => f.get(x).simd(Simd.f32x4Sqrt),
  // x > 0 ? x : 0 is pmax(0, x)
  relu: (f, x) => f.vzero().get(x).simd(Simd.f32x4Pmax),
  step: (f, x) => f.get(x).vzero().simd(Simd.f32x4Gt).vconst(1).simd(Simd.and),
  erf: (f, x, L) => emitErf(f, x, L),
  gelu: (f, x, L, u) => {
    f.get(x).vconst(Math.SQRT1_2).vmul().set(u);
    f.get(x).vconst(0.5).vmul();
    emitErf(f, u, L);
    f.vconst(1).vadd().vmul();
  },
  geluGrad: (f, x, L, u) => {
    // 0.5·(1 + erf(x/√2)) + x·exp(−x²/2)/√(2π)
    f.get(x).vconst(Math.SQRT1_2).vmul().set(u);
    emitErf(f, u, L);
    f.vconst(1).vadd().vconst(0.5).vmul();
    f.get(x).get(x).vmul().vconst(-0.5).vmul().set(u);
    f.get(x);
    emitExp(f, u, L);
    f.vmul().vconst(0.3989422804014327).vmul().vadd();
  },
};

/** unary(out, x, n) */
export function unaryFn(op: UnaryVec): Fn {
  const f = new Fn([I32, I32, I32]);
  const [out, src, n] = [0, 1, 2];
  const j = f.local(I32);
  const nv = f.local(I32);
  const x = f.local(V128);
  const u = f.local(V128);
  const L = mathLocals(f);
  f.get(n).i32(-4).raw(0x71).set(nv);
  f.forRange(j, () => f.i32(0), () => f.get(nv), 4, () => {
    f.get(src).vload().set(x);
    f.get(out);
    op(f, x, L, u);
    f.vstore();
    f.inc(out, 16).inc(src, 16);
  });
  f.forRange(j, () => f.get(nv), () => f.get(n), 1, () => {
    f.get(src).vsplatLoad().set(x);
    f.get(out);
    op(f, x, L, u);
    f.vlane(0).f32Store();
    f.inc(out, 4).inc(src, 4);
  });
  return f;
}

/** Push the sum of the four lanes of local v as an f32: (l0 + l1) + (l2 + l3). */
function hsum(f: Fn, v: number): void {
  f.get(v).vlane(0).get(v).vlane(1).fadd().get(v).vlane(2).get(v).vlane(3).fadd().fadd();
}

/**
 * softmaxRows(x, rows, n, scale): in place, each row of n (a multiple of 4) f32s becomes
 * softmax(scale·row) (max subtracted first).
 */
export function softmaxFn(): Fn {
  const f = new Fn([I32, I32, I32, F32]);
  const [x, rows, n, scale] = [0, 1, 2, 3];
  const r = f.local(I32);
  const j = f.local(I32);
  const p = f.local(I32);
  const sc = f.local(V128);
  const acc = f.local(V128);
  const v = f.local(V128);
  const mx = f.local(V128);
  const L = mathLocals(f);
  const nb = f.local(I32);
  f.get(scale).vsplat().set(sc);
  f.get(n).i32(4).mul().set(nb);
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    // max of scale·x
    f.vconst(-Infinity).set(acc);
    f.get(x).set(p);
    f.forRange(j, () => f.i32(0), () => f.get(n), 4, () => {
      f.get(acc).get(p).vload().get(sc).vmul().simd(Simd.f32x4Max).set(acc);
      f.inc(p, 16);
    });
    f.get(acc).vlane(0).get(acc).vlane(1).raw(0x97 /* f32.max */).get(acc).vlane(2).get(acc).vlane(3).raw(0x97).raw(0x97).vsplat().set(mx);
    // e = exp(scale·x − max), summed
    f.vzero().set(acc);
    f.get(x).set(p);
    f.forRange(j, () => f.i32(0), () => f.get(n), 4, () => {
      f.get(p).vload().get(sc).vmul().get(mx).vsub().set(v);
      f.get(p);
      emitExp(f, v, L);
      f.tee(v).vstore();
      f.get(acc).get(v).vadd().set(acc);
      f.inc(p, 16);
    });
    f.vconst(1);
    hsum(f, acc);
    f.vsplat().vdiv().set(acc);
    f.get(x).set(p);
    f.forRange(j, () => f.i32(0), () => f.get(n), 4, () => {
      f.get(p).get(p).vload().get(acc).vmul().vstore();
      f.inc(p, 16);
    });
    f.incBy(x, nb);
  });
  return f;
}

/**
 * adamw(p, g, m, v, n2, b1, omb1, b2, omb2, lr, bc1, bc2, eps, decay): in place over n2 (even) f32s,
 * two lanes of f64 at a time with adamwRef's exact operations and order, so results are bit-identical
 * to it: m = b1·m + omb1·g; v = b2·v + (omb2·g)·g; p = p·decay − lr·(m/bc1) / (√(v/bc2) + eps), the
 * update using the unrounded m and v.
 */
export function adamwFn(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64, F64]);
  const [p, g, m, v, n] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const locals = scalars.map(() => f.local(V128));
  const [b1, omb1, b2, omb2, lr, bc1, bc2, eps, decay] = locals as [number, number, number, number, number, number, number, number, number];
  locals.forEach((l, i) => f.get(scalars[i]!).simd(Simd.f64x2Splat).set(l));
  const j = f.local(I32);
  const gv = f.local(V128);
  const mv = f.local(V128);
  const vv = f.local(V128);
  const load2 = (ptr: number) => f.get(ptr).simd(Simd.load64Zero).raw(3, 0).simd(Simd.f64x2PromoteLowF32x4);
  const store2 = (ptr: number, val: number) => f.get(ptr).get(val).simd(Simd.f32x4DemoteF64x2Zero).simd(Simd.store64Lane).raw(3, 0, 0);
  const [add, mul, div] = [() => f.simd(Simd.f64x2Add), () => f.simd(Simd.f64x2Mul), () => f.simd(Simd.f64x2Div)];
  f.forRange(j, () => f.i32(0), () => f.get(n), 2, () => {
    load2(g).set(gv);
    f.get(b1); load2(m); mul(); f.get(omb1).get(gv); mul(); add(); f.set(mv);
    f.get(b2); load2(v); mul(); f.get(omb2).get(gv); mul(); f.get(gv); mul(); add(); f.set(vv);
    store2(m, mv);
    store2(v, vv);
    const upd = f.local(V128);
    load2(p); f.get(decay); mul(); f.set(upd);
    f.get(upd).get(lr).get(mv).get(bc1); div(); mul();
    f.get(vv).get(bc2); div(); f.simd(Simd.f64x2Sqrt).get(eps); add(); div();
    f.simd(Simd.f64x2Sub).set(upd);
    store2(p, upd);
    f.inc(p, 8).inc(g, 8).inc(m, 8).inc(v, 8);
  });
  return f;
}

/**
 * layerNorm(x, gamma, beta, y, mean, rstd, rows, h, eps), h a multiple of 4: two passes per row
 * (mean, then mean squared deviation), summed in f32x4 lanes.
 */
export function layerNormFn(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, F32]);
  const [x, gamma, beta, y, mean, rstd, rows, h, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const r = f.local(I32);
  const c = f.local(I32);
  const hb = f.local(I32);
  const acc = f.local(V128);
  const acc2 = f.local(V128);
  const mu = f.local(V128);
  const rs = f.local(V128);
  const d = f.local(V128);
  const hf = f.local(F32);
  const s = f.local(F32);
  f.get(h).i32(4).mul().set(hb);
  f.get(h).fFromI32().set(hf);
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    f.vzero().set(acc);
    f.vzero().set(acc2);
    // two accumulators: lanes sum h/8 elements each
    f.forRange(c, () => f.i32(0), () => f.get(hb), 32, () => {
      f.get(acc).get(x).get(c).add().vload().vadd().set(acc);
      f.get(c).i32(16).add().get(hb).ltS().if(() => f.get(acc2).get(x).get(c).add().vload(16).vadd().set(acc2));
    });
    f.get(acc).get(acc2).vadd().set(acc);
    hsum(f, acc);
    f.get(hf).fdiv().tee(s).vsplat().set(mu);
    f.get(mean).get(s).f32Store();
    f.vzero().set(acc);
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(x).get(c).add().vload().get(mu).vsub().tee(d).get(d).vmul().get(acc).vadd().set(acc);
    });
    f.f32(1);
    hsum(f, acc);
    f.get(hf).fdiv().get(eps).fadd().fsqrt().fdiv().tee(s).vsplat().set(rs);
    f.get(rstd).get(s).f32Store();
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(y).get(c).add();
      f.get(x).get(c).add().vload().get(mu).vsub().get(rs).vmul().get(gamma).get(c).add().vload().vmul().get(beta).get(c).add().vload().vadd();
      f.vstore();
    });
    f.incBy(x, hb).incBy(y, hb).inc(mean, 4).inc(rstd, 4);
  });
  return f;
}

/**
 * layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, h), h a multiple of 4;
 * dgamma and dbeta (f32, zeroed by the caller) accumulate over rows.
 */
export function layerNormBackwardFn(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, h] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const r = f.local(I32);
  const c = f.local(I32);
  const hb = f.local(I32);
  const mu = f.local(V128);
  const rs = f.local(V128);
  const xh = f.local(V128);
  const g = f.local(V128);
  const dyv = f.local(V128);
  const mg = f.local(V128);
  const mgx = f.local(V128);
  const hf = f.local(F32);
  f.get(h).i32(4).mul().set(hb);
  f.get(h).fFromI32().set(hf);
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    f.get(mean).f32Load().vsplat().set(mu);
    f.get(rstd).f32Load().vsplat().set(rs);
    f.vzero().set(mg);
    f.vzero().set(mgx);
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(x).get(c).add().vload().get(mu).vsub().get(rs).vmul().set(xh);
      f.get(dy).get(c).add().vload().set(dyv);
      f.get(dyv).get(gamma).get(c).add().vload().vmul().set(g);
      f.get(mg).get(g).vadd().set(mg);
      f.get(mgx).get(g).get(xh).vmul().vadd().set(mgx);
      f.get(dgamma).get(c).add().get(dgamma).get(c).add().vload().get(dyv).get(xh).vmul().vadd().vstore();
      f.get(dbeta).get(c).add().get(dbeta).get(c).add().vload().get(dyv).vadd().vstore();
    });
    hsum(f, mg);
    f.get(hf).fdiv().vsplat().set(mg);
    hsum(f, mgx);
    f.get(hf).fdiv().vsplat().set(mgx);
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(dx).get(c).add();
      f.get(x).get(c).add().vload().get(mu).vsub().get(rs).vmul().set(xh);
      f.get(dy).get(c).add().vload().get(gamma).get(c).add().vload().vmul().get(mg).vsub().get(xh).get(mgx).vmul().vsub().get(rs).vmul();
      f.vstore();
    });
    f.incBy(x, hb).incBy(dy, hb).incBy(dx, hb).inc(mean, 4).inc(rstd, 4);
  });
  return f;
}
