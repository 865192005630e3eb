// The op parity cases: for every differentiable op (gradOps), a case built from a seed (shapes,
// values, indices and dropout masks all come from one Rng), run forward and then backward through a
// random linear functional of the output. Shared by the WebGPU parity suite (test/backend/webgpu.test.ts,
// through its mirror backend) and the browser's parity page (web/parity.ts), whose results the browser
// test compares with these cases run in Node on the CPU backend: the same seed gives the same inputs
// on every platform. No Node imports: the page bundles this file.
import { unaryTable } from '../../src/backend/elementwise.js';
import { unaryGradOps } from '../../src/ops/elementwise.js';
import * as ops from '../../src/ops/index.js';
import type { GradOp } from '../../src/ops/index.js';
import type { AttentionSegment } from '../../src/ops/attention.js';
import { fromArray, indices, randn } from '../../src/tensor/create.js';
import { Rng } from '../../src/tensor/random.js';
import { sizeOf } from '../../src/tensor/shape.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export function values(rng: Rng, n: number, f: (r: Rng) => number = (r) => r.normal() * 2): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = f(rng);
  return a;
}


export interface OpCase {
  /** leaves that need gradients */
  params: Tensor[];
  run(ps: Tensor[]): Tensor;
}

const p = (rng: Rng, shape: number[], f?: (r: Rng) => number): Tensor =>
  (f ? fromArray(values(rng, sizeOf(shape), f), shape) : randn(shape, rng)).param();
const positive = (r: Rng) => Math.exp(r.normal() * 0.5);

/** Every differentiable unary op of the elementwise table, on its domain. */
const tableUnaryCases = Object.fromEntries(unaryGradOps.map((op) => [op, (r: Rng): OpCase =>
  ({ params: [p(r, [3, 7], unaryTable[op].domain === 'positive' ? positive : undefined)], run: ([a]) => ops.unary(op, a!) })])) as Record<(typeof unaryGradOps)[number], (r: Rng) => OpCase>;

