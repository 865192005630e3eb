// The joint (stage-1) training loop as the CLI runs it: seeded batches by a piece budget, a
// progress bar, a dev evaluation after every epoch (last layer, i.e. the full model) and the
// best checkpoint kept on disk. Shared by `train` and `demo`.
import { join } from 'node:path';
import { packBatch, type PackedBatch } from '../data/batch.js';
import { planBatches, pieceCount } from '../data/batcher.js';
import type { LabelSet, Sentence } from '../data/sentence.js';
import type { WordPiece } from '../data/wordpiece.js';
import type { EvalResult, Metric } from '../earlyexit/evaluate.js';
import type { EarlyExitModel } from '../earlyexit/model.js';
import { defaultTrainOptions, trainJoint, type LoopState, type TrainOptions } from '../earlyexit/train.js';
import { checkpointFiles, loadCheckpoint, readCheckpointConfig, writeCheckpointFiles, writeWeights, type Checkpoint } from '../io/checkpoint.js';
import { hasCheckpoint, reuseFiles, type RunDir } from '../io/rundir.js';
import { checkSettings, hasTrainState, readTrainState, writeTrainState, type TrainState } from '../io/trainstate.js';
import { collapseAdvice, collapsedLabel } from '../metrics/collapse.js';
import type { AdamWMoments } from '../optim/adamw.js';
import { EpochLoop, type EpochProgress, type EpochRecord } from './epochs.js';

export interface TrainSetup {
  model: EarlyExitModel;
  tokenizer: WordPiece;
  labels: LabelSet;
  train: readonly Sentence[];
  dev: readonly Sentence[] | null;
  metric: Metric;
  options: Partial<TrainOptions> & { epochs: number };
  batchPieces: number;
  /**
   * where every epoch is saved (the best dev epoch as the model, the last one as training state);
   * null: keep nothing
   */
  run: RunDir | null;
  /** what the run depends on; a resume with other settings is refused */
  settings: Record<string, unknown>;
  /** continue this saved run (see loadResume); its checkpoint's model must be `model` */
  resume?: Resumed | null;
  /** stored in the checkpoint's config.json under info */
  info: Record<string, unknown>;
  /** the encoder was pretrained (--init-hf): the collapse advice does not suggest pretraining */
  pretrained?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
}

/** An interrupted run: the model with its last epoch's weights, and the loop's saved state. */
export interface Resumed {
  checkpoint: Checkpoint;
  state: TrainState;
  moments: Map<string, AdamWMoments>;
}

export interface TrainOutcome {
  history: EpochRecord[];
  bestEpoch: number;
  bestDev: number | null;
  /** the model holds the last epoch's weights; the best ones are in `out` */
  lastDev: EvalResult | null;
}

/** Steps of one epoch for the given piece budget (the unshuffled plan; shuffled plans differ by a batch at most). */
export function stepsPerEpoch(train: readonly Sentence[], tokenizer: WordPiece, batchPieces: number): number {
  return planBatches(train.map((s) => pieceCount(s, tokenizer)), { maxPieces: batchPieces }).length;
}

/**
 * The saved state of the run in `run` (its last epoch's weights, optimizer, rng, history), or null
 * when nothing was saved yet. Refused when the run was started with other settings or when the
 * directory holds a checkpoint without training state.
 */
export async function loadResume(run: RunDir, settings: Record<string, unknown>): Promise<Resumed | null> {
  const current = run.current();
  if (current === null) {
    if (hasCheckpoint(run.dir)) throw new Error(`${run.dir}: holds a checkpoint without training state (an older offramp): nothing to resume; use --force to replace it`);
    return null;
  }
  if (!hasTrainState(current)) throw new Error(`${run.dir}: its checkpoint has no training state (saved by offramp demo or reproduce): nothing to resume; use --force to replace it`);
  const { state, moments } = await readTrainState(current);
  checkSettings(state.settings, settings, run.dir);
  const checkpoint = await loadCheckpoint(current, { weights: state.weights });
  return { checkpoint, state, moments };
}

