// The benchmark's workloads, defined once for `npm run bench` (its child processes) and the browser's
// benchmark page (web/bench.ts): matmul at the bench's shapes, one H=256 encoder layer forward, one
// training step, and labelling with exit policies. Each runs on the engine's one backend (or the one
// it is given); timing is performance.now() around work that ends in a readback or a device sync.
// No Node imports: the page bundles this file.
import type { Backend, MatmulArgs } from '../src/backend/backend.js';
import type { PackedBatch } from '../src/data/batch.js';
import { labelBatch } from '../src/earlyexit/infer.js';
import type { EarlyExitModel } from '../src/earlyexit/model.js';
import type { ExitPolicy } from '../src/earlyexit/policy.js';
import { Bert, fullSegments, type BertConfig } from '../src/nn/bert.js';
import { Linear } from '../src/nn/layers.js';
import { ParamStore } from '../src/nn/module.js';
import { crossEntropy, gatherRows } from '../src/ops/index.js';
import { AdamW } from '../src/optim/adamw.js';
import { fromArray, indices } from '../src/tensor/create.js';
import { noGrad, tidy } from '../src/tensor/engine.js';
import { Rng } from '../src/tensor/random.js';
import type { Row } from './report.js';

/** [M, K, N]: a BERT-base layer's projections (128 tokens), its FFN, the H=256 model's FFN, a small one. */
export const matmulShapes: readonly [number, number, number][] = [
  [128, 768, 768],
  [128, 768, 3072],
  [512, 256, 1024],
  [64, 64, 64],
];

