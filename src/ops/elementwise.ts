// Elementwise ops: unary maps, broadcast binary maps, where. Each map and its gradient is one entry of
// the elementwise table (src/backend/elementwise.ts); this file turns entries into ops with rules.
import { binaryTable, unaryTable, type Algebra, type BinaryEntry, type BinaryOp, type UnaryEntry, type UnaryOp, type WithGrad } from '../backend/elementwise.js';
import { backend, noGrad } from '../tensor/engine.js';
import { full } from '../tensor/create.js';
import { broadcastShapes, broadcastStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFloat, result } from './op.js';
import { sumTo } from './broadcast.js';

const withGrad = <T extends Record<string, object>>(table: T) => Object.keys(table).filter((op) => 'grad' in table[op]!) as WithGrad<T>[];
/** The table's differentiable unary ops (the backend parity tests cover each of them). */
export const unaryGradOps = withGrad(unaryTable);
export const elementwiseGradOps = [...withGrad(binaryTable), ...unaryGradOps, 'where' as const];

type Operand = Tensor | number;

function lift(x: Operand, like: Tensor): Tensor {
  return typeof x === 'number' ? full([], x, like.dtype) : x;
}

/** The tensor ops the table's gradient rules are written with. */
const algebra: Algebra<Tensor> = {
  mul: (a, b) => mul(a, b),
  sub: (a, b) => sub(a, b),
  div: (a, b) => div(a, b),
  unary: (op, x, p = 0) => {
    if (!(op in unaryTable)) throw new Error(`elementwise table: a gradient rule uses '${op}', which is not a unary op`);
    return unary(op as UnaryOp, x, p);
  },
};

/** a op b with numpy broadcasting (a number operand becomes a scalar of the other's dtype). */
export function binary(op: BinaryOp, a0: Operand, b0: Operand): Tensor {
  const like = typeof a0 === 'number' ? (b0 as Tensor) : a0;
  const a = lift(a0, like);
  const b = lift(b0, like);
  checkFloat(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const storage = backend().binary(op, a.storage, b.storage, shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
  const grad = (binaryTable[op] as BinaryEntry).grad;
  let out: Tensor | null = null;
  out = result(op, storage, shape, [a, b], grad && ((g) => [a, b].map((t, i) =>
    t.requiresGrad ? sumTo(grad[i]!(algebra, g, a, b, out!), t.shape) : null)));
  return out;
}

/** f(x) elementwise; p is the op's scalar parameter (pow's exponent). */
export function unary(op: UnaryOp, x: Tensor, p = 0): Tensor {
  checkFloat(op, x);
  const grad = (unaryTable[op] as UnaryEntry).grad;
  let out: Tensor | null = null;
  out = result(op, backend().unary(op, x.storage, p), x.shape, [x], grad && ((g) => [grad(algebra, g, x, out!, p)]));
  return out;
}

export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
/** Non-differentiable comparisons (1 or 0 in the input dtype). */
export const gt = (a: Operand, b: Operand): Tensor => binary('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => binary('ge', a, b);
export const eq = (a: Operand, b: Operand): Tensor => binary('eq', a, b);

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** x^p for a constant p. */
export const pow = (x: Tensor, p: number): Tensor => unary('pow', x, p);
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** 1 where x > 0 else 0 (no gradient). */
export const step = (x: Tensor): Tensor => unary('step', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** GELU, erf form (as BERT): x·Φ(x). */
export const gelu = (x: Tensor): Tensor => unary('gelu', x);

/** GELU composed from primitives, 0.5·x·(1 + erf(x/√2)): the oracle of the table's gelu/geluGrad pair. */
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
