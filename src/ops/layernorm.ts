// LayerNorm over the last axis, composed from primitives, with two-pass variance (mean first, then
// the mean of squared deviations) so inputs with a large mean and a small spread stay accurate.
import { fmt, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, mul, rsqrt, sub } from './elementwise.js';
import { mean } from './reduce.js';

export const layerNormGradOps = ['layerNorm'] as const;

/** y = (x − mean) / √(var + eps) · gamma + beta over the last axis. BERT uses eps = 1e-12. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-12): Tensor {
  const h = x.shape[x.rank - 1];
  if (gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== h || beta.shape[0] !== h) {
    throw new ShapeError('layerNorm', `gamma ${fmt(gamma.shape)} and beta ${fmt(beta.shape)} must be [${h}] for input ${fmt(x.shape)}`);
  }
  const d = sub(x, mean(x, -1, true)); // [..., H]
  const variance = mean(mul(d, d), -1, true); // [..., 1]
  return add(mul(mul(d, rsqrt(add(variance, eps))), gamma), beta);
}
