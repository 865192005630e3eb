// AdamW, clipping and schedules against independent plain-JS computations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { AdamW } from '../../src/optim/adamw.js';
import { clipGradNorm } from '../../src/optim/clip.js';
import { linearWarmupDecay, warmupSqrtDecay } from '../../src/optim/schedule.js';
import * as R from '../helpers/ref.js';
import { cpuOnly, valueDtype, valueTol } from '../helpers/suite.js';

/**
 * torch.optim.AdamW as its documentation writes the algorithm (amsgrad = false, maximize = false):
 *   θ_t ← θ_{t−1} − γλθ_{t−1}
 *   m_t ← β1 m_{t−1} + (1 − β1) g_t ;  v_t ← β2 v_{t−1} + (1 − β2) g_t²
 *   m̂_t ← m_t / (1 − β1^t) ;  v̂_t ← v_t / (1 − β2^t)
 *   θ_t ← θ_t − γ m̂_t / (√v̂_t + ε)
 */
class ReferenceAdamW {
  m: number[];
  v: number[];
  t = 0;
  constructor(
    public theta: number[],
    readonly lr: number,
    readonly wd: number,
    readonly b1 = 0.9,
    readonly b2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = theta.map(() => 0);
    this.v = theta.map(() => 0);
  }

  step(g: readonly number[]): void {
    this.t += 1;
    this.theta = this.theta.map((th, i) => {
      th = th - this.lr * this.wd * th;
      this.m[i] = this.b1 * this.m[i]! + (1 - this.b1) * g[i]!;
      this.v[i] = this.b2 * this.v[i]! + (1 - this.b2) * g[i]! * g[i]!;
      const mHat = this.m[i]! / (1 - this.b1 ** this.t);
      const vHat = this.v[i]! / (1 - this.b2 ** this.t);
      return th - (this.lr * mHat) / (Math.sqrt(vHat) + this.eps);
    });
  }
}

/** The gradient of Σ p·c is c: a loss whose gradient the test chooses, sent through autograd. */
function setGrad(p: Tensor, c: readonly number[]): void {
  O.sum(O.mul(p, tensor(c, p.shape, p.dtype))).backward();
}

const grads = (step: number, n: number, scale: number) => Array.from({ length: n }, (_, i) => scale * Math.sin(1 + step * 1.7 + i * 0.9));

test('AdamW matches the PyTorch algorithm step by step (f64, two groups, with and without decay)', { skip: cpuOnly }, () => {
  const p1 = tensor([0.5, -1.2, 2.0], [3], 'f64').param();
  const p2 = tensor([1, -0.3, 0.7, 4], [2, 2], 'f64').param();
  const opt = new AdamW([{ params: [p1], lr: 0.01, weightDecay: 0 }, { params: [p2], lr: 0.05, weightDecay: 0.1 }], { beta1: 0.8, beta2: 0.95, eps: 1e-6 });
  const r1 = new ReferenceAdamW([0.5, -1.2, 2.0], 0.01, 0, 0.8, 0.95, 1e-6);
  const r2 = new ReferenceAdamW([1, -0.3, 0.7, 4], 0.05, 0.1, 0.8, 0.95, 1e-6);
  for (let step = 0; step < 8; step++) {
    const g1 = grads(step, 3, 1);
    const g2 = grads(step + 10, 4, 0.01 * (step + 1)); // small and growing gradients
    setGrad(p1, g1);
    setGrad(p2, g2);
    opt.update();
    opt.zeroGrad();
    r1.step(g1);
    r2.step(g2);
    R.assertClose([...p1.dataSync()], r1.theta, { atol: 1e-14, rtol: 1e-13 }, `group 1 after step ${step + 1}`);
    R.assertClose([...p2.dataSync()], r2.theta, { atol: 1e-14, rtol: 1e-13 }, `group 2 after step ${step + 1}`);
  }
  assert.equal(opt.step, 8);
  opt.dispose();
});

test('AdamW in f32 stays within f32 rounding of the float64 reference; the default hyper-parameters are PyTorch’s', async () => {
  const p = tensor([0.25, -0.5], [2]).param();
  const opt = new AdamW([{ params: [p], lr: 1e-3, weightDecay: 0.01 }]);
  const ref = new ReferenceAdamW([0.25, -0.5], 1e-3, 0.01); // β1 0.9, β2 0.999, ε 1e-8
  for (let step = 0; step < 6; step++) {
    const g = grads(step, 2, 0.3);
    setGrad(p, g.map(Math.fround));
    opt.update();
    opt.zeroGrad();
    ref.step(g.map(Math.fround));
  }
  R.assertClose([...(await p.data())], ref.theta, { atol: 1e-7, rtol: 1e-6 }, 'f32 AdamW');
  opt.dispose();
});