/** Deterministic values in [-0.5, 0.5) (an LCG), the same on every platform. */
export function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** One untimed warm-up call (pipelines, pools, JIT), then `runs` timed calls: milliseconds each. */
export async function timeRuns(fn: () => Promise<void>, runs: number): Promise<number[]> {
  await fn();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

export interface MatmulTiming {
  m: number;
  k: number;
  n: number;
  /** milliseconds per product, one entry per timed run */
  ms: number[];
  /** 2·M·K·N / median time */
  gflops: number;
}

/**
 * Matmul on `be` at one shape: `runs` timed runs (after a warm-up), each `reps` products then a
 * device sync (default: about 50 MFLOP per run, at most 20 products).
 */
export async function timeMatmul(be: Backend, [m, k, n]: readonly [number, number, number], runs: number, reps?: number): Promise<MatmulTiming> {
  const a = be.fromArray(rand(m * k, 1));
  const b = be.fromArray(rand(k * n, 2));
  const args: MatmulArgs = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const flops = 2 * m * k * n;
  const count = reps ?? Math.max(1, Math.min(20, Math.round(5e7 / flops)));
  try {
    const ms = (await timeRuns(async () => {
      for (let r = 0; r < count; r++) be.free(be.matmul(a, b, args));
      await be.sync();
    }, runs)).map((t) => t / count);
    return { m, k, n, ms, gflops: flops / median(ms) / 1e6 };
  } finally {
    be.free(a);
    be.free(b);
  }
}

// ---- model workloads: B = 8 sentences of S = 64 pieces, packed (512 rows) ----

/** Pieces per sentence of the model workloads; B (sentences) is 8 unless a caller shrinks it. */
const S = 64;

export type ModelWorkloadName = 'encoder' | 'encoder768' | 'train';
export const modelWorkloadNames: readonly ModelWorkloadName[] = ['encoder', 'encoder768', 'train'];

export const modelWorkloadNotes: Record<ModelWorkloadName, { title: string; note: string }> = {
  encoder: { title: 'model: encoder layer forward', note: 'One post-LN BERT layer, H=256, 4 heads, B=8 sentences of S=64 pieces (packed, 512 rows), forward only, readback included.' },
  encoder768: { title: 'model: encoder layer forward, H=768', note: "One post-LN BERT layer at BERT-base's H=768, 12 heads, B=8 sentences of S=64 pieces, forward only, readback included." },
  train: { title: 'model: training step', note: 'Embeddings + 4 layers H=256 + 9-label classifier, B=8, S=64: forward, backward, AdamW, loss readback. tokens/s = 512 / median step time.' },
};

export interface Workload {
  /** one timed unit of work, ending in a readback */
  step(): Promise<void>;
  dispose(): void;
}

function bertConfig(layers: number, hidden = 256): BertConfig {
  return { vocabSize: 1000, hidden, layers, heads: hidden / 64, ffn: 4 * hidden, maxPositions: 128, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 };
}

/** A model workload on the engine's backend, its parameters from seed 1, over B sentences of 64 pieces. */
export function modelWorkload(name: ModelWorkloadName, B = 8): Workload {
  const T = B * S;
  const rng = new Rng(1);
  const store = new ParamStore(rng);
  const ids = Int32Array.from({ length: T }, () => rng.int(1000));
  const pos = Int32Array.from({ length: T }, (_, i) => i % S);
  const segs = fullSegments(Int32Array.from({ length: B + 1 }, (_, s) => s * S));
  if (name !== 'train') {
    // one BERT encoder layer forward, H=256 with 4 heads or H=768 with 12
    const hidden = name === 'encoder' ? 256 : 768;
    const bert = new Bert(store, bertConfig(1, hidden));
    const h = fromArray(Float32Array.from({ length: T * hidden }, () => rng.normal()), [T, hidden]).keep();
    return {
      async step() {
        const out = noGrad(() => tidy(() => bert.layers[0]!.forward(h, h, segs, null).out));
        await out.data();
        out.dispose();
      },
      dispose() {
        h.dispose();
        store.dispose();
      },
    };
  }
  // one training step: 4-layer encoder + 9-label token classifier, forward + backward + AdamW
  const bert = new Bert(store, bertConfig(4));
  const head = new Linear(store, 'classifier', 256, 9);
  const labels = Int32Array.from({ length: T }, () => rng.int(9));
  const rows = indices(Int32Array.from({ length: T }, (_, i) => i)).keep();
  const optim = new AdamW([{ params: [...store.params.values()], lr: 1e-4, weightDecay: 0.01 }]);
  return {
    async step() {
      const loss = tidy(() => {
        const d = { p: 0.1, rng };
        let x = bert.embeddings.forward(ids, pos, d); // [T, H]
        for (const layer of bert.layers) x = layer.forward(x, x, segs, d).out;
        const l = crossEntropy(head.forward(gatherRows(x, rows)), labels);
        l.backward();
        return l;
      });
      await loss.item();
      loss.dispose();
      optim.update();
      optim.zeroGrad();
    },
    dispose() {
      optim.dispose();
      rows.dispose();
      store.dispose();
    },
  };
}

/** A model workload's row: median ms, runs and (training) tokens/s, for B sentences. */
export function modelRow(name: ModelWorkloadName, variant: string, description: string, ms: readonly number[], B = 8): Row {
  const row: Row = { case: variant, backend: description, 'median ms': median(ms), runs: ms.length };
  if (name === 'train') row['tokens/s'] = (B * S) / (median(ms) / 1000);
  return row;
}

// ---- early exit: labelling time per policy ----

/**
 * Median seconds to label every batch with each policy (after one warm-up pass per policy), on the
 * engine's backend.
 */
export async function timePolicies(model: EarlyExitModel, batches: readonly PackedBatch[], policies: readonly ExitPolicy[], runs: number): Promise<number[]> {
  const seconds: number[] = [];
  for (const policy of policies) {
    const ms = await timeRuns(async () => {
      for (const b of batches) await labelBatch(model, b, policy);
    }, runs);
    seconds.push(median(ms) / 1000);
  }
  return seconds;
}

/** Rows of the early-exit table: policy 0 is the full model, the measured speedup is against it. */
export function earlyExitRows(caseName: string, names: readonly string[], seconds: readonly number[], flopsSpeedups: readonly number[]): Row[] {
  return names.map((policy, i) => {
    const measured = seconds[0]! / seconds[i]!;
    return { case: caseName, policy, 'median s': seconds[i]!, 'FLOPs speedup': flopsSpeedups[i]!, 'measured speedup': measured, ratio: measured / flopsSpeedups[i]! };
  });
}
