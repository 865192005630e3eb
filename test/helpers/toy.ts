// A fixed toy task for training tests: 16 points in the plane, labelled by angular sector
// (3 classes), fitted by a 2-layer MLP (2 → 16 tanh → 3) with AdamW. Everything comes from one seed.
import { randn, Rng, tensor, tidy, zeros, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { AdamW } from '../../src/optim/adamw.js';

export const TOY_SEED = 42;

export interface ToyRun {
  /** loss before each step (f32 values) */
  losses: number[];
  dispose(): void;
}

export async function trainToy(steps: number, seed = TOY_SEED): Promise<ToyRun> {
  const rng = new Rng(seed);
  const n = 16;
  const pts: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const angle = rng.uniform() * 2 * Math.PI;
    const r = 0.5 + rng.uniform();
    pts.push(r * Math.cos(angle), r * Math.sin(angle));
    labels.push(Math.floor((angle / (2 * Math.PI)) * 3));
  }
  const x = tensor(pts, [n, 2]); // [N, 2]
  const w1 = randn([2, 16], rng, 1).param('w1'); // [2, H]
  const b1 = zeros([16]).param('b1');
  const w2 = randn([16, 3], rng, 0.3).param('w2'); // [H, C]
  const b2 = zeros([3]).param('b2');
  const opt = new AdamW([
    { params: [w1, w2], lr: 0.05, weightDecay: 0.01 },
    { params: [b1, b2], lr: 0.05 },
  ]);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = tidy(() => {
      const hidden = O.tanh(O.add(O.matmul(x, w1), b1)); // [N, H]
      const l = O.crossEntropy(O.add(O.matmul(hidden, w2), b2), labels);
      l.backward();
      return l;
    });
    losses.push((await loss.data())[0]!);
    loss.dispose();
    opt.update();
    opt.zeroGrad();
  }
  return {
    losses,
    dispose: () => {
      opt.dispose();
      [x, w1, b1, w2, b2].forEach((t: Tensor) => t.dispose());
    },
  };
}
