// LayerNorm over the last axis with two-pass variance (mean first, then the mean of squared
// deviations) so inputs with a large mean and a small spread stay accurate. The composite below is the
// definition; a backend's optional fused pair (forward keeps mean and 1/σ per row) replaces it.
import { backend } from '../tensor/engine.js';
import { fmt, ShapeError } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add, mul, rsqrt, sub } from './elementwise.js';
import { checkFloat, result } from './op.js';
import { mean } from './reduce.js';

export const layerNormGradOps = ['layerNorm'] as const;

function checkParams(x: Tensor, gamma: Tensor, beta: Tensor): number {
  const h = x.shape[x.rank - 1];
  if (x.rank < 1 || gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== h || beta.shape[0] !== h) {
    throw new ShapeError('layerNorm', `gamma ${fmt(gamma.shape)} and beta ${fmt(beta.shape)} must be [${h}] for input ${fmt(x.shape)}`);
  }
  return h!;
}

/** y = (x − mean) / √(var + eps) · gamma + beta over the last axis. BERT uses eps = 1e-12. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-12): Tensor {
  checkFloat('layerNorm', x, gamma, beta);
  const h = checkParams(x, gamma, beta);
  const rows = h === 0 ? 0 : x.size / h;
  const be = backend();
  const fused = be.fused.layerNorm;
  const r = fused?.forward(x.storage, gamma.storage, beta.storage, rows, h, eps);
  if (!fused || !r) return layerNormComposite(x, gamma, beta, eps);
  // saved for backward; like every intermediate they belong to the enclosing tidy scope
  const savedMean = new Tensor(r.mean, [rows], be);
  const savedRstd = new Tensor(r.rstd, [rows], be);
  const y = result('layerNorm', r.y, x.shape, [x, gamma, beta], (g) => {
    const d = fused.backward(g.storage, x.storage, gamma.storage, savedMean.storage, savedRstd.storage, rows, h);
    return [new Tensor(d.dx, x.shape, be), new Tensor(d.dgamma, [h], be), new Tensor(d.dbeta, [h], be)];
  });
  if (!y.node) {
    savedMean.dispose();
    savedRstd.dispose();
  }
  return y;
}

/** LayerNorm composed from primitives: the definition, and the oracle of the fused pairs. */
export function layerNormComposite(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-12): Tensor {
  checkParams(x, gamma, beta);
  const d = sub(x, mean(x, -1, true)); // [..., H]
  const variance = mean(mul(d, d), -1, true); // [..., 1]
  return add(mul(mul(d, rsqrt(add(variance, eps))), gamma), beta);
}
