// Fused kernels against their composites, through the ops on the active backend (env OFFRAMP_BACKEND):
// the benchmark that decides whether a backend keeps a fused kernel (docs/architecture.md). Each case
// runs forward and backward (AdamW: one update); the two forms alternate, medians of the timings.
import { init, tidy, type Backend } from '../src/index.js';
import { randn, zeros } from '../src/tensor/create.js';
import { Rng } from '../src/tensor/random.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { layerNorm, layerNormComposite } from '../src/ops/layernorm.js';
import { sparseQueryAttention, sparseQueryAttentionComposite, type AttentionSegment } from '../src/ops/attention.js';
import { AdamW, adamwComposite } from '../src/optim/adamw.js';
import type { BenchContext, Row, Section } from './report.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median ms of each form, alternating them `reps` times after one warm-up each. */
async function sideBySide(be: Backend, forms: Record<string, () => void>, reps: number): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(forms).map((k) => [k, []]));
  for (let i = -1; i < reps; i++) {
    for (const [name, run] of Object.entries(forms)) {
      const t0 = performance.now();
      run();
      await be.sync();
      if (i >= 0) times[name]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

/** forward, then backward with the output itself as the seed gradient; gradients cleared after. */
function forwardBackward(params: Tensor[], f: () => Tensor): () => void {
  return () => {
    tidy(() => {
      const y = f();
      y.backward(y);
    });
    for (const p of params) p.zeroGrad();
  };
}

export const fusedSection: Section = {
  name: 'fused kernels vs composites',
  note: 'median ms per call on the active backend (OFFRAMP_BACKEND), forward + backward through the ops; shapes of the model benchmark (T = 512 tokens, H = 256, 4 heads; sentences of 64 and of 16 tokens). A fused kernel stays on a backend only where it is faster here.',
  async run(ctx: BenchContext): Promise<Row[]> {
    const be = await init({ log: false });
    const rng = new Rng(1);
    const [T, H, heads] = [512, 256, 4];
    const reps = ctx.quick ? 3 : 9;
    const rows: Row[] = [];
    const add = (name: string, r: Record<string, number>) =>
      rows.push({ case: name, backend: be.name, 'fused ms': r.fused!, 'composite ms': r.composite!, 'composite / fused': r.composite! / r.fused! });

    const x = randn([T, H], rng).param();
    const gamma = randn([H], rng).param();
    const beta = randn([H], rng).param();
    add(`layerNorm [${T}, ${H}]`, await sideBySide(be, {
      fused: forwardBackward([x, gamma, beta], () => layerNorm(x, gamma, beta)),
      composite: forwardBackward([x, gamma, beta], () => layerNormComposite(x, gamma, beta)),
    }, reps));

    const [q, k, v] = [randn([T, H], rng).param(), randn([T, H], rng).param(), randn([T, H], rng).param()];
    // long and short sentences: per-segment dispatches make the composite's cost grow with their number
    for (const len of [64, 16]) {
      const segments: AttentionSegment[] = Array.from({ length: T / len }, (_, s) => ({ qStart: s * len, qEnd: s * len + len, kStart: s * len, kEnd: s * len + len }));
      add(`sparseQueryAttention ${T / len} × ${len} tokens, ${heads} heads`, await sideBySide(be, {
        fused: forwardBackward([q, k, v], () => sparseQueryAttention(q, k, v, segments, heads)),
        composite: forwardBackward([q, k, v], () => sparseQueryAttentionComposite(q, k, v, segments, heads)),
      }, reps));
    }

    const n = 1 << 20;
    const p = randn([n], rng).param();
    p.grad = randn([n], rng).keep();
    const opt = new AdamW([{ params: [p], lr: 1e-3, weightDecay: 0.01 }]);
    const [m, vv] = [zeros([n]).keep(), zeros([n]).keep()];
    const args = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, bc1: 0.1, bc2: 0.001 };
    add(`AdamW update, ${n} params`, await sideBySide(be, {
      fused: () => opt.update(),
      composite: () => adamwComposite(p, p.grad!, m, vv, args),
    }, reps));
    opt.dispose();
    for (const t of [x, gamma, beta, q, k, v, p, p.grad, m, vv]) t.dispose();
    return rows;
  },
};
