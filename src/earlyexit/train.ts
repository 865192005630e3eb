// Stage 1 (joint) training as the official code does it: loss Σ_l l·CE_l / Σ_l l over all
// off-ramps, AdamW with separate learning rates for the encoder and the off-ramps (no decay on
// biases and LayerNorm), warmup then decay, gradient clipping per group, optional encoder freeze
// for the first epochs. Deterministic for a seed on the CPU backend.
import type { PackedBatch } from '../data/batch.js';
import { AdamW, type ParamGroup } from '../optim/adamw.js';
import { linearWarmupDecay, warmupSqrtDecay } from '../optim/schedule.js';
import { tidy } from '../tensor/engine.js';
import { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EarlyExitModel } from './model.js';

export interface TrainOptions {
  epochs: number;
  /** learning rate of the off-ramps; the encoder's is lr · encoderLrRatio */
  lr: number;
  encoderLrRatio: number;
  weightDecay: number;
  /** warmup steps (linear from 0) */
  warmup: number;
  schedule: 'linear' | 'sqrt';
  clipEncoder: number;
  clipOffRamps: number;
  /** encoder frozen (off-ramps only) for this many first epochs */
  freezeEncoderEpochs: number;
  seed: number;
}

export const defaultTrainOptions: TrainOptions = {
  epochs: 3, lr: 1e-3, encoderLrRatio: 1, weightDecay: 0.01, warmup: 100, schedule: 'linear',
  clipEncoder: 1, clipOffRamps: 5, freezeEncoderEpochs: 0, seed: 1,
};

export interface StepInfo {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  tokens: number;
}

export interface TrainHooks {
  /** batches of one epoch, in the order to train on (shuffle with the given rng) */
  batches(epoch: number, rng: Rng): PackedBatch[];
  onStep?(info: StepInfo): void;
  /** end of an epoch (dev evaluation, checkpointing; `loop` is what a resumable save needs) */
  onEpoch?(epoch: number, loop: LoopState): Promise<void> | void;
  /** continue a saved run instead of starting at epoch 0 */
  resume?: LoopResume;
}

/** The loop's state at the end of an epoch: with the weights, enough to continue the run exactly. */
export interface LoopState {
  optimizer: AdamW;
  rng: Rng;
  /** steps done so far (the schedule's position) */
  step: number;
  totalSteps: number;
}

/** Where a resumed run starts: after `epochs` completed epochs, with the saved optimizer and rng. */
export interface LoopResume {
  epochs: number;
  step: number;
  totalSteps: number;
  rng: readonly number[];
  restoreOptimizer(optimizer: AdamW): void;
}

function noDecay(name: string): boolean {
  return name.endsWith('.bias') || name.includes('LayerNorm');
}

export function paramGroups(model: EarlyExitModel, o: TrainOptions): ParamGroup[] {
  const named = [...model.store.params.entries()];
  const pick = (encoder: boolean, decay: boolean): Tensor[] =>
    named.filter(([n]) => n.startsWith('bert.') === encoder && noDecay(n) !== decay).map(([, t]) => t);
  const enc = o.lr * o.encoderLrRatio;
  return [
    { params: pick(true, true), lr: enc, weightDecay: o.weightDecay, maxGradNorm: o.clipEncoder },
    { params: pick(true, false), lr: enc, weightDecay: 0, maxGradNorm: o.clipEncoder },
    { params: pick(false, true), lr: o.lr, weightDecay: o.weightDecay, maxGradNorm: o.clipOffRamps },
    { params: pick(false, false), lr: o.lr, weightDecay: 0, maxGradNorm: o.clipOffRamps },
  ].filter((g) => g.params.length > 0);
}

/** Train with the joint loss; returns the mean loss of each epoch run (a resumed run: from where it continued). */
export function trainJoint(model: EarlyExitModel, hooks: TrainHooks, opts: Partial<TrainOptions> = {}): Promise<number[]> {
  return trainLoop(model, hooks, (batch, rng) => model.jointLoss(batch, rng), opts);
}

/** Loss of one batch (forward with dropout from rng); the loop does backward, clipping and the step. */
export type BatchLoss = (batch: PackedBatch, rng: Rng) => Tensor;

/**
 * The shared loop of both stages: schedule, freeze, clipping, AdamW, per-epoch hooks. `before`
 * runs ahead of each step for work that needs a readback (e.g. the current model's exits).
 */
export async function trainLoop(model: EarlyExitModel, hooks: TrainHooks, batchLoss: BatchLoss, opts: Partial<TrainOptions> = {}, before?: (batch: PackedBatch) => Promise<void>): Promise<number[]> {
  const o = { ...defaultTrainOptions, ...opts };
  const resume = hooks.resume;
  // A resumed run gets the rng exactly as it was after its last epoch, so it continues bit for bit.
  const rng = resume ? Rng.fromState(resume.rng) : new Rng(o.seed);
  const groups = paramGroups(model, o);
  const optim = new AdamW(groups);
  const epochBatches = (e: number) => hooks.batches(e, rng.fork());
  const first = resume ? resume.epochs : 0;
  const firstBatches = first < o.epochs ? epochBatches(first) : [];
  const totalSteps = resume ? resume.totalSteps : firstBatches.length * o.epochs;
  const encoderParams = model.parameters().filter((p) => p.name.startsWith('bert.'));
  const epochLosses: number[] = [];
  let step = resume ? resume.step : 0;
  try {
    resume?.restoreOptimizer(optim);
    for (let epoch = first; epoch < o.epochs; epoch++) {
      const frozen = epoch < o.freezeEncoderEpochs;
      for (const p of encoderParams) p.requiresGrad = !frozen;
      const batches = epoch === first ? firstBatches : epochBatches(epoch);
      let sum = 0;
      for (const batch of batches) {
        const factor = o.schedule === 'linear' ? linearWarmupDecay(step, o.warmup, totalSteps) : warmupSqrtDecay(step, o.warmup, totalSteps);
        optim.scaleLr(factor);
        await before?.(batch);
        const loss = tidy(() => {
          const l = batchLoss(batch, rng);
          l.backward();
          return l;
        });
        const value = await loss.item();
        loss.dispose();
        if (!Number.isFinite(value)) throw new Error(`training: loss is ${value} at epoch ${epoch + 1}, step ${step + 1}`);
        await optim.stepAsync();
        optim.zeroGrad();
        sum += value;
        step++;
        hooks.onStep?.({ epoch, step, totalSteps, loss: value, tokens: batch.ids.length });
      }
      epochLosses.push(sum / Math.max(1, batches.length));
      await hooks.onEpoch?.(epoch, { optimizer: optim, rng, step, totalSteps });
    }
  } finally {
    for (const p of encoderParams) p.requiresGrad = true;
    optim.dispose();
  }
  return epochLosses;
}
