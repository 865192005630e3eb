// Find, on a dev set, the SENTEE/TOKEE threshold δ that gives a target FLOPs speedup. Speedup grows
// with δ (for SENTEE exactly: a sentence that leaves at δ leaves at any larger δ; for TOKEE nearly,
// since halted copies change later layers slightly), so bisection works. It runs on log δ while the
// bracket is wide, because useful thresholds span orders of magnitude (0.001 … 0.7), then on δ
// itself. The speedup is a step function of δ on a finite corpus, so the target is met within a
// relative tolerance, or the closest point seen is returned with `reached: false`.
import type { WordTokenizer } from '../data/batch.js';
import type { LabelSet, Sentence } from '../data/sentence.js';
import { evaluate, type EvalOptions, type EvalResult } from './evaluate.js';
import type { EarlyExitModel } from './model.js';
import type { ExitPolicy } from './policy.js';

export interface CalibrateOptions extends Omit<EvalOptions, 'policy'> {
  /** the policy to calibrate; its threshold is ignored */
  policy: Extract<ExitPolicy, { kind: 'sentee' | 'tokee' }>;
  /** target speedup (> 1), in this project's FLOPs count */
  target: number;
  /** accepted |speedup / target − 1| (default 0.02) */
  tolerance?: number;
  /** most evaluations of the dev set (default 16) */
  maxEvaluations?: number;
  /** smallest threshold tried (default 1e-5) */
  minThreshold?: number;
  onEvaluation?(step: CalibrationStep): void;
}

export interface CalibrationStep {
  threshold: number;
  speedup: number;
  score: number | null;
}

export interface Calibration {
  threshold: number;
  /** the evaluation at that threshold */
  result: EvalResult;
  /** speedup within tolerance of the target */
  reached: boolean;
  steps: CalibrationStep[];
}

/** Above every uncertainty (u ≤ 1): every word leaves at layer 1. */
const maxThreshold = 1 + 1e-6;

export async function calibrate(
  model: EarlyExitModel,
  sentences: readonly Sentence[],
  tokenizer: WordTokenizer,
  labelSet: LabelSet,
  opts: CalibrateOptions,
): Promise<Calibration> {
  const { target } = opts;
  if (!(target >= 1)) throw new Error(`calibrate: target speedup must be >= 1, got ${target}`);
  const tolerance = opts.tolerance ?? 0.02;
  const maxEvaluations = Math.max(2, opts.maxEvaluations ?? 16);
  const steps: CalibrationStep[] = [];
  let best: { threshold: number; result: EvalResult } | null = null;
  const miss = (s: number): number => Math.abs(s / target - 1);
  const run = async (threshold: number): Promise<EvalResult> => {
    const result = await evaluate(model, sentences, tokenizer, labelSet, { ...opts, policy: { ...opts.policy, threshold } });
    const step = { threshold, speedup: result.speedup, score: result.score };
    steps.push(step);
    opts.onEvaluation?.(step);
    if (!best || miss(result.speedup) < miss(best.result.speedup)) best = { threshold, result };
    return result;
  };
  const done = (): Calibration => {
    const b = best!;
    return { threshold: b.threshold, result: b.result, reached: miss(b.result.speedup) <= tolerance, steps };
  };

  let lo = opts.minThreshold ?? 1e-5;
  let hi = maxThreshold;
  if ((await run(hi)).speedup < target * (1 - tolerance)) return done(); // unreachable: the most aggressive setting is returned
  if ((await run(lo)).speedup >= target * (1 - tolerance)) return done();
  while (steps.length < maxEvaluations && miss(best!.result.speedup) > tolerance) {
    // geometric steps while the bracket spans orders of magnitude, arithmetic once it is narrow
    const mid = hi / lo > 4 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    const s = (await run(mid)).speedup;
    if (s < target) lo = mid;
    else hi = mid;
    if (hi / lo < 1 + 1e-6) break;
  }
  return done();
}
