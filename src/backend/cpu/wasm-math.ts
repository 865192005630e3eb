// f32x4 math emitters shared by the wasm SIMD kernels: exp and erf (each pushes f(x) for a v128
// local onto the stack), and the emitter types of the elementwise table (src/backend/elementwise.ts).
import { Simd, V128, type Fn } from './wasm-encoder.js';

/** Pushes x op y for the v128 locals x and y. */
export type BinaryVec = (f: Fn, x: number, y: number) => void;
/** Pushes f(x) for the v128 local x; L and u are scratch locals. */
export type UnaryVec = (f: Fn, x: number, L: MathLocals, u: number) => void;

/** Scratch v128 locals for the math emitters. */
export interface MathLocals {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
  t4: number;
}

export function mathLocals(f: Fn): MathLocals {
  return { t0: f.local(V128), t1: f.local(V128), t2: f.local(V128), t3: f.local(V128), t4: f.local(V128) };
}

function horner(f: Fn, t: number, coeffs: readonly number[]): void {
  // coeffs highest degree first
  f.vconst(coeffs[0]!);
  for (let i = 1; i < coeffs.length; i++) f.get(t).vmuladd(() => f.vconst(coeffs[i]!));
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
  f.get(r).get(r).vmul().vmuladd(() => f.get(r)).vconst(1).vadd();
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
  f.vconst(1).get(z).vconst(0.5).vmuladd(() => f.vconst(1)).vdiv().set(t);
  // big = 1 − t·exp(−z² − 1.26551223 + t·P(t)), sign of u
  horner(f, t, ERFC_NR);
  f.get(t).vmuladd(() => f.vconst(-1.26551223)).get(z).get(z).vmul().vsub().set(big);
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
