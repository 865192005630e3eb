// Elementwise ops: unary maps, broadcast binary maps, where. Forward, gradient rules and the CPU
// reference live together; WGSL versions are in kernels/elementwise/.
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { backend, noGrad } from '../tensor/engine.js';
import { full } from '../tensor/create.js';
import { broadcastShapes, broadcastStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFloat, result } from './op.js';
import { sumTo } from './broadcast.js';

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
/** GELU, erf form (as BERT): x·Φ(x). Fused: one pass forward, one for its derivative. */
export function gelu(x: Tensor): Tensor {
  return unary('gelu', x, 0, () => (g) => mul(g, unary('geluGrad', x, 0)));
}

/** GELU composed from primitives, 0.5·x·(1 + erf(x/√2)): the oracle of the fused pair. */
export function geluComposite(x: Tensor): Tensor {
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
