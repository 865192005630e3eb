// Inverted dropout. The keep-mask is drawn on the host from the caller's seeded Rng, so every
// backend sees the same mask for the same seed.
import { allocArray } from '../backend/dtype.js';
import { fromArray } from '../tensor/create.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { mul } from './elementwise.js';

export const dropoutGradOps = ['dropout'] as const;

/** Zero each element with probability p and scale the rest by 1/(1−p); identity when p = 0. */
export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const mask = allocArray(x.dtype, x.size);
  const scale = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < p ? 0 : scale;
  return mul(x, fromArray(mask, x.shape));
}