test('AdamW skips parameters without a gradient and scaleLr scales each group from its base lr', async () => {
  const a = tensor([1, 2], [2], valueDtype).param();
  const b = tensor([3], [1], valueDtype).param();
  const opt = new AdamW([{ params: [a], lr: 0.1 }, { params: [b], lr: 0.3, weightDecay: 0.5 }]);
  opt.scaleLr(0.5);
  assert.deepEqual(opt.groups.map((g) => g.lr), [0.05, 0.15]);
  setGrad(b, [2]);
  opt.update();
  assert.deepEqual([...(await a.data())], [1, 2]);
  const ref = new ReferenceAdamW([3], 0.15, 0.5);
  ref.step([2]);
  R.assertClose([...(await b.data())], ref.theta, valueTol, 'b');
  opt.dispose();
});

test('clipGradNorm: one global norm over all gradients, scaled by maxNorm/(norm + 1e-6)', async () => {
  const a = tensor([3, 0], [2], valueDtype).param();
  const b = tensor([0, 0, 0, 4], [2, 2], valueDtype).param();
  setGrad(a, [3, 0]);
  setGrad(b, [0, 0, 0, 4]);
  const norm = await clipGradNorm([a, b], 1);
  assert.equal(norm, 5); // √(9 + 16)
  const c = 1 / (5 + 1e-6);
  R.assertClose([...(await a.grad!.data())], [3 * c, 0], valueTol, 'a clipped');
  R.assertClose([...(await b.grad!.data())], [0, 0, 0, 4 * c], valueTol, 'b clipped');
  // below the limit: unchanged, the norm is still reported
  const before = [...(await a.grad!.data())];
  R.assertClose([await clipGradNorm([a, b], 10)], [5 * c], valueTol, 'norm after clipping');
  assert.deepEqual([...(await a.grad!.data())], before);
  assert.equal(await clipGradNorm([tensor([1]).param()], 1), 0, 'no gradients: norm 0');
});

test('stepAsync clips each group by its own maxGradNorm, then updates', async () => {
  const a = tensor([1, 1], [2], valueDtype).param();
  const b = tensor([1, 1], [2], valueDtype).param();
  const opt = new AdamW([{ params: [a], lr: 0.1, maxGradNorm: 1 }, { params: [b], lr: 0.1 }]);
  setGrad(a, [30, 40]);
  setGrad(b, [30, 40]);
  const norms = await opt.stepAsync();
  assert.equal(norms[0], 50);
  assert.ok(Number.isNaN(norms[1]), 'no clipping configured: NaN');
  const ra = new ReferenceAdamW([1, 1], 0.1, 0);
  ra.step([30 / (50 + 1e-6), 40 / (50 + 1e-6)]);
  R.assertClose([...(await a.data())], ra.theta, valueTol, 'a');
  opt.dispose();
});

test('linearWarmupDecay at chosen steps (HF get_linear_schedule_with_warmup)', () => {
  // warmup 10, total 110: step/10 up to 10, then (110 − step)/100 down to 0 and clamped
  const cases: [number, number][] = [[0, 0], [1, 0.1], [5, 0.5], [10, 1], [35, 0.75], [60, 0.5], [109, 0.01], [110, 0], [200, 0]];
  for (const [step, want] of cases) assert.ok(Math.abs(linearWarmupDecay(step, 10, 110) - want) < 1e-15, `step ${step}: ${linearWarmupDecay(step, 10, 110)} vs ${want}`);
  assert.equal(linearWarmupDecay(0, 0, 10), 1, 'no warmup starts at 1');
});

test('warmupSqrtDecay at chosen steps (official inverse_square: p/w, then (√p − 1)/(√w − 1))', () => {
  // warmup 3000 of total 30000: w = 0.1
  const w = 0.1;
  const cases: [number, number][] = [
    [0, 0],
    [1500, 0.5], // p = 0.05 < w: p/w
    [2999, 2999 / 3000],
    [3000, 1], // p = w: (√w − 1)/(√w − 1)
    [7500, (Math.sqrt(0.25) - 1) / (Math.sqrt(w) - 1)], // p = 1/4: 0.5/0.68377… = 0.73124…
    [30000 * 0.64, (0.8 - 1) / (Math.sqrt(w) - 1)], // p = 0.64, √p = 0.8
    [30000, 0],
    [40000, 0], // past the end: clamped at 0
  ];
  for (const [step, want] of cases) assert.ok(Math.abs(warmupSqrtDecay(step, 3000, 30000) - want) < 1e-12, `step ${step}: ${warmupSqrtDecay(step, 3000, 30000)} vs ${want}`);
  assert.ok(Math.abs(warmupSqrtDecay(7500, 3000, 30000) - 0.7312369) < 1e-6);
});
