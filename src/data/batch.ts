// Packed batches: sentences concatenated piece by piece with no padding, each as
// [CLS] pieces… [SEP]. A sentence too long for the model is split at word boundaries into
// consecutive windows ("packed sentences"); mergeWindows puts per-word outputs back together.
import { isLabelled, type LabelSet, type Sentence } from './sentence.js';

/** What packBatch needs from a tokenizer (WordPiece provides it). */
export interface WordTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  tokenizeWord(word: string): readonly number[];
}

/** Label id of a word whose gold label is unknown; the loss ignores it. */
export const ignoreLabel = -100;

export interface PackedBatch {
  /** [T] piece ids: [CLS] pieces… [SEP] per packed sentence, concatenated. */
  ids: Int32Array;
  /** [T] position inside its packed sentence (0 at [CLS]). */
  pos: Int32Array;
  /** [B+1] piece offset of each packed sentence (cuSeqlens[B] = T). */
  cuSeqlens: Int32Array;
  /** [W] packed row of each word's first piece. */
  firstPiece: Int32Array;
  /** [T] batch word index of each piece, -1 for [CLS]/[SEP]. */
  pieceWord: Int32Array;
  /** [B+1] word offset of each packed sentence (cuWords[B] = W). */
  cuWords: Int32Array;
  /** [W] label ids, -100 for unlabelled sentences and labels the label set lacks. */
  labels: Int32Array;
  /** [B] which input sentence (and which of its words) each packed sentence holds. */
  source: { sentence: number; wordOffset: number }[];
  /** Pieces dropped from words that alone exceed maxPositions - 2 (their first pieces are kept). */
  truncatedPieces: number;
  /** Words whose gold label is not in the label set (labelled -100). */
  unknownLabels: number;
}

export interface PackOptions {
  /** Most pieces one packed sentence may have, [CLS] and [SEP] included (BERT: 512). */
  maxPositions: number;
}

/** Piece lists of one sentence's words, each cut to fit a window on its own. */
function wordPieces(words: readonly string[], tokenizer: WordTokenizer, maxPieces: number): { pieces: (readonly number[])[]; truncated: number } {
  let truncated = 0;
  const pieces = words.map((word) => {
    const ids = tokenizer.tokenizeWord(word);
    if (ids.length <= maxPieces) return ids;
    truncated += ids.length - maxPieces;
    return ids.slice(0, maxPieces);
  });
  return { pieces, truncated };
}

/** Word ranges [start, end) that each fit in maxPieces, greedily from the left. */
function windows(pieces: readonly (readonly number[])[], maxPieces: number): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let used = 0;
  pieces.forEach((p, w) => {
    if (used + p.length > maxPieces && w > start) {
      ranges.push([start, w]);
      start = w;
      used = 0;
    }
    used += p.length;
  });
  ranges.push([start, pieces.length]);
  return ranges;
}

export function packBatch(sentences: readonly Sentence[], tokenizer: WordTokenizer, labelSet: LabelSet, opts: PackOptions): PackedBatch {
  const maxPieces = opts.maxPositions - 2;
  if (!Number.isInteger(maxPieces) || maxPieces < 1) throw new Error(`maxPositions must be an integer >= 3, got ${opts.maxPositions}`);
  const ids: number[] = [];
  const pos: number[] = [];
  const pieceWord: number[] = [];
  const firstPiece: number[] = [];
  const labels: number[] = [];
  const cuSeqlens = [0];
  const cuWords = [0];
  const source: PackedBatch['source'] = [];
  let truncatedPieces = 0;
  let unknownLabels = 0;

  sentences.forEach((sentence, s) => {
    if (isLabelled(sentence) && sentence.labels.length !== sentence.words.length) {
      throw new Error(`sentence ${s} has ${sentence.words.length} words but ${sentence.labels.length} labels`);
    }
    const { pieces, truncated } = wordPieces(sentence.words, tokenizer, maxPieces);
    truncatedPieces += truncated;
    for (const [start, end] of windows(pieces, maxPieces)) {
      source.push({ sentence: s, wordOffset: start });
      const emit = (id: number, word: number): void => {
        pos.push(ids.length - cuSeqlens[cuSeqlens.length - 1]!);
        ids.push(id);
        pieceWord.push(word);
      };
      emit(tokenizer.clsId, -1);
      for (let w = start; w < end; w++) {
        const word = firstPiece.length;
        firstPiece.push(ids.length);
        for (const id of pieces[w]!) emit(id, word);
        const label = isLabelled(sentence) ? labelSet.find(sentence.labels[w]!) : ignoreLabel;
        if (label === undefined) unknownLabels++;
        labels.push(label ?? ignoreLabel);
      }
      emit(tokenizer.sepId, -1);
      cuSeqlens.push(ids.length);
      cuWords.push(firstPiece.length);
    }
  });

  return {
    ids: Int32Array.from(ids),
    pos: Int32Array.from(pos),
    cuSeqlens: Int32Array.from(cuSeqlens),
    firstPiece: Int32Array.from(firstPiece),
    pieceWord: Int32Array.from(pieceWord),
    cuWords: Int32Array.from(cuWords),
    labels: Int32Array.from(labels),
    source,
    truncatedPieces,
    unknownLabels,
  };
}

/**
 * Per-word values of a batch (length W, in batch word order) regrouped per input sentence:
 * result[s] holds sentence s's words in their original order, its windows rejoined.
 */
export function mergeWindows<T>(batch: PackedBatch, perWord: ArrayLike<T>): T[][] {
  const words = batch.firstPiece.length;
  if (perWord.length !== words) throw new Error(`mergeWindows: got ${perWord.length} values for ${words} words`);
  const merged: T[][] = [];
  batch.source.forEach(({ sentence, wordOffset }, b) => {
    const out = (merged[sentence] ??= []);
    if (out.length !== wordOffset) throw new Error(`mergeWindows: window ${b} of sentence ${sentence} starts at word ${wordOffset}, expected ${out.length}`);
    for (let w = batch.cuWords[b]!; w < batch.cuWords[b + 1]!; w++) out.push(perWord[w]!);
  });
  return merged;
}
