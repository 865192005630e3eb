// offramp train --stage2: self-sampling fine-tuning (paper §3.4) of a trained checkpoint, with a
// progress bar, a dev evaluation under an exit policy after every epoch and the best epoch kept
// on disk, as `train` does for stage 1.
import { resolve } from 'node:path';
import { packBatch } from '../data/batch.js';
import { planBatches, pieceCount } from '../data/batcher.js';
import type { LabelSet, Sentence } from '../data/sentence.js';
import { chooseMetric } from '../earlyexit/evaluate.js';
import { describePolicy } from '../earlyexit/policy.js';
import { officialSelfSampling, trainSelfSampling, type SelfSamplingOptions } from '../earlyexit/selfsampling.js';
import type { TrainOptions } from '../earlyexit/train.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import { RunDir } from '../io/rundir.js';
import { Rng } from '../tensor/random.js';
import {
  type Command, copyFromFlags, formats, num, numList, oneOf, parse, pct, policyFromFlags, policyHelpText, policyOptions, Progress,
  readData, required, str, UsageError, type Format, startBackend, dataFlagOptions, dataOptionsFromFlags,
} from './common.js';
import { checkpointMetric, loadModel } from './eval.js';
import { EpochLoop } from './epochs.js';

const help = `Usage: offramp train --stage2 --from DIR --train FILE [--dev FILE] --out DIR [options]

Stage 2, self-sampling fine-tuning of a trained labeler (paper §3.4, official code's settings).
For every training sentence a window and a threshold are drawn; the uncertainties of the --from
model (computed once, before training) say at which layer each word would leave under TOKEE; the
model is trained with those words halted and copied from that layer on. Sandwich rule: in every
batch 20% of the sentences take the most aggressive setting and 40% the full model. Flooding: the
loss of each word and layer is |CE − CE of the --from model|. After each epoch --dev is labelled
with the exit policy below; the best epoch's checkpoint is kept in --out.

Data:
  --from DIR            the stage-1 checkpoint (written by offramp train) (required)
  --train FILE          training data (required; its labels must be the checkpoint's)
  --dev FILE            dev data scored after every epoch (without it the last epoch is kept)
  --format F            conll | conllu | cluener (default: from the extension)
  --column upos|xpos    CoNLL-U tag column (default upos)
  --max-sentences N     use only the first N training and dev sentences
  --metric M            auto | f1 | accuracy (default: the checkpoint's)
  --out DIR             checkpoint directory (required; not the --from directory; refused when it
                        holds files, unless --force)

Self-sampling:
  --windows LIST        full window widths 2k+1 to draw from (default ${officialSelfSampling.windows.join(',')})
  --thresholds LIST     thresholds to draw from (default ${officialSelfSampling.thresholds.join(',')})
  --exit-source S       stage1 | current | random (default stage1: the --from model, cached;
                        current: the model being trained, before every step; random: uniform
                        exit layers, the paper's random-sampling ablation)
  --no-flooding         train on plain CE

Optimisation:
  --epochs N            (default 2)
  --lr X                off-ramp learning rate (default: half the stage-1 run's, else 5e-4)
  --encoder-lr-ratio R  encoder lr = lr·R (default: the stage-1 run's, else 1)
  --weight-decay X      (default 0.01)
  --batch-pieces N      pieces per batch (default: the stage-1 run's, else 256)
  --warmup N            warmup steps (default 10% of all steps)
  --schedule S          linear | sqrt decay after warmup (default linear)
  --freeze-encoder-epochs N   train only the off-ramps for the first N epochs (default 0)
  --seed N              (default 1)
  --quiet               no progress bar

Dev evaluation (--copy also sets what halted pieces keep in training):
${policyHelpText('tokee')}

Example:
  offramp train --stage2 --from runs/ner --train eng.train --dev eng.testa --out runs/ner-stage2
`;

export const stage2Command: Command = { name: 'train', summary: 'stage 2: self-sampling fine-tuning', help, run: runStage2 };

