// Parameters by name. A module registers its tensors under dotted names (Hugging Face BERT's names,
// so checkpoints import directly); optimisers and checkpoints walk the same map.
import { fromArray, randn, zeros, ones } from '../tensor/create.js';
import { backend } from '../tensor/engine.js';
import type { Rng } from '../tensor/random.js';
import { fmt, sameShape, stridesOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export class ParamStore {
  readonly params = new Map<string, Tensor>();

  constructor(private readonly rng: Rng) {}

  private add(name: string, t: Tensor): Tensor {
    if (this.params.has(name)) throw new Error(`ParamStore: parameter '${name}' registered twice`);
    t.param(name).keep();
    this.params.set(name, t);
    return t;
  }

  /** N(0, 0.02²), BERT's initializer_range. */
  normal(name: string, shape: Shape, std = 0.02): Tensor {
    return this.add(name, randn(shape, this.rng, std));
  }

  zeros(name: string, shape: Shape): Tensor {
    return this.add(name, zeros(shape));
  }

  ones(name: string, shape: Shape): Tensor {
    return this.add(name, ones(shape));
  }

  get(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`ParamStore: no parameter '${name}'`);
    return t;
  }

  /** Overwrite a parameter's values in place (checkpoint loading, tests). */
  set(name: string, data: Float32Array, shape: Shape): void {
    const t = this.get(name);
    if (!sameShape(t.shape, shape)) throw new Error(`ParamStore: '${name}' has shape ${fmt(t.shape)}, got values of shape ${fmt(shape)}`);
    const src = fromArray(Float32Array.from(data), shape);
    backend().writeStrided(t.storage, src.storage, shape, stridesOf(shape), 0);
    src.dispose();
  }

  dispose(): void {
    for (const t of this.params.values()) {
      t.zeroGrad();
      t.dispose();
    }
    this.params.clear();
  }
}