/** Random shapes per case come from the rng; every op of gradOps must appear (the type enforces it). */
export const opCases: { [K in GradOp]: (r: Rng) => OpCase } = {
  ...tableUnaryCases,
  add: (r) => ({ params: [p(r, [3, 4]), p(r, [4])], run: ([a, b]) => ops.add(a!, b!) }),
  sub: (r) => ({ params: [p(r, [2, 1, 5]), p(r, [3, 5])], run: ([a, b]) => ops.sub(a!, b!) }),
  mul: (r) => ({ params: [p(r, [4, 3]), p(r, [4, 1])], run: ([a, b]) => ops.mul(a!, b!) }),
  div: (r) => ({ params: [p(r, [3, 5]), p(r, [5], (q) => 1 + q.uniform())], run: ([a, b]) => ops.div(a!, b!) }),
  pow: (r) => ({ params: [p(r, [9], positive)], run: ([a]) => ops.pow(a!, 2.5) }),
  where: (r) => {
    const cond = fromArray(values(r, 12, (q) => (q.uniform() < 0.5 ? 0 : 1)), [3, 4]);
    return { params: [p(r, [3, 4]), p(r, [4])], run: ([a, b]) => ops.where(cond, a!, b!) };
  },
  sum: (r) => ({ params: [p(r, [3, 4, 5])], run: ([a]) => ops.sum(a!, [0, 2]) }),
  mean: (r) => ({ params: [p(r, [3, 300])], run: ([a]) => ops.mean(a!, -1, true) }),
  max: (r) => ({ params: [p(r, [4, 6])], run: ([a]) => ops.max(a!, 1) }),
  reshape: (r) => ({ params: [p(r, [4, 6])], run: ([a]) => ops.mul(ops.reshape(a!, [2, 12]), 3) }),
  permute: (r) => ({ params: [p(r, [2, 3, 4])], run: ([a]) => ops.permute(a!, [2, 0, 1]) }),
  slice: (r) => ({ params: [p(r, [5, 6])], run: ([a]) => ops.slice(a!, [1, 2], [4, 5]) }),
  pad: (r) => ({ params: [p(r, [2, 3])], run: ([a]) => ops.pad(a!, [4, 5], [1, 2]) }),
  concat: (r) => ({ params: [p(r, [2, 3]), p(r, [2, 4])], run: ([a, b]) => ops.concat([a!, b!], 1) }),
  sumTo: (r) => ({ params: [p(r, [2, 3, 5])], run: ([a]) => ops.sumTo(a!, [3, 1]) }),
  expand: (r) => ({ params: [p(r, [3, 1])], run: ([a]) => ops.expand(a!, [2, 3, 5]) }),
  matmul: (r) => ({ params: [p(r, [2, 5, 7]), p(r, [3, 7])], run: ([a, b]) => ops.matmul(a!, b!, { transB: true }) }),
  gatherRows: (r) => {
    const idx = indices([3, 0, 3, 1, 4, 3]);
    return { params: [p(r, [5, 4])], run: ([a]) => ops.gatherRows(a!, idx) };
  },
  scatterRows: (r) => {
    const idx = indices([4, 0, 2]);
    return { params: [p(r, [6, 3]), p(r, [3, 3])], run: ([d, x]) => ops.scatterRows(d!, x!, idx) };
  },
  scatterAddRows: (r) => {
    const idx = indices([2, 2, 0, 5, 2]);
    return { params: [p(r, [5, 3])], run: ([a]) => ops.scatterAddRows(a!, idx, 6) };
  },
  softmax: (r) => ({ params: [p(r, [4, 7])], run: ([a]) => ops.softmax(a!) }),
  logSoftmax: (r) => ({ params: [p(r, [4, 7])], run: ([a]) => ops.logSoftmax(a!) }),
  layerNorm: (r) => {
    const h = [1, 8, 67][r.int(3)]!;
    const eps = r.uniform() < 0.5 ? 1e-5 : 1e-12;
    return { params: [p(r, [2, r.int(4), h]), p(r, [h]), p(r, [h])], run: ([x, g, b]) => ops.layerNorm(x!, g!, b!, eps) };
  },
  dropout: (r) => {
    const seed = r.nextU32();
    return { params: [p(r, [6, 5])], run: ([a]) => ops.dropout(a!, 0.3, new Rng(seed)) };
  },
  sparseQueryAttention: (r) => {
    // 1–4 packed sentences of 0–5 keys with 0–3 active query rows each (so some have no queries and
    // some no keys), 1–3 heads of an odd or even width
    const heads = 1 + r.int(3);
    const d = [1, 3, 4, 5][r.int(4)]!;
    const segments: AttentionSegment[] = [];
    let q0 = 0;
    let k0 = 0;
    for (let s = 0, count = 1 + r.int(4); s < count; s++) {
      const m = r.int(4);
      const n = r.int(6);
      segments.push({ qStart: q0, qEnd: q0 + m, kStart: k0, kEnd: k0 + n });
      q0 += m;
      k0 += n;
    }
    const h = heads * d;
    return { params: [p(r, [q0, h]), p(r, [k0, h]), p(r, [k0, h])], run: ([q, k, v]) => ops.sparseQueryAttention(q!, k!, v!, segments, heads) };
  },
  crossEntropy: (r) => {
    const targets = [2, -100, 0, 4, 1];
    return { params: [p(r, [5, 5])], run: ([a]) => ops.crossEntropy(a!, targets) };
  },
};

/** A case's graph after the backward pass: the output and the leaves, whose .grad is set. */
export interface OpGraph {
  out: Tensor;
  params: Tensor[];
  dispose(): void;
}

/** Build case `name` from `seed`, run it, and back-propagate a random linear functional of its output (every output element gets its own gradient). */
export function opGraph(name: GradOp, seed: number): OpGraph {
  const r = new Rng(seed);
  const c = opCases[name](r);
  const out = c.run(c.params);
  const w = fromArray(values(r, out.size), out.shape);
  const loss = ops.sum(ops.mul(out, w));
  loss.backward();
  return {
    out,
    params: c.params,
    dispose() {
      for (const q of c.params) {
        q.dispose();
        q.zeroGrad();
      }
      for (const t of [out, w, loss]) t.dispose();
    },
  };
}

/** One case's values on the engine's backend, as plain arrays (to cross a page boundary as JSON). */
export interface OpResult {
  op: GradOp;
  seed: number;
  forward: number[];
  /** d loss / d input, per input */
  grads: number[][];
}

export async function runOpCase(op: GradOp, seed: number): Promise<OpResult> {
  const g = opGraph(op, seed);
  try {
    const forward = Array.from(await g.out.data());
    const grads: number[][] = [];
    for (const [i, q] of g.params.entries()) {
      if (!q.grad) throw new Error(`${op}: input ${i} got no gradient`);
      grads.push(Array.from(await q.grad.data()));
    }
    return { op, seed, forward, grads };
  } finally {
    g.dispose();
  }
}