/** What the stage-1 run recorded in its checkpoint (offramp train writes info.options). */
function stage1Options(info: Record<string, unknown>): { lr?: number; encoderLrRatio?: number; batchPieces?: number } {
  const o = info.options;
  if (typeof o !== 'object' || o === null) return {};
  const pick = (k: string): number | undefined => {
    const x = (o as Record<string, unknown>)[k];
    return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
  };
  return { lr: pick('lr'), encoderLrRatio: pick('encoderLrRatio'), batchPieces: pick('batchPieces') };
}

/** Training data must use the checkpoint's labels: a new one has no off-ramp output. */
function checkLabels(sentences: readonly Sentence[], file: string, labels: LabelSet): void {
  sentences.forEach((s, i) => {
    for (const label of s.labels) {
      if (labels.find(label) === undefined) throw new Error(`${file}: sentence ${i + 1} has label ${JSON.stringify(label)}, which the checkpoint does not know [${labels.labels.join(' ')}]`);
    }
  });
}

export async function runStage2(argv: string[]): Promise<void> {
  const p = parse(stage2Command, argv, {
    from: { type: 'string' }, train: { type: 'string' }, dev: { type: 'string' }, ...dataFlagOptions, force: { type: 'boolean' }, 'allow-non-finite': { type: 'boolean' },
    'max-sentences': { type: 'string' }, metric: { type: 'string' }, out: { type: 'string' },
    windows: { type: 'string' }, thresholds: { type: 'string' }, 'exit-source': { type: 'string' }, 'no-flooding': { type: 'boolean' },
    epochs: { type: 'string' }, lr: { type: 'string' }, 'encoder-lr-ratio': { type: 'string' }, 'weight-decay': { type: 'string' },
    'batch-pieces': { type: 'string' }, warmup: { type: 'string' }, schedule: { type: 'string' }, 'freeze-encoder-epochs': { type: 'string' },
    seed: { type: 'string' }, quiet: { type: 'boolean' }, ...policyOptions,
  });
  if (!p) return;
  const v = p.values;
  const from = required(v, 'from');
  const trainFile = required(v, 'train');
  const out = required(v, 'out');
  if (resolve(out) === resolve(from)) throw new UsageError(`--out must differ from --from (${from} holds the stage-1 model the losses are measured against)`);
  const format = str(v, 'format') === undefined ? undefined : oneOf<Format>(v, 'format', formats, 'conll');
  const data = dataOptionsFromFlags(v);
  const column = data.column;
  const maxSentences = num(v, 'max-sentences', undefined, { int: true, min: 1 });
  const windows = numList(v, 'windows', officialSelfSampling.windows, { int: true, min: 1 });
  const even = windows.find((w) => w % 2 === 0);
  if (even !== undefined) throw new UsageError(`--windows are full widths 2k+1 and must be odd, got ${even}`);
  const thresholds = numList(v, 'thresholds', officialSelfSampling.thresholds, { min: 0 });
  const exitSource = oneOf(v, 'exit-source', ['stage1', 'current', 'random'] as const, 'stage1');
  const epochCount = num(v, 'epochs', 2, { int: true, min: 1 });
  const lrFlag = num(v, 'lr', undefined, { min: 0, above: true });
  const ratioFlag = num(v, 'encoder-lr-ratio', undefined, { min: 0 });
  const weightDecay = num(v, 'weight-decay', 0.01, { min: 0 });
  const piecesFlag = num(v, 'batch-pieces', undefined, { int: true, min: 3 });
  const warmupFlag = num(v, 'warmup', undefined, { int: true, min: 0 });
  const schedule = oneOf(v, 'schedule', ['linear', 'sqrt'] as const, 'linear');
  const freezeEncoderEpochs = num(v, 'freeze-encoder-epochs', 0, { int: true, min: 0 });
  const seed = num(v, 'seed', 1, { int: true, min: 0 });
  const quiet = v.quiet === true;
  const copy = copyFromFlags(v);
  policyFromFlags(v, Number.MAX_SAFE_INTEGER, 'tokee'); // flag mistakes first, before any file is read

  await startBackend(quiet);
  RunDir.open(out, v.force === true ? 'force' : 'new').release(); // refuse a used --out before the work
  const ckpt = await loadModel(from, v);
  const { model, tokenizer, labels } = ckpt;
  const policy = policyFromFlags(v, model.layers, 'tokee');
  const cap = <T>(xs: T[]): T[] => (maxSentences === undefined ? xs : xs.slice(0, maxSentences));
  const train = cap(readData(trainFile, format, data));
  checkLabels(train, trainFile, labels);
  const devFile = str(v, 'dev');
  const dev = devFile === undefined ? null : cap(readData(devFile, format, data));
  const metric = checkpointMetric(ckpt, v) ?? chooseMetric(labels.labels);
  const stage1 = stage1Options(ckpt.config.info);
  const lr = lrFlag ?? (stage1.lr === undefined ? 5e-4 : stage1.lr / 2);
  const encoderLrRatio = ratioFlag ?? stage1.encoderLrRatio ?? 1;
  const batchPieces = piecesFlag ?? stage1.batchPieces ?? 256;

  // fixed batches: the stage-1 statistics are cached per batch, only their order is shuffled per epoch
  const maxPositions = model.cfg.bert.maxPositions;
  const plan = planBatches(train.map((s) => pieceCount(s, tokenizer)), { maxPieces: batchPieces, rng: new Rng(seed) });
  const batches = plan.map((idx) => packBatch(idx.map((i) => train[i]!), tokenizer, labels, { maxPositions }));
  const warmup = warmupFlag ?? Math.round(0.1 * batches.length * epochCount);
  const options: Partial<TrainOptions> = { epochs: epochCount, lr, encoderLrRatio, weightDecay, warmup, schedule, freezeEncoderEpochs, seed };
  const sampling: Partial<SelfSamplingOptions> = { windows, thresholds, exitSource, flooding: v['no-flooding'] !== true, copy };
  const b = model.cfg.bert;
  process.stderr.write(
    `stage 2 from ${from}: L=${b.layers} H=${b.hidden}; train: ${train.length} sentences${dev ? `, dev: ${dev.length}` : ''}; metric ${metric}\n` +
      `self-sampling: windows ${windows.join(',')}, thresholds ${thresholds.join(',')}, exits from ${exitSource}, ${sampling.flooding ? 'flooding' : 'plain CE'}, copy ${copy}\n` +
      `optim: ${epochCount} epochs × ${batches.length} steps, lr ${lr} (encoder ×${encoderLrRatio}), warmup ${warmup}, ${schedule}; dev policy ${describePolicy(policy)}\n`,
  );

  const epochs = new EpochLoop({ model, tokenizer, labels, dev, metric, epochs: epochCount, devPolicy: { policy, copy }, quiet });
  if (dev) {
    const before = await epochs.scoreDev();
    process.stderr.write(`stage 1: ${epochs.metricName} ${pct(before.score)} at ${before.speedup.toFixed(2)}x\n`);
  }

  const statsProgress = new Progress('stage-1 statistics', batches.length, 'batches', process.stderr, quiet);
  await trainSelfSampling(model, batches, sampling, options, {
    onStats: (done, total) => {
      statsProgress.update(done, done);
      if (done < total) return;
      statsProgress.end();
      epochs.restartClock();
    },
    onStep: (info) => epochs.onStep(info, batches.length),
    async onEpoch(epoch) {
      const { record, better } = await epochs.endEpoch(epoch);
      if (better) {
        await saveCheckpoint(out, model, tokenizer, labels, {
          trainedBy: 'offramp train --stage2', stage: 2, from, fromId: ckpt.config.id,
          train: trainFile, dev: devFile ?? null, format: format ?? 'auto', column, maxSentences: maxSentences ?? null,
          options: { ...options, batchPieces }, sampling, devPolicy: describePolicy(policy),
          metric, epoch: epoch + 1, devScore: record.dev, devSpeedup: record.speedup, history: epochs.history,
        });
      }
      process.stderr.write(`${epochs.summary(record, better, better ? out : null)}\n`);
    },
  });
  const { bestEpoch, bestDev } = epochs;
  const bestText = bestDev === null ? `epoch ${bestEpoch}` : `epoch ${bestEpoch} (${epochs.metricName} ${pct(bestDev)} under ${describePolicy(policy)})`;
  process.stdout.write(`best: ${bestText}, saved in ${out}\n`);
  model.dispose();
}
