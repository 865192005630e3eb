// Masked-language-model data as BERT's create_pretraining_data builds it: the text is tokenized
// once into WordPiece ids, consecutive lines of a document are concatenated into sequences of at
// most seqLen pieces ([CLS] and [SEP] included), and every batch is masked afresh (dynamic
// masking): 15% of each sequence's pieces chosen, of those 80% → [MASK], 10% → a random piece,
// 10% kept. Batches are packed like the labeler's (no padding, one attention segment per sequence).
import type { WordPiece } from './wordpiece.js';
import type { Rng } from '../tensor/random.js';

/** A document: its lines, each a list of whitespace-separated words. */
export type TextDocument = string[][];

export interface MaskingOptions {
  /** share of each sequence's pieces to predict (BERT: 0.15) */
  prob: number;
  /** choose whole words (a piece and its `##` continuations) instead of single pieces */
  wholeWord: boolean;
}

/** What masking needs to know about the vocabulary. */
export interface MaskVocab {
  clsId: number;
  sepId: number;
  maskId: number;
  /** [V] 1 where the token is a `##` continuation */
  continuation: Uint8Array;
  /** [V] 1 for tokens never chosen as targets ([PAD] [UNK] [CLS] [SEP] [MASK] and other [..] tokens) */
  special: Uint8Array;
  /** ids a chosen piece may be replaced by at random (every non-special token) */
  randomIds: Int32Array;
}

export function maskVocab(tokenizer: WordPiece): MaskVocab {
  const v = tokenizer.vocab;
  const special = Uint8Array.from(v, (t) => (/^\[[^\]]*\]$/.test(t) ? 1 : 0));
  const randomIds: number[] = [];
  special.forEach((s, id) => s === 0 && randomIds.push(id));
  if (randomIds.length === 0) throw new Error('the vocabulary has no ordinary tokens to predict');
  return {
    clsId: tokenizer.clsId,
    sepId: tokenizer.sepId,
    maskId: tokenizer.maskId,
    continuation: Uint8Array.from(v, (t) => (t.startsWith('##') ? 1 : 0)),
    special,
    randomIds: Int32Array.from(randomIds),
  };
}

/**
 * Piece sequences of at most seqLen − 2 pieces: lines of a document are joined until the next
 * would not fit; a line longer than that is cut, at a word start where one exists.
 * Sequences never span two documents.
 */
export function buildSequences(docs: readonly TextDocument[], tokenizer: WordPiece, seqLen: number): Int32Array[] {
  const room = seqLen - 2;
  if (!Number.isInteger(room) || room < 1) throw new Error(`seqLen must be an integer >= 3, got ${seqLen}`);
  const continuation = (id: number): boolean => tokenizer.vocab[id]!.startsWith('##');
  const out: Int32Array[] = [];
  for (const doc of docs) {
    let current: number[] = [];
    const flush = (): void => {
      if (current.length > 0) out.push(Int32Array.from(current));
      current = [];
    };
    for (const line of doc) {
      const pieces = line.flatMap((w) => tokenizer.tokenizeWord(w));
      if (pieces.length === 0) continue;
      if (current.length + pieces.length > room) flush();
      let start = 0;
      while (pieces.length - start > room) {
        let cut = start + room;
        while (cut > start + 1 && continuation(pieces[cut]!)) cut--;
        if (cut === start + 1 && continuation(pieces[cut]!)) cut = start + room; // one word longer than a sequence
        out.push(Int32Array.from(pieces.slice(start, cut)));
        start = cut;
      }
      current.push(...pieces.slice(start));
    }
    flush();
  }
  return out;
}

export interface MlmBatch {
  /** [T] input ids after masking: [CLS] pieces… [SEP] per sequence, concatenated */
  ids: Int32Array;
  /** [T] position inside its sequence */
  pos: Int32Array;
  /** [B+1] piece offset of each sequence */
  cuSeqlens: Int32Array;
  /** [M] rows of the chosen pieces, ascending */
  maskedRows: Int32Array;
  /** [M] their original ids */
  targets: Int32Array;
}

/** Positions (within one sequence) to predict: round(prob · n) pieces, at least one, in units of pieces or words. */
export function choosePositions(seq: Int32Array, vocab: MaskVocab, opts: MaskingOptions, rng: Rng): number[] {
  const units: number[][] = [];
  seq.forEach((id, i) => {
    if (vocab.special[id]) return;
    const last = units[units.length - 1];
    // a continuation joins its word only if the word's previous piece was a candidate too
    if (opts.wholeWord && vocab.continuation[id] && last !== undefined && last[last.length - 1] === i - 1) last.push(i);
    else units.push([i]);
  });
  const candidates = units.reduce((n, u) => n + u.length, 0);
  if (candidates === 0) return [];
  const budget = Math.max(1, Math.round(opts.prob * candidates));
  rng.shuffle(units);
  const chosen: number[] = [];
  for (const unit of units) {
    if (chosen.length >= budget) break;
    if (chosen.length + unit.length > budget) continue; // as BERT: skip a word that would overshoot
    chosen.push(...unit);
  }
  return chosen.sort((a, b) => a - b);
}

/** Packs sequences into one batch and masks it (80% [MASK], 10% random piece, 10% kept). */
export function maskBatch(seqs: readonly Int32Array[], vocab: MaskVocab, opts: MaskingOptions, rng: Rng): MlmBatch {
  const total = seqs.reduce((n, s) => n + s.length + 2, 0);
  const ids = new Int32Array(total);
  const pos = new Int32Array(total);
  const cuSeqlens = new Int32Array(seqs.length + 1);
  const maskedRows: number[] = [];
  const targets: number[] = [];
  let at = 0;
  seqs.forEach((seq, b) => {
    const start = at;
    ids[at++] = vocab.clsId;
    ids.set(seq, at);
    at += seq.length;
    ids[at++] = vocab.sepId;
    for (let i = start; i < at; i++) pos[i] = i - start;
    cuSeqlens[b + 1] = at;
    for (const i of choosePositions(seq, vocab, opts, rng)) {
      const row = start + 1 + i;
      maskedRows.push(row);
      targets.push(seq[i]!);
      const r = rng.uniform();
      if (r < 0.8) ids[row] = vocab.maskId;
      else if (r < 0.9) ids[row] = vocab.randomIds[rng.int(vocab.randomIds.length)]!;
    }
  });
  return { ids, pos, cuSeqlens, maskedRows: Int32Array.from(maskedRows), targets: Int32Array.from(targets) };
}
