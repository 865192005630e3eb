// Paper §3.4, self-sampling fine-tuning (stage 2). For each training sentence a window and a
// threshold are drawn, the stage-1 model's uncertainties say at which layer each word would leave
// under TOKEE, and the model is trained with those words halted-and-copied from that layer on
// (gradients flow through the copies). Sandwich rule: in each batch some sentences take the most
// aggressive setting and some the full model. Flooding: per word and layer the loss is
// |CE − CE_stage1| (the official code, flooding bias 0), weighted by layer as in stage 1.
import type { PackedBatch } from '../data/batch.js';
import { abs, add, crossEntropy, div, mul, sub, sum } from '../ops/index.js';
import { fromArray } from '../tensor/create.js';
import { noGrad, tidy } from '../tensor/engine.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EarlyExitModel } from './model.js';
import { HaltAndCopy, type CopyMode } from './runner.js';
import { trainLoop, type StepInfo, type TrainOptions } from './train.js';
import { wordsLeaving, type TokeePolicy } from './policy.js';
import { normalizedEntropy } from './uncertainty.js';

export interface SelfSamplingOptions {
  /** full window widths to draw from (the official code: odd 5…15, i.e. half-width 2…7) */
  windows: number[];
  thresholds: number[];
  /** share of each batch at the most aggressive setting (smallest window, largest threshold) */
  aggressive: number;
  /** share of each batch run at full depth (no exit) */
  full: number;
  /** threshold doubled in the upper half of the layers, every layer's capped at maxThreshold (official simulate_ee) */
  doubleUpper: boolean;
  maxThreshold: number;
  /** where exit layers come from: the cached stage-1 model, the model being trained, or uniform random layers (ablation) */
  exitSource: 'stage1' | 'current' | 'random';
  /** per-word flooding |CE − CE_stage1|; false trains on plain CE */
  flooding: boolean;
  copy: CopyMode;
}

export const officialSelfSampling: SelfSamplingOptions = {
  windows: [5, 7, 9, 11, 13, 15], thresholds: [0.01, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25], aggressive: 0.2, full: 0.4,
  doubleUpper: true, maxThreshold: 0.5, exitSource: 'stage1', flooding: true, copy: 'output',
};

/** Per word of a batch and per layer: uncertainty and cross-entropy of the off-ramp ([W, L] each, row-major). */
export interface LayerStats {
  u: Float32Array;
  ce: Float32Array;
}

/** Uncertainty and CE of every word at every layer, from a full forward without dropout. */
export async function layerStats(model: EarlyExitModel, batch: PackedBatch): Promise<LayerStats> {
  const w = batch.firstPiece.length;
  const L = model.layers;
  const c = model.cfg.numLabels;
  const logits = noGrad(() => tidy(() => model.forwardAll(batch, null)));
  const u = new Float32Array(w * L);
  const ce = new Float32Array(w * L);
  for (let l = 0; l < L; l++) {
    const z = await logits[l]!.data();
    logits[l]!.dispose();
    for (let j = 0; j < w; j++) {
      u[j * L + l] = normalizedEntropy(z, j * c, c);
      const y = batch.labels[j]!;
      if (y < 0) continue;
      let max = -Infinity;
      for (let k = 0; k < c; k++) max = Math.max(max, z[j * c + k]!);
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.exp(z[j * c + k]! - max);
      ce[j * L + l] = Math.log(s) + max - z[j * c + y]!;
    }
  }
  return { u, ce };
}

/**
 * TOKEE simulated on given uncertainties u [n, L] of one sentence with the inference rule
 * (wordsLeaving): the layer each word leaves at. The uncertainties are fixed (no copy effects).
 */
export function simulateExits(u: Float32Array, n: number, layers: number, policy: TokeePolicy): Int32Array {
  const exit = new Int32Array(n).fill(layers);
  const active = new Array<boolean>(n).fill(true);
  const ul = new Float64Array(n);
  for (let l = 1; l < layers; l++) {
    for (let j = 0; j < n; j++) ul[j] = u[j * layers + l - 1]!;
    wordsLeaving(policy, l, layers, ul, active).forEach((leave, j) => {
      if (!leave) return;
      exit[j] = l;
      active[j] = false;
    });
  }
  return exit;
}

