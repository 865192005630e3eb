// CPU reference loops of the elementwise kernels: the oracle every other backend is tested against.
import { binaryTable, unaryTable, type BinaryOp, type UnaryOp } from '../../elementwise.js';
import { allocArray, type TypedArray } from '../../dtype.js';
import { sizeOf } from '../../layout.js';

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

/** Visit every index of `shape`, passing the flat offsets into operands with the given strides. */
function forEachBroadcast(shape: readonly number[], stridesList: readonly (readonly number[])[], visit: (i: number, offs: number[]) => void): void {
  const n = sizeOf(shape);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  const offs = stridesList.map(() => 0);
  for (let i = 0; i < n; i++) {
    visit(i, offs);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < offs.length; k++) offs[k]! += stridesList[k]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < offs.length; k++) offs[k]! -= stridesList[k]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

export function binaryRef(op: BinaryOp, a: TypedArray, b: TypedArray, shape: readonly number[], as: readonly number[], bs: readonly number[]): TypedArray {
  const rowLoop = binaryRows[op];
  const out = allocArray(a instanceof Float64Array ? 'f64' : 'f32', sizeOf(shape));
  if (out.length === 0) return out;
  // rows along the last axis; the outer axes advance like an odometer (no per-element closure)
  const rank = shape.length;
  const inner = rank === 0 ? 1 : shape[rank - 1]!;
  const ai = rank === 0 ? 0 : as[rank - 1]!;
  const bi = rank === 0 ? 0 : bs[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let ao = 0;
  let bo = 0;
  for (let row = 0; row < out.length; row += inner) {
    rowLoop(out, row, inner, a, ao, ai, b, bo, bi);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      ao += as[d]!;
      bo += bs[d]!;
      if (idx[d]! < shape[d]!) break;
      ao -= as[d]! * shape[d]!;
      bo -= bs[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

export function whereRef(c: TypedArray, a: TypedArray, b: TypedArray, shape: readonly number[], cs: readonly number[], as: readonly number[], bs: readonly number[]): TypedArray {
  const out = allocArray(a instanceof Float64Array ? 'f64' : 'f32', sizeOf(shape));
  forEachBroadcast(shape, [cs, as, bs], (i, [co, ao, bo]) => {
    out[i] = c[co!] !== 0 ? a[ao!]! : b[bo!]!;
  });
  return out;
}

