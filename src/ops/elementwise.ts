// Elementwise ops: unary maps, broadcast binary maps, where. Forward, gradient rules and the CPU
// reference live together; WGSL versions are in kernels/elementwise/.
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { allocArray, type TypedArray } from '../tensor/dtype.js';
import { backend, noGrad } from '../tensor/engine.js';
import { full } from '../tensor/create.js';
import { broadcastShapes, broadcastStrides, sizeOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFloat, result } from './op.js';
import { sumTo } from './reduce.js';

export const elementwiseGradOps = [
  'add', 'sub', 'mul', 'div', 'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'tanh', 'pow', 'relu', 'abs', 'erf', 'gelu', 'where',
] as const;

type Operand = Tensor | number;

function lift(x: Operand, like: Tensor): Tensor {
  return typeof x === 'number' ? full([], x, like.dtype) : x;
}

function binary(op: BinaryOp, a0: Operand, b0: Operand, rule?: (a: Tensor, b: Tensor, out: () => Tensor) => (g: Tensor) => (Tensor | null)[]): Tensor {
  const like = typeof a0 === 'number' ? (b0 as Tensor) : a0;
  const a = lift(a0, like);
  const b = lift(b0, like);
  checkFloat(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const storage = backend().binary(op, a.storage, b.storage, shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
  let out: Tensor | null = null;
  const r = result(op, storage, shape, [a, b], rule ? (g) => rule(a, b, () => out!)(g) : undefined);
  out = r;
  return r;
}

export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b, (a, b) => (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b, (a, b) => (g) => [sumTo(g, a.shape), sumTo(neg(g), b.shape)]);
}

export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b, (a, b) => (g) => [
    a.requiresGrad ? sumTo(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, a), b.shape) : null,
  ]);
}

export function div(a: Operand, b: Operand): Tensor {
  return binary('div', a, b, (a, b, out) => (g) => [
    a.requiresGrad ? sumTo(div(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(neg(div(mul(g, out()), b)), b.shape) : null,
  ]);
}

/** Non-differentiable comparisons (1 or 0 in the input dtype). */
export function gt(a: Operand, b: Operand): Tensor {
  return binary('gt', a, b);
}
export function ge(a: Operand, b: Operand): Tensor {
  return binary('ge', a, b);
}
export function eq(a: Operand, b: Operand): Tensor {
  return binary('eq', a, b);
}

function unary(op: UnaryOp, x: Tensor, param: number, rule?: (out: () => Tensor) => (g: Tensor) => Tensor): Tensor {
  checkFloat(op, x);
  let out: Tensor | null = null;
  const r = result(op, backend().unary(op, x.storage, param), x.shape, [x], rule ? (g) => [rule(() => out!)(g)] : undefined);
  out = r;
  return r;
}

export function neg(x: Tensor): Tensor {
  return unary('neg', x, 0, () => (g) => neg(g));
}
export function exp(x: Tensor): Tensor {
  return unary('exp', x, 0, (out) => (g) => mul(g, out()));
}
export function log(x: Tensor): Tensor {
  return unary('log', x, 0, () => (g) => div(g, x));
}
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x, 0, (out) => (g) => div(mul(g, 0.5), out()));
}
export function rsqrt(x: Tensor): Tensor {
  // d/dx x^-1/2 = -1/2 · x^-3/2 = -1/2 · out³
  return unary('rsqrt', x, 0, (out) => (g) => mul(g, mul(pow(out(), 3), -0.5)));
}
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x, 0, (out) => (g) => mul(g, sub(1, mul(out(), out()))));
}
/** x^p for a constant p. */
export function pow(x: Tensor, p: number): Tensor {
  // p = 0: x⁰ is constant, and 0·x⁻¹ would be NaN at x = 0
  return unary('pow', x, p, () => (g) => (p === 0 ? mul(g, 0) : mul(g, mul(pow(x, p - 1), p))));
}
export function relu(x: Tensor): Tensor {
  return unary('relu', x, 0, () => (g) => mul(g, step(x)));
}
/** 1 where x > 0 else 0 (no gradient). */
export function step(x: Tensor): Tensor {
  return unary('step', x, 0);
}
export function abs(x: Tensor): Tensor {
  // sign(x) = step(x) − step(−x); the subgradient at 0 is 0, as in PyTorch
  return unary('abs', x, 0, () => (g) => mul(g, sub(step(x), step(neg(x)))));
}
export function erf(x: Tensor): Tensor {
  return unary('erf', x, 0, () => (g) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));
}
/** GELU, erf form (as BERT): x · Φ(x) = 0.5·x·(1 + erf(x/√2)). Composite. */
export function gelu(x: Tensor): Tensor {
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** cond ? a : b with broadcasting; cond is any float tensor (non-zero = true) and gets no gradient. */
export function where(cond: Tensor, a0: Operand, b0: Operand): Tensor {
  const a = lift(a0, cond);
  const b = lift(b0, cond);
  checkFloat('where', cond, a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
  const s = backend().where(
    cond.storage, a.storage, b.storage, shape,
    broadcastStrides(cond.shape, shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape),
  );
  return result('where', s, shape, [a, b], (g) => noGrad(() => [
    a.requiresGrad ? sumTo(where(cond, g, 0), a.shape) : null,
    b.requiresGrad ? sumTo(where(cond, 0, g), b.shape) : null,
  ]));
}

// ---------------------------------------------------------------------------------------------
// CPU reference (plain loops; the oracle every other backend is tested against)

const unaryFns: Record<UnaryOp, (x: number, p: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  relu: (x) => (x > 0 ? x : 0),
  step: (x) => (x > 0 ? 1 : 0),
  erf: erfRef,
  abs: Math.abs,
  pow: (x, p) => (p === 2 ? x * x : p === 3 ? x * x * x : Math.pow(x, p)),
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a > b ? a : b),
  min: (a, b) => (a < b ? a : b),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
};

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
  const f = unaryFns[op];
  const out = allocArray(x instanceof Float64Array ? 'f64' : 'f32', x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!, param);
  return out;
}

/** Visit every index of `shape`, passing the flat offsets into operands with the given strides. */
function forEachBroadcast(shape: Shape, stridesList: readonly (readonly number[])[], visit: (i: number, offs: number[]) => void): void {
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

export function binaryRef(op: BinaryOp, a: TypedArray, b: TypedArray, shape: Shape, as: readonly number[], bs: readonly number[]): TypedArray {
  const f = binaryFns[op];
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
    if (ai === 1 && bi === 1) for (let j = 0; j < inner; j++) out[row + j] = f(a[ao + j]!, b[bo + j]!);
    else if (ai === 1 && bi === 0) {
      const bv = b[bo]!;
      for (let j = 0; j < inner; j++) out[row + j] = f(a[ao + j]!, bv);
    } else for (let j = 0; j < inner; j++) out[row + j] = f(a[ao + j * ai]!, b[bo + j * bi]!);
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

export function whereRef(c: TypedArray, a: TypedArray, b: TypedArray, shape: Shape, cs: readonly number[], as: readonly number[], bs: readonly number[]): TypedArray {
  const out = allocArray(a instanceof Float64Array ? 'f64' : 'f32', sizeOf(shape));
  forEachBroadcast(shape, [cs, as, bs], (i, [co, ao, bo]) => {
    out[i] = c[co!] !== 0 ? a[ao!]! : b[bo!]!;
  });
  return out;
}

export { forEachBroadcast };
