// Softmax and log-softmax, composed from primitives. The row max is detached: it only shifts the
// exponent for stability and the result does not depend on it, so no gradient flows through it.
import { noGrad } from '../tensor/engine.js';
import { normAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, exp, log, sub } from './elementwise.js';
import { max, sum } from './reduce.js';

export const softmaxGradOps = ['softmax', 'logSoftmax'] as const;

export function softmax(x: Tensor, axis0 = -1): Tensor {
  const axis = normAxis('softmax', axis0, x.rank); // so a bad axis names softmax, not max
  const m = noGrad(() => max(x, axis, true));
  const e = exp(sub(x, m));
  return div(e, sum(e, axis, true));
}

export function logSoftmax(x: Tensor, axis0 = -1): Tensor {
  const axis = normAxis('logSoftmax', axis0, x.rank);
  const m = noGrad(() => max(x, axis, true));
  const shifted = sub(x, m);
  return sub(shifted, log(sum(exp(shifted), axis, true)));
}
