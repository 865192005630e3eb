// Corpus-level evaluation of an exit policy: pack sentences into batches (no padding), label each
// batch with halt-and-copy inference, put windowed sentences back together, then score (span F1
// for BIO-style label sets, token accuracy otherwise), count FLOPs from the active-piece sets
// (this project's count and the official code's, as ratios of corpus totals), time the run and
// histogram the exit layers.
import { packBatch, mergeWindows, type PackedBatch, type WordTokenizer } from '../data/batch.js';
import { planBatches, pieceCount } from '../data/batcher.js';
import { isLabelled, type LabelSet, type Sentence } from '../data/sentence.js';
import { tokenAccuracy } from '../metrics/accuracy.js';
import { spanF1 } from '../metrics/spans.js';
import { FlopsMeter } from './flops.js';
import { labelBatch, type LayerTrace } from './infer.js';
import type { EarlyExitModel } from './model.js';
import { describePolicy, type ExitPolicy } from './policy.js';
import type { CopyMode } from './runner.js';

export type Metric = 'f1' | 'accuracy';

/** Span F1 when every label is O or prefix-type (B-/I-/E-/S-/L-/U-X), accuracy otherwise (POS tags). */
export function chooseMetric(labels: readonly string[]): Metric {
  const chunky = labels.filter((l) => /^[BIESLU]-./.test(l)).length;
  return chunky > 0 && labels.every((l) => l === 'O' || /^[BIESLU]-./.test(l)) ? 'f1' : 'accuracy';
}

export interface EvalOptions {
  policy: ExitPolicy;
  copy?: CopyMode;
  /** most pieces per batch (default 2048) */
  batchPieces?: number;
  /** default: chooseMetric of the label set */
  metric?: Metric;
  /** called after every layer step of a batch: the batch, the input sentence of each of its sentences, the step */
  onLayer?(batch: PackedBatch, sentenceIndices: readonly number[], trace: LayerTrace): void;
  /** called after every batch with sentences and pieces done so far */
  onProgress?(done: { sentences: number; pieces: number }, total: { sentences: number; pieces: number }): void;
}

export interface EvalResult {
  policy: string;
  metric: Metric;
  /** span F1 or accuracy in [0, 1] on the labelled sentences; null when none is labelled */
  score: number | null;
  /** span precision/recall (f1 metric only) */
  precision?: number;
  recall?: number;
  /** token accuracy in [0, 1] (always computed when labelled) */
  accuracy: number | null;
  /** Σ baseline FLOPs / Σ early-exit FLOPs (this project's count) */
  speedup: number;
  /** the same ratio in the official code's MACs */
  officialSpeedup: number;
  flops: number;
  baselineFlops: number;
  /** wall-clock seconds of packing + inference */
  seconds: number;
  sentences: number;
  words: number;
  pieces: number;
  /** exitHistogram[l - 1] = words that left at layer l */
  exitHistogram: number[];
  meanExitLayer: number;
  /** per input sentence: predicted labels and exit layers (empty for empty sentences) */
  predictions: string[][];
  exitLayers: number[][];
}

export async function evaluate(
  model: EarlyExitModel,
  sentences: readonly Sentence[],
  tokenizer: WordTokenizer,
  labelSet: LabelSet,
  opts: EvalOptions,
): Promise<EvalResult> {
  const L = model.layers;
  const { bert, numLabels } = model.cfg;
  const meter = new FlopsMeter({ layers: L, hidden: bert.hidden, ffn: bert.ffn, heads: bert.heads, labels: numLabels });
  const batchPieces = opts.batchPieces ?? 2048;
  if (!(Number.isInteger(batchPieces) && batchPieces >= 1)) throw new Error(`evaluate: batchPieces must be a positive integer, got ${batchPieces}`);
  const predictions: string[][] = sentences.map(() => []);
  const exitLayers: number[][] = sentences.map(() => []);
  const histogram = new Array<number>(L).fill(0);
  const nonEmpty = sentences.map((s, i) => (s.words.length > 0 ? i : -1)).filter((i) => i >= 0);
  const counts = nonEmpty.map((i) => pieceCount(sentences[i]!, tokenizer));
  const total = { sentences: nonEmpty.length, pieces: counts.reduce((a, b) => a + b, 0) };
  const done = { sentences: 0, pieces: 0 };
  let words = 0;
  let pieces = 0;
  const start = performance.now();
  for (const plan of planBatches(counts, { maxPieces: batchPieces })) {
    const idx = plan.map((j) => nonEmpty[j]!);
    const batch = packBatch(idx.map((i) => sentences[i]!), tokenizer, labelSet, { maxPositions: bert.maxPositions });
    const onLayer = opts.onLayer && ((trace: LayerTrace) => opts.onLayer!(batch, idx, trace));
    const out = await labelBatch(model, batch, opts.policy, opts.copy ?? 'output', onLayer);
    for (let s = 0; s + 1 < batch.cuSeqlens.length; s++) {
      const N = batch.cuSeqlens[s + 1]! - batch.cuSeqlens[s]!;
      const n = batch.cuWords[s + 1]! - batch.cuWords[s]!;
      if (n > 0) meter.add(N, n, out.activePieces[s]!);
    }
    const labels = mergeWindows(batch, Array.from(out.labels, (id) => labelSet.label(id)));
    const exits = mergeWindows(batch, Array.from(out.exitLayer));
    idx.forEach((i, b) => {
      predictions[i] = labels[b]!;
      exitLayers[i] = exits[b]!;
    });
    for (const e of out.exitLayer) histogram[e - 1]!++;
    words += batch.firstPiece.length;
    pieces += batch.ids.length;
    done.sentences += idx.length;
    done.pieces += plan.reduce((a, j) => a + counts[j]!, 0);
    opts.onProgress?.({ ...done }, total);
  }
  const seconds = (performance.now() - start) / 1000;

  const labelled = sentences.map((_, i) => i).filter((i) => sentences[i]!.words.length > 0 && isLabelled(sentences[i]!));
  const gold = labelled.map((i) => sentences[i]!.labels);
  const pred = labelled.map((i) => predictions[i]!);
  const metric = opts.metric ?? chooseMetric(labelSet.labels);
  let score: number | null = null;
  let accuracy: number | null = null;
  let precision: number | undefined;
  let recall: number | undefined;
  if (labelled.length > 0) {
    accuracy = tokenAccuracy(gold, pred).accuracy;
    if (metric === 'f1') {
      const f = spanF1(gold, pred);
      score = f.f1;
      precision = f.precision;
      recall = f.recall;
    } else {
      score = accuracy;
    }
  }
  const empty = words === 0;
  const meanExitLayer = empty ? 0 : histogram.reduce((a, c, l) => a + c * (l + 1), 0) / words;
  return {
    policy: describePolicy(opts.policy),
    metric,
    score,
    ...(precision !== undefined ? { precision, recall } : {}),
    accuracy,
    speedup: empty ? 1 : meter.speedup(),
    officialSpeedup: empty ? 1 : meter.officialSpeedup(),
    flops: meter.total(),
    baselineFlops: meter.baseline(),
    seconds,
    sentences: sentences.length,
    words,
    pieces,
    exitHistogram: histogram,
    meanExitLayer,
    predictions,
    exitLayers,
  };
}