/** Exit layer of every word of a batch under the sandwich rule (per packed sentence). */
export function sampleBatchExits(batch: PackedBatch, stats: LayerStats | null, layers: number, o: SelfSamplingOptions, rng: Rng): Int32Array {
  const b = batch.cuWords.length - 1;
  const exits = new Int32Array(batch.firstPiece.length).fill(layers);
  const order = rng.shuffle(Array.from({ length: b }, (_, i) => i));
  const nAggressive = Math.round(o.aggressive * b);
  const nFull = Math.round(o.full * b);
  order.forEach((s, rank) => {
    const w0 = batch.cuWords[s]!;
    const n = batch.cuWords[s + 1]! - w0;
    if (rank >= nAggressive && rank < nAggressive + nFull) return; // full depth
    if (o.exitSource === 'random') {
      for (let j = 0; j < n; j++) exits[w0 + j] = 1 + rng.int(layers);
      return;
    }
    const aggressive = rank < nAggressive;
    const width = aggressive ? Math.min(...o.windows) : o.windows[rng.int(o.windows.length)]!;
    const threshold = aggressive ? Math.max(...o.thresholds) : o.thresholds[rng.int(o.thresholds.length)]!;
    const u = stats!.u.subarray(w0 * layers, (w0 + n) * layers);
    const policy: TokeePolicy = { kind: 'tokee', halfWidth: (width - 1) >> 1, threshold, doubleUpper: o.doubleUpper, maxThreshold: o.maxThreshold };
    exits.set(simulateExits(u, n, layers, policy), w0);
  });
  return exits;
}

/**
 * Stage-2 loss of one batch: every layer runs with the words whose exit layer has passed halted
 * (their pieces copy their state and issue no queries); every off-ramp is supervised on every word.
 */
export function selfSamplingLoss(model: EarlyExitModel, batch: PackedBatch, exits: Int32Array, ce1: Float32Array | null, copy: CopyMode, rng: Rng): Tensor {
  const L = model.layers;
  const w = batch.firstPiece.length;
  const counted = batch.labels.reduce((n, y) => n + (y >= 0 ? 1 : 0), 0);
  const runner = new HaltAndCopy(model, batch, copy, rng, true);
  let total: Tensor | null = null;
  for (let l = 1; l <= L; l++) {
    const { logits } = runner.step(); // [W, C]: every word, since every sentence runs to the end
    let perWord = crossEntropy(logits, batch.labels, { reduction: 'none' }); // [W]
    if (ce1) perWord = abs(sub(perWord, fromArray(Float32Array.from({ length: w }, (_, j) => ce1[j * L + l - 1]!), [w])));
    const term = mul(div(sum(perWord), Math.max(1, counted)), l);
    total = total ? add(total, term) : term;
    for (let j = 0; j < w; j++) if (exits[j] === l) runner.halt(j);
  }
  return div(total!, (L * (L + 1)) / 2);
}

export interface SelfSamplingHooks {
  /** after the stage-1 statistics of each batch are cached (done of total batches) */
  onStats?(done: number, total: number): void;
  onStep?(info: StepInfo): void;
  onEpoch?(epoch: number): Promise<void> | void;
}

/**
 * Stage 2 on a fixed list of training batches (their order is shuffled every epoch). With exit
 * source 'stage1' (and for flooding) the statistics of the model passed in — the stage-1 model —
 * are computed once, before any update, as the official code caches them. With 'current' they are
 * recomputed from the model being trained before each step (the paper's wording).
 */
export async function trainSelfSampling(model: EarlyExitModel, batches: readonly PackedBatch[], sampling: Partial<SelfSamplingOptions> = {}, opts: Partial<TrainOptions> = {}, hooks: SelfSamplingHooks = {}): Promise<number[]> {
  const o = { ...officialSelfSampling, ...sampling };
  const stage1 = new Map<PackedBatch, LayerStats>();
  if (o.exitSource === 'stage1' || o.flooding) {
    for (const batch of batches) {
      stage1.set(batch, await layerStats(model, batch));
      hooks.onStats?.(stage1.size, batches.length);
    }
  }
  let current: LayerStats | null = null;
  return trainLoop(
    model,
    { batches: (_epoch, rng) => rng.shuffle([...batches]), onStep: hooks.onStep, onEpoch: hooks.onEpoch },
    (batch, rng) => {
      const source = o.exitSource === 'stage1' ? stage1.get(batch)! : o.exitSource === 'current' ? current! : null;
      const exits = sampleBatchExits(batch, source, model.layers, o, rng);
      return selfSamplingLoss(model, batch, exits, o.flooding ? stage1.get(batch)!.ce : null, o.copy, rng);
    },
    opts,
    o.exitSource === 'current' ? async (batch) => void (current = await layerStats(model, batch)) : undefined,
  );
}
