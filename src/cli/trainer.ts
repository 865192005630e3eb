// The joint (stage-1) training loop as the CLI runs it: seeded batches by a piece budget, a
// progress bar, a dev evaluation after every epoch (last layer, i.e. the full model) and the
// best checkpoint kept on disk. Shared by `train` and `demo`.
import { packBatch, type PackedBatch } from '../data/batch.js';
import { planBatches, pieceCount } from '../data/batcher.js';
import type { LabelSet, Sentence } from '../data/sentence.js';
import type { WordPiece } from '../data/wordpiece.js';
import { evaluate, type EvalResult, type Metric } from '../earlyexit/evaluate.js';
import type { EarlyExitModel } from '../earlyexit/model.js';
import { trainJoint, type TrainOptions } from '../earlyexit/train.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import { pct, Progress } from './common.js';

export interface TrainSetup {
  model: EarlyExitModel;
  tokenizer: WordPiece;
  labels: LabelSet;
  train: readonly Sentence[];
  dev: readonly Sentence[] | null;
  metric: Metric;
  options: Partial<TrainOptions> & { epochs: number };
  batchPieces: number;
  /** checkpoint directory (best dev score; the last epoch without dev); null: keep nothing */
  out: string | null;
  /** stored in the checkpoint's config.json under info */
  info: Record<string, unknown>;
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** dev score of the last layer (null without dev data) */
  dev: number | null;
  seconds: number;
  tokensPerSecond: number;
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

export async function runTraining(s: TrainSetup): Promise<TrainOutcome> {
  const log = s.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const counts = s.train.map((x) => pieceCount(x, s.tokenizer));
  const maxPositions = s.model.cfg.bert.maxPositions;
  const history: EpochRecord[] = [];
  let bestEpoch = -1;
  let bestDev: number | null = null;
  let lastDev: EvalResult | null = null;
  let progress: Progress | null = null;
  let epochStart = performance.now();
  let epochTokens = 0;
  let lossSum = 0;
  let lossCount = 0;
  let stepsThisEpoch = 0;
  const batches = (_epoch: number, rng: { uniform(): number }): PackedBatch[] => {
    const plan = planBatches(counts, { maxPieces: s.batchPieces, rng });
    stepsThisEpoch = plan.length;
    return plan.map((idx) => packBatch(idx.map((i) => s.train[i]!), s.tokenizer, s.labels, { maxPositions }));
  };
  let epochStep = 0;
  await trainJoint(
    s.model,
    {
      batches,
      onStep(info) {
        if (epochStep === 0) {
          progress = new Progress(`epoch ${info.epoch + 1}/${s.options.epochs}`, stepsThisEpoch, 'tokens', process.stderr, s.quiet, epochStart);
          epochTokens = 0;
          lossSum = 0;
          lossCount = 0;
        }
        epochStep++;
        epochTokens += info.tokens;
        lossSum += info.loss;
        lossCount++;
        progress!.update(epochStep, epochTokens, `loss ${(lossSum / lossCount).toFixed(4)}`);
      },
      async onEpoch(epoch) {
        progress?.end();
        const seconds = (performance.now() - epochStart) / 1000;
        const loss = lossSum / Math.max(1, lossCount);
        epochStep = 0;
        let dev: number | null = null;
        if (s.dev) {
          const devProgress = new Progress('  dev', s.dev.length, 'sentences', process.stderr, s.quiet);
          lastDev = await evaluate(s.model, s.dev, s.tokenizer, s.labels, {
            policy: { kind: 'full' },
            metric: s.metric,
            onProgress: (d) => devProgress.update(d.sentences, d.sentences),
          });
          devProgress.end();
          dev = lastDev.score;
        }
        const record: EpochRecord = { epoch: epoch + 1, loss, dev, seconds, tokensPerSecond: epochTokens / Math.max(seconds, 1e-9) };
        history.push(record);
        const better = s.dev === null || (dev !== null && (bestDev === null || dev > bestDev));
        if (better) {
          bestEpoch = epoch + 1;
          bestDev = dev;
        }
        let saved = '';
        if (better && s.out !== null) {
          await saveCheckpoint(s.out, s.model, s.tokenizer, s.labels, {
            ...s.info,
            metric: s.metric,
            epoch: epoch + 1,
            devScore: dev,
            history,
          });
          saved = `  saved to ${s.out}`;
        }
        const metricName = s.metric === 'f1' ? 'dev span F1' : 'dev accuracy';
        epochStart = performance.now();
        log(`epoch ${epoch + 1}/${s.options.epochs}  loss ${loss.toFixed(4)}  ${s.dev ? `${metricName} ${pct(dev)}  ` : ''}${record.tokensPerSecond.toFixed(0)} tokens/s  ${seconds.toFixed(1)} s${better ? ' *' : ''}${saved}`);
      },
    },
    s.options,
  );
  return { history, bestEpoch, bestDev, lastDev };
}
