// CPU reference AdamW update (in place, f64 arithmetic per element).
import type { AdamWArgs } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';

export function adamwRef(param: TypedArray, grad: TypedArray, m: TypedArray, v: TypedArray, a: AdamWArgs): void {
  const decay = 1 - a.lr * a.weightDecay;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const mi = a.beta1 * m[i]! + (1 - a.beta1) * g;
    const vi = a.beta2 * v[i]! + (1 - a.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = param[i]! * decay - (a.lr * (mi / a.bc1)) / (Math.sqrt(vi / a.bc2) + a.eps);
  }
}
