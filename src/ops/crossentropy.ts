// Cross-entropy from logits via log-softmax, with an ignore index. Targets are host integers (labels
// come from data), so the one-hot selection is built on the host and no readback is needed.
import { allocArray } from '../backend/dtype.js';
import { fromArray } from '../tensor/create.js';
import { fmt, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, mul, neg } from './elementwise.js';
import { sum } from './reduce.js';
import { logSoftmax } from './softmax.js';

export const crossEntropyGradOps = ['crossEntropy'] as const;

export interface CrossEntropyOptions {
  /** targets equal to this contribute 0 loss and are not counted in the mean (default −100, as PyTorch). */
  ignoreIndex?: number;
  reduction?: 'mean' | 'none';
}

/** logits [N, C], targets N class ids → scalar mean over non-ignored rows, or [N] per row. */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>, opts: CrossEntropyOptions = {}): Tensor {
  const ignore = opts.ignoreIndex ?? -100;
  if (logits.rank !== 2 || logits.shape[0] !== targets.length) {
    throw new ShapeError('crossEntropy', `logits ${fmt(logits.shape)} need shape [${targets.length}, C] for ${targets.length} targets`);
  }
  const [n, c] = logits.shape as [number, number];
  const pick = allocArray(logits.dtype, n * c); // one-hot of each target, zero rows for ignored ones
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (t === ignore) continue;
    if (!Number.isInteger(t) || t < 0 || t >= c) throw new RangeError(`crossEntropy: target ${t} at row ${i} is not in [0, ${c})`);
    pick[i * c + t] = 1;
    counted++;
  }
  const perRow = neg(sum(mul(logSoftmax(logits), fromArray(pick, [n, c])), -1)); // [N]
  if ((opts.reduction ?? 'mean') === 'none') return perRow;
  return div(sum(perRow), Math.max(counted, 1));
}
