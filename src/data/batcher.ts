// Groups sentences into batches by a piece budget and/or a sentence count, optionally in a
// seeded random order. Packed batches have no padding, so grouping by length is not needed.
import type { WordTokenizer } from './batch.js';
import type { Sentence } from './sentence.js';

export interface BatchPlanOptions {
  /** Most pieces per batch, [CLS]/[SEP] included; a longer sentence gets a batch of its own. */
  maxPieces?: number;
  /** Most sentences per batch. */
  maxSentences?: number;
  /** Shuffles the sentence order when given (e.g. a seeded Rng from src/tensor/random.ts). */
  rng?: { uniform(): number };
}

/** Pieces a sentence packs into before windowing: its words' pieces plus [CLS] and [SEP]. */
export function pieceCount(sentence: Sentence, tokenizer: WordTokenizer): number {
  return sentence.words.reduce((n, w) => n + tokenizer.tokenizeWord(w).length, 2);
}

/** Sentence indices per batch; every index appears exactly once. */
export function planBatches(pieceCounts: readonly number[], opts: BatchPlanOptions): number[][] {
  const { maxPieces = Infinity, maxSentences = Infinity, rng } = opts;
  if (maxPieces === Infinity && maxSentences === Infinity) throw new Error('planBatches needs maxPieces or maxSentences');
  if (!(maxSentences >= 1)) throw new Error(`maxSentences must be >= 1, got ${maxSentences}`);
  const order = pieceCounts.map((_, i) => i);
  if (rng) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  const batches: number[][] = [];
  let batch: number[] = [];
  let pieces = 0;
  for (const i of order) {
    const n = pieceCounts[i]!;
    if (batch.length > 0 && (pieces + n > maxPieces || batch.length >= maxSentences)) {
      batches.push(batch);
      batch = [];
      pieces = 0;
    }
    batch.push(i);
    pieces += n;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
