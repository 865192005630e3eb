// AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW documents it:
//   θ ← θ − lr·λ·θ                      (decoupled weight decay)
//   m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
//   θ ← θ − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)      (ε outside the square root)
// Parameters live in groups with their own lr / weight decay / clip norm; the update is one
// fused backend kernel per parameter, or the composite of primitives at the bottom of this file.
import type { AdamWArgs } from '../backend/backend.js';
import { backend, noGrad, tidy } from '../tensor/engine.js';
import { stridesOf } from '../tensor/shape.js';
import { add, div, mul, sqrt, sub } from '../ops/elementwise.js';
import { fromArray, zeros } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { clipGradNorm } from './clip.js';

export interface ParamGroup {
  params: Tensor[];
  lr: number;
  weightDecay?: number;
  /** clip this group's gradients to this global L2 norm before the step (none if undefined) */
  maxGradNorm?: number;
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** The moments of one parameter, as saved with a run (see AdamW.exportState). */
export interface AdamWMoments {
  shape: readonly number[];
  m: Float32Array;
  v: Float32Array;
}

export class AdamW {
  readonly groups: ParamGroup[];
  /** the learning rate of each group at step 0; a schedule scales these */
  readonly baseLrs: number[];
  step = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly state = new Map<Tensor, { m: Tensor; v: Tensor }>();

  constructor(groups: ParamGroup[], opts: AdamWOptions = {}) {
    this.groups = groups;
    this.baseLrs = groups.map((g) => g.lr);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
  }

  /** Set every group's lr to its base lr times `factor` (what a schedule returns). */
  scaleLr(factor: number): void {
    this.groups.forEach((g, i) => (g.lr = this.baseLrs[i]! * factor));
  }

  /** Clip (per group), then update every parameter that has a gradient. Returns each group's pre-clip norm. */
  async stepAsync(): Promise<number[]> {
    const norms: number[] = [];
    for (const g of this.groups) norms.push(g.maxGradNorm === undefined ? NaN : await clipGradNorm(g.params, g.maxGradNorm));
    this.update();
    return norms;
  }

  /** Update without clipping (no readback needed). */
  update(): void {
    this.step++;
    const be = backend();
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    const bc2 = 1 - Math.pow(this.beta2, this.step);
    for (const g of this.groups) {
      const args: AdamWArgs = { lr: g.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: g.weightDecay ?? 0, bc1, bc2 };
      for (const p of g.params) {
        if (!p.grad) continue;
        let s = this.state.get(p);
        if (!s) {
          s = noGrad(() => ({ m: zeros(p.shape, p.dtype).keep(), v: zeros(p.shape, p.dtype).keep() }));
          this.state.set(p, s);
        }
        if (!be.fused.adamw?.(p.storage, p.grad.storage, s.m.storage, s.v.storage, args)) adamwComposite(p, p.grad, s.m, s.v, args);
      }
    }
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.zeroGrad();
  }

  /** Step count and moments by parameter name (parameters that never had a gradient have none). */
  async exportState(): Promise<{ step: number; moments: Map<string, AdamWMoments> }> {
    const moments = new Map<string, AdamWMoments>();
    for (const [p, s] of this.state) {
      if (p.name === '' || moments.has(p.name)) throw new Error(`AdamW.exportState: parameters need distinct names, got '${p.name}'`);
      const [m, v] = await Promise.all([s.m.data(), s.v.data()]);
      moments.set(p.name, { shape: [...p.shape], m: Float32Array.from(m), v: Float32Array.from(v) });
    }
    return { step: this.step, moments };
  }

  /** Continue from exportState's result: every saved moment must match a parameter of the same shape. */
  importState(step: number, moments: ReadonlyMap<string, AdamWMoments>): void {
    const byName = new Map(this.groups.flatMap((g) => g.params.map((p) => [p.name, p] as const)));
    for (const [name, saved] of moments) {
      const p = byName.get(name);
      if (!p) throw new Error(`optimizer state: no parameter '${name}'`);
      if (saved.shape.length !== p.shape.length || saved.shape.some((d, i) => d !== p.shape[i])) {
        throw new Error(`optimizer state: '${name}' has shape [${saved.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`);
      }
    }
    this.dispose();
    for (const [name, saved] of moments) {
      const p = byName.get(name)!;
      this.state.set(p, noGrad(() => ({ m: fromArray(Float32Array.from(saved.m), [...p.shape]).keep(), v: fromArray(Float32Array.from(saved.v), [...p.shape]).keep() })));
    }
    this.step = step;
  }

  /** Free the moment buffers. */
  dispose(): void {
    for (const s of this.state.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.state.clear();
  }
}

/** AdamW from primitives, for backends without the fused kernel: the new m, v and param overwrite the old. */
export function adamwComposite(p: Tensor, g: Tensor, m: Tensor, v: Tensor, a: AdamWArgs): void {
  tidy(() => noGrad(() => {
    const m1 = add(mul(m, a.beta1), mul(g, 1 - a.beta1));
    const v1 = add(mul(v, a.beta2), mul(mul(g, 1 - a.beta2), g));
    const update = div(div(m1, a.bc1), add(sqrt(div(v1, a.bc2)), a.eps));
    const p1 = sub(mul(p, 1 - a.lr * a.weightDecay), mul(update, a.lr));
    const be = backend();
    for (const [dst, src] of [[m, m1], [v, v1], [p, p1]] as const) be.writeStrided(dst.storage, src.storage, src.shape, stridesOf(src.shape), 0);
  }));
}