export async function runTraining(s: TrainSetup): Promise<TrainOutcome> {
  const log = s.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const counts = s.train.map((x) => pieceCount(x, s.tokenizer));
  const maxPositions = s.model.cfg.bert.maxPositions;
  const epochs = new EpochLoop({ ...s, epochs: s.options.epochs }, s.resume?.state.progress as EpochProgress | undefined);
  let savedEpochs = s.resume?.state.epochs ?? 0;
  let stepsThisEpoch = 0;
  const batches = (_epoch: number, rng: { uniform(): number }): PackedBatch[] => {
    const plan = planBatches(counts, { maxPieces: s.batchPieces, rng });
    stepsThisEpoch = plan.length;
    return plan.map((idx) => packBatch(idx.map((i) => s.train[i]!), s.tokenizer, s.labels, { maxPositions }));
  };
  const resume = s.resume;
  const resumeHook = {
    resume: resume ? {
      epochs: resume.state.epochs, step: resume.state.step, totalSteps: resume.state.totalSteps, rng: resume.state.rng,
      restoreOptimizer: (optimizer: LoopState['optimizer']) => optimizer.importState(resume.state.step, resume.moments),
    } : undefined,
  };
  // Ctrl-C: never in the middle of a save; say where the last good checkpoint is.
  let interrupted = false;
  const stop = (): void => {
    const where = s.run === null ? 'nothing is saved (no output directory)'
      : savedEpochs > 0 ? `the last good checkpoint is ${s.run.dir} (epoch ${epochs.bestEpoch} as the model, training state after epoch ${savedEpochs}); continue with --resume`
        : `nothing was saved in ${s.run.dir}`;
    s.run?.release();
    log(`\ninterrupted: ${where}`);
    process.exit(130);
  };
  const onSigint = (): void => {
    interrupted = true;
    if (!s.run?.busy) stop();
  };
  process.on('SIGINT', onSigint);
  try {
    await trainJoint(
      s.model,
      {
        batches,
        onStep: (info) => epochs.onStep(info, stepsThisEpoch),
        async onEpoch(epoch, loop) {
          const { record, better } = await epochs.endEpoch(epoch);
          const { history, bestEpoch, bestDev } = epochs;
          if (s.run !== null) {
            const info = { ...s.info, metric: s.metric, epoch: epoch + 1, devScore: record.dev, history };
            await saveEpoch(s, s.run, loop, better, info, { history, bestEpoch, bestDev });
            savedEpochs = epoch + 1;
          }
          log(epochs.summary(record, better, better && s.run !== null ? s.run.dir : null));
          const lastDev = epochs.lastDev;
          const collapsed = lastDev && s.labels.size > 1 ? collapsedLabel(lastDev.predictions) : null;
          if (collapsed !== null) {
            const { layers } = s.model.cfg.bert;
            log(collapseAdvice({ label: collapsed, epoch: epoch + 1, layers, lr: s.options.lr ?? defaultTrainOptions.lr, batchPieces: s.batchPieces, pretrained: s.pretrained === true }));
          }
          if (interrupted) stop();
        },
        ...resumeHook,
      },
      s.options,
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
  return { history: epochs.history, bestEpoch: epochs.bestEpoch, bestDev: epochs.bestDev, lastDev: epochs.lastDev };
}

/**
 * One epoch as one atomic checkpoint: the best epoch's model files (new ones when this epoch is
 * better, else linked from the previous checkpoint), this epoch's weights when they are not the
 * best, and the training state.
 */
async function saveEpoch(s: TrainSetup, run: RunDir, loop: LoopState, better: boolean, info: Record<string, unknown>, progress: Record<string, unknown>): Promise<void> {
  await run.commit(async (staging, previous) => {
    const fresh = better || previous === null;
    if (fresh) await writeCheckpointFiles(staging, s.model, s.tokenizer, s.labels, info);
    else reuseFiles(previous, staging, checkpointFiles);
    const weights = fresh ? 'model.safetensors' : 'last.safetensors';
    if (!fresh) await writeWeights(join(staging, weights), s.model, (await readCheckpointConfig(staging)).id);
    const state: TrainState = {
      epochs: info.epoch as number, step: loop.step, totalSteps: loop.totalSteps, rng: loop.rng.state(), settings: s.settings, progress, weights,
    };
    await writeTrainState(staging, state, loop.optimizer);
  });
}
