// Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_): one norm over all given
// gradients; if it exceeds maxNorm every gradient is scaled by maxNorm / (norm + 1e-6).
import { noGrad, tidy } from '../tensor/engine.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';

/** Returns the norm before clipping. */
export async function clipGradNorm(params: readonly Tensor[], maxNorm: number): Promise<number> {
  const grads = params.flatMap((p) => (p.grad ? [p] : []));
  if (grads.length === 0) return 0;
  let sq = 0;
  for (const p of grads) {
    const s = tidy(() => noGrad(() => sum(mul(p.grad!, p.grad!)))); // tidy frees g² and nothing leaks outside a scope
    sq += await s.item();
    s.dispose();
  }
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of grads) {
      const scaled = tidy(() => noGrad(() => mul(p.grad!, coef))).keep(); // tidy frees the lifted coef scalar
      p.grad!.dispose();
      p.grad = scaled;
    }
  }
  return norm;
}
