// The per-epoch bookkeeping of the training commands (`train` and `train --stage2`): a progress bar
// over each epoch's steps, the epoch's mean loss and tokens/s, a dev evaluation under an exit
// policy with its own progress bar, the best epoch so far, and the one-line epoch summary.
import type { LabelSet, Sentence } from '../data/sentence.js';
import type { WordPiece } from '../data/wordpiece.js';
import { evaluate, type EvalResult, type Metric } from '../earlyexit/evaluate.js';
import type { EarlyExitModel } from '../earlyexit/model.js';
import type { ExitPolicy } from '../earlyexit/policy.js';
import type { CopyMode } from '../earlyexit/runner.js';
import { pct, Progress } from './common.js';

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** dev score under the dev policy (null without dev data) */
  dev: number | null;
  /** the dev policy's speedup (stage 2 only: stage 1 scores the full model) */
  speedup?: number | null;
  seconds: number;
  tokensPerSecond: number;
}

export interface EpochLoopSetup {
  model: EarlyExitModel;
  tokenizer: WordPiece;
  labels: LabelSet;
  dev: readonly Sentence[] | null;
  metric: Metric;
  epochs: number;
  /** how dev is labelled (default: the full model); with a policy the speedup is reported too */
  devPolicy?: { policy: ExitPolicy; copy: CopyMode };
  quiet?: boolean;
}

/** Where a resumed run left off. */
export interface EpochProgress {
  history: EpochRecord[];
  bestEpoch: number;
  bestDev: number | null;
}

export class EpochLoop implements EpochProgress {
  history: EpochRecord[] = [];
  bestEpoch = -1;
  bestDev: number | null = null;
  /** the last dev evaluation (null without dev data) */
  lastDev: EvalResult | null = null;
  private progress: Progress | null = null;
  private epochStart = performance.now();
  private step = 0;
  private tokens = 0;
  private lossSum = 0;

  constructor(
    private readonly s: EpochLoopSetup,
    resumed?: EpochProgress,
  ) {
    if (resumed) {
      this.history = resumed.history;
      this.bestEpoch = resumed.bestEpoch;
      this.bestDev = resumed.bestDev;
    }
  }

  get metricName(): string {
    return this.s.metric === 'f1' ? 'dev span F1' : 'dev accuracy';
  }

  /** Start the epoch clock again (after work that is no part of the epoch, e.g. stage 2's statistics). */
  restartClock(): void {
    this.epochStart = performance.now();
  }

  /** One training step of `steps` in this epoch. */
  onStep(info: { epoch: number; tokens: number; loss: number }, steps: number): void {
    if (this.step === 0) {
      this.progress = new Progress(`epoch ${info.epoch + 1}/${this.s.epochs}`, steps, 'tokens', process.stderr, this.s.quiet, this.epochStart);
      this.tokens = 0;
      this.lossSum = 0;
    }
    this.step++;
    this.tokens += info.tokens;
    this.lossSum += info.loss;
    this.progress!.update(this.step, this.tokens, `loss ${(this.lossSum / this.step).toFixed(4)}`);
  }

  /** Label dev under the dev policy, with a progress bar. */
  async scoreDev(): Promise<EvalResult> {
    const dev = this.s.dev!;
    const progress = new Progress('  dev', dev.length, 'sentences', process.stderr, this.s.quiet);
    const r = await evaluate(this.s.model, dev, this.s.tokenizer, this.s.labels, {
      ...(this.s.devPolicy ?? { policy: { kind: 'full' } }),
      metric: this.s.metric,
      onProgress: (d) => progress.update(d.sentences, d.sentences),
    });
    progress.end();
    return r;
  }

  /** The end of epoch `epoch` (0-based): its record (also in `history`) and whether it is the best so far. */
  async endEpoch(epoch: number): Promise<{ record: EpochRecord; better: boolean }> {
    this.progress?.end();
    const seconds = (performance.now() - this.epochStart) / 1000;
    const loss = this.lossSum / Math.max(1, this.step);
    this.step = 0;
    this.lastDev = this.s.dev ? await this.scoreDev() : null;
    const dev = this.lastDev?.score ?? null;
    const speedup = this.s.devPolicy ? { speedup: this.lastDev?.speedup ?? null } : {};
    const record: EpochRecord = { epoch: epoch + 1, loss, dev, ...speedup, seconds, tokensPerSecond: this.tokens / Math.max(seconds, 1e-9) };
    this.history.push(record);
    const better = this.s.dev === null || (dev !== null && (this.bestDev === null || dev > this.bestDev));
    if (better) {
      this.bestEpoch = epoch + 1;
      this.bestDev = dev;
    }
    return { record, better };
  }

  /** The epoch's summary line; the next epoch's clock starts here. */
  summary(record: EpochRecord, better: boolean, savedTo: string | null): string {
    this.restartClock();
    const at = record.speedup == null ? '' : ` at ${record.speedup.toFixed(2)}x`;
    const devText = this.s.dev ? `${this.metricName} ${pct(record.dev)}${at}  ` : '';
    const speed = `${record.tokensPerSecond.toFixed(0)} tokens/s  ${record.seconds.toFixed(1)} s`;
    return `epoch ${record.epoch}/${this.s.epochs}  loss ${record.loss.toFixed(4)}  ${devText}${speed}${better ? ' *' : ''}${savedTo ? `  saved to ${savedTo}` : ''}`;
  }
}
