// Parameters by name. A module registers its tensors under dotted names (Hugging Face BERT's names,
// so checkpoints import directly); optimisers and checkpoints walk the same map.
import { randn, zeros, ones } from '../tensor/create.js';
import type { Rng } from '../tensor/random.js';
import { fmt, sameShape, sizeOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export class ParamStore {
  readonly params = new Map<string, Tensor>();

  /**
   * Parameters a checkpoint will fill (`loaded`; all of them when rng is null) are allocated
   * zero-filled on the backend, and no values are built for them on the host. The rng still steps past
   * the draws they would have taken, so every other parameter gets the values it gets without a load.
   */
  constructor(
    private readonly rng: Rng | null,
    private readonly loaded: (name: string) => boolean = () => false,
  ) {}

  private add(name: string, t: Tensor): Tensor {
    if (this.params.has(name)) throw new Error(`ParamStore: parameter '${name}' registered twice`);
    t.param(name).keep();
    this.params.set(name, t);
    return t;
  }

  /** N(0, 0.02²), BERT's initializer_range. */
  normal(name: string, shape: Shape, std = 0.02): Tensor {
    if (this.rng === null) return this.add(name, zeros(shape));
    if (!this.loaded(name)) return this.add(name, randn(shape, this.rng, std));
    for (let i = sizeOf(shape); i > 0; i--) this.rng.normal();
    return this.add(name, zeros(shape));
  }

  zeros(name: string, shape: Shape): Tensor {
    return this.add(name, zeros(shape));
  }

  ones(name: string, shape: Shape): Tensor {
    return this.add(name, this.rng === null || this.loaded(name) ? zeros(shape) : ones(shape));
  }

  get(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`ParamStore: no parameter '${name}'`);
    return t;
  }

  /** Overwrite a parameter's values in place (tests, Hugging Face import). */
  set(name: string, data: Float32Array, shape: Shape): void {
    const t = this.get(name);
    if (!sameShape(t.shape, shape)) throw new Error(`ParamStore: '${name}' has shape ${fmt(t.shape)}, got values of shape ${fmt(shape)}`);
    this.write(name, data, 0);
  }

  /** Overwrite the parameter's flat values offset … offset + values.length − 1 in place (checkpoint loading, a chunk at a time). */
  write(name: string, values: Float32Array, offset: number): void {
    const t = this.get(name);
    if (t.dtype !== 'f32') throw new Error(`ParamStore: '${name}' is ${t.dtype}, got f32 values`);
    if (offset < 0 || offset + values.length > sizeOf(t.shape)) {
      throw new Error(`ParamStore: values ${offset}…${offset + values.length - 1} are outside '${name}' of ${sizeOf(t.shape)} values`);
    }
    t.backend.writeArray(t.storage, values, offset);
  }

  dispose(): void {
    for (const t of this.params.values()) {
      t.zeroGrad();
      t.dispose();
    }
    this.params.clear();
  }
}
