// CPU reference loops of the elementwise kernels: the oracle every other backend is tested against.
import { binaryTable, unaryTable, type BinaryOp, type UnaryOp } from '../../elementwise.js';
import { allocArray, type TypedArray } from '../../dtype.js';
import { forEachBlock, sizeOf } from '../../layout.js';

// Each op is one expression of the elementwise table; a row loop is generated per op so the arithmetic
// is inlined (a shared loop calling a function per element is megamorphic and several times slower).
const unaryExprs = Object.fromEntries(Object.entries(unaryTable as Record<string, { cpu: string }>).map(([op, e]) => [op, e.cpu])) as Record<UnaryOp, string>;
const binaryExprs = Object.fromEntries(Object.entries(binaryTable).map(([op, e]) => [op, e.cpu])) as Record<BinaryOp, string>;

type UnaryLoop = (out: TypedArray, x: TypedArray, p: number) => void;
type BinaryRow = (out: TypedArray, row: number, n: number, a: TypedArray, ao: number, ai: number, b: TypedArray, bo: number, bi: number) => void;

function compile<F>(params: string[], body: string, erf = erfRef): F {
  return new Function('erf', `return function (${params.join(', ')}) { ${body} }`)(erf) as F;
}

// f64 (gradient checks) uses the accurate erf; f32 the fast one, exact to f32 precision
const unaryLoops = (erf: (x: number) => number) => Object.fromEntries(Object.entries(unaryExprs).map(([op, e]) => [op,
  compile<UnaryLoop>(['out', 'src', 'p'], `for (let i = 0; i < out.length; i++) { const x = src[i]; out[i] = ${e}; }`, erf)])) as Record<UnaryOp, UnaryLoop>;
const unaryLoops64 = unaryLoops(erfRef);
const unaryLoops32 = unaryLoops(erfFast);

const binaryRows = Object.fromEntries(Object.entries(binaryExprs).map(([op, e]) => [op,
  compile<BinaryRow>(['out', 'row', 'n', 'a', 'ao', 'ai', 'b', 'bo', 'bi'],
    `if (ai === 1 && bi === 1) { for (let j = 0; j < n; j++) { const x = a[ao + j], y = b[bo + j]; out[row + j] = ${e}; } }
     else if (ai === 1 && bi === 0) { const y = b[bo]; for (let j = 0; j < n; j++) { const x = a[ao + j]; out[row + j] = ${e}; } }
     else { for (let j = 0; j < n; j++) { const x = a[ao + j * ai], y = b[bo + j * bi]; out[row + j] = ${e}; } }`)])) as Record<BinaryOp, BinaryRow>;

/** erf with |error| < 1.2e-7 (Numerical Recipes' Chebyshev fit of erfc): f32-accurate, one exp. */
export function erfFast(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

/** erf to ~1e-14: Maclaurin series for |x| < 3, Lentz continued fraction for erfc beyond. */
export function erfRef(x: number): number {
  const z = Math.abs(x);
  if (z < 3) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = z;
    let sum = z;
    for (let n = 1; n < 100; n++) {
      term *= (-z * z) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  // erfc(z) = e^{−z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …))))
  let f = z;
  for (let k = 60; k >= 1; k--) f = z + k / 2 / f;
  const erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

export function unaryRef(op: UnaryOp, x: TypedArray, param: number): TypedArray {
  const f64 = x instanceof Float64Array;
  const out = allocArray(f64 ? 'f64' : 'f32', x.length);
  (f64 ? unaryLoops64 : unaryLoops32)[op](out, x, param);
  return out;
}

export function binaryRef(op: BinaryOp, a: TypedArray, b: TypedArray, shape: readonly number[], as: readonly number[], bs: readonly number[]): TypedArray {
  const rowLoop = binaryRows[op];
  const out = allocArray(a instanceof Float64Array ? 'f64' : 'f32', sizeOf(shape));
  if (out.length === 0) return out;
  // a generated loop along the last axis (no per-element closure), the outer axes by forEachBlock
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const ai = as[shape.length - 1] ?? 0;
  const bi = bs[shape.length - 1] ?? 0;
  forEachBlock(shape.slice(0, -1), [as, bs], inner, (row, [ao, bo]) => rowLoop(out, row, inner, a, ao!, ai, b, bo!, bi));
  return out;
}

export function whereRef(c: TypedArray, a: TypedArray, b: TypedArray, shape: readonly number[], cs: readonly number[], as: readonly number[], bs: readonly number[]): TypedArray {
  const out = allocArray(a instanceof Float64Array ? 'f64' : 'f32', sizeOf(shape));
  if (out.length === 0) return out;
  const last = shape.length - 1;
  const inner = shape.length === 0 ? 1 : shape[last]!;
  const [ci, ai, bi] = [cs[last] ?? 0, as[last] ?? 0, bs[last] ?? 0];
  forEachBlock(shape.slice(0, -1), [cs, as, bs], inner, (row, [co, ao, bo]) => {
    for (let j = 0; j < inner; j++) out[row + j] = c[co! + j * ci] !== 0 ? a[ao! + j * ai]! : b[bo! + j * bi]!;
  });
  return out;
}
