// Learns a WordPiece vocabulary as Hugging Face tokenizers' WordPieceTrainer does: BPE over the
// unique words with `##` on every word-internal piece. Special tokens first, then the alphabet
// (optionally only its most frequent characters), then `##` forms of the characters seen inside a
// word, then one token per merge of the most frequent adjacent pair until the size is reached.
// Differences from HF, all for determinism or honesty: `##` characters come in code-point order
// (HF: hash-map order), limit-alphabet ties keep the lower code point (HF: unstable sort), and a
// word with a character outside the alphabet takes no part in merges (HF drops the character and
// merges across it, making pieces that are not substrings; our tokenizer maps such a word to [UNK]).
import { basicTokenize } from './basictokenizer.js';
import { specialTokens } from './vocab.js';
import { WordPiece } from './wordpiece.js';

/** Counts of basic tokens (normalised words), in first-seen order. */
export class WordCounts {
  readonly counts = new Map<string, number>();
  total = 0;

  /** lowercase: count words as an uncased tokenizer sees them (lower-cased, accents stripped). */
  constructor(readonly lowercase: boolean) {}

  /** Raw text: one sentence or paragraph. */
  addText(text: string): void {
    for (const word of basicTokenize(text, this.lowercase)) this.add(word);
  }

  /** Pre-split words (a labelled sentence); each may still split, e.g. at punctuation. */
  addWords(words: readonly string[]): void {
    for (const word of words) this.addText(word);
  }

  private add(word: string): void {
    this.counts.set(word, (this.counts.get(word) ?? 0) + 1);
    this.total++;
  }
}

export interface WordPieceTrainerOptions {
  /** Target size, special tokens included; the alphabet alone may exceed it (as in HF). */
  vocabSize: number;
  /** Fewest occurrences a pair needs to become a merge (HF min_frequency). */
  minFrequency: number;
  /** Keep only this many characters, the most frequent (HF limit_alphabet); undefined keeps all. */
  limitAlphabet?: number;
}

export interface TrainedVocab {
  /** vocab.txt lines: id = index. */
  tokens: string[];
  /** Characters kept as word-initial tokens. */
  alphabet: number;
  /** Merges done (a merge may rebuild an existing token, as in HF). */
  merges: number;
}

/** Called with the vocabulary size so far: once before merging, now and then while merging, once at the end. */
export type TrainerProgress = (size: number) => void;

/** Code-point order, as HF sorts its alphabet (JS `<` compares UTF-16 code units). */
function byCodePoint(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

/** Alphabet: character counts weighted by word counts; the most frequent `limit`, ties to the lower code point. */
function chooseAlphabet(counts: ReadonlyMap<string, number>, limit: number | undefined): string[] {
  const chars = new Map<string, number>();
  for (const [word, count] of counts) for (const c of word) chars.set(c, (chars.get(c) ?? 0) + count);
  let kept = [...chars.keys()];
  if (limit !== undefined && kept.length > limit) {
    kept = kept.sort((a, b) => chars.get(b)! - chars.get(a)! || byCodePoint(a, b)).slice(0, limit);
  }
  return kept.sort(byCodePoint);
}

/** A max-heap of candidate merges: higher count first, then lower (a, b) ids, as HF orders them. */
class MergeQueue {
  private readonly items: { count: number; a: number; b: number }[] = [];

  get size(): number {
    return this.items.length;
  }

  private before(i: number, j: number): boolean {
    const x = this.items[i]!;
    const y = this.items[j]!;
    return x.count !== y.count ? x.count > y.count : x.a !== y.a ? x.a < y.a : x.b < y.b;
  }

  private swap(i: number, j: number): void {
    const t = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = t;
  }

  push(count: number, a: number, b: number): void {
    this.items.push({ count, a, b });
    for (let i = this.items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { count: number; a: number; b: number } {
    const top = this.items[0]!;
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.items.length && this.before(l, best)) best = l;
        if (r < this.items.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

export function trainWordPiece(counts: ReadonlyMap<string, number>, opts: WordPieceTrainerOptions, progress?: TrainerProgress): TrainedVocab {
  const tokens: string[] = [];
  const ids = new Map<string, number>();
  const idOf = (token: string): number => {
    let id = ids.get(token);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(token);
      ids.set(token, id);
    }
    return id;
  };
  for (const t of specialTokens) idOf(t);
  const alphabet = chooseAlphabet(counts, opts.limitAlphabet);
  for (const c of alphabet) idOf(c);
  const inAlphabet = new Set(alphabet);
  const inner = new Set<string>();
  for (const word of counts.keys()) for (const c of Array.from(word).slice(1)) if (inAlphabet.has(c)) inner.add(c);
  for (const c of [...inner].sort(byCodePoint)) idOf(`##${c}`);

  // Each unique word as a sequence of token ids, merged in place as training goes.
  const words: number[][] = [];
  const wordCounts: number[] = [];
  for (const [word, count] of counts) {
    const chars = Array.from(word);
    if (chars.every((c) => inAlphabet.has(c))) {
      words.push(chars.map((c, i) => ids.get(i === 0 ? c : `##${c}`)!));
      wordCounts.push(count);
    }
  }

  // Pair (a, b) → a * stride + b: small integers for the usual sizes, exact below 2^53 always.
  const stride = tokens.length + Math.max(opts.vocabSize, 0) + 1;
  if (stride * stride > Number.MAX_SAFE_INTEGER) throw new Error(`vocabulary size ${opts.vocabSize} is too large`);
  const pairCounts = new Map<number, number>();
  /** Words that may hold the pair (a superset: merges elsewhere may have removed it since). */
  const where = new Map<number, number[]>();
  const addPair = (key: number, count: number): void => {
    const now = (pairCounts.get(key) ?? 0) + count;
    if (now === 0) pairCounts.delete(key);
    else pairCounts.set(key, now);
  };
  const addWhere = (key: number, w: number): void => {
    const list = where.get(key);
    if (list === undefined) where.set(key, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  };
  words.forEach((symbols, w) => {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i]! * stride + symbols[i + 1]!;
      addPair(key, wordCounts[w]!);
      addWhere(key, w);
    }
  });
  const queue = new MergeQueue();
  for (const [key, count] of pairCounts) queue.push(count, Math.floor(key / stride), key % stride);

  const visited = new Int32Array(words.length).fill(-1);
  let merges = 0;
  progress?.(tokens.length);
  while (tokens.length < opts.vocabSize && queue.size > 0) {
    const top = queue.pop();
    const key = top.a * stride + top.b;
    const current = pairCounts.get(key) ?? 0;
    if (top.count !== current) {
      // Stale entry: a lower count is re-queued; a higher one already has its own entry.
      if (current > 0 && current < top.count) queue.push(current, top.a, top.b);
      continue;
    }
    if (top.count < opts.minFrequency) break;
    const { a, b } = top;
    const n = idOf(tokens[a]! + tokens[b]!.slice(2)); // b is always a `##` piece
    const grown = new Set<number>();
    for (const w of where.get(key) ?? []) {
      if (visited[w] === merges) continue;
      visited[w] = merges;
      const old = words[w]!;
      const merged: number[] = [];
      for (let i = 0; i < old.length; i++) {
        if (old[i] === a && old[i + 1] === b) {
          merged.push(n);
          i++;
        } else {
          merged.push(old[i]!);
        }
      }
      if (merged.length === old.length) continue;
      words[w] = merged;
      // Only pairs touching a, b (before) or n (after) change; pairs with n are new to this word.
      const count = wordCounts[w]!;
      for (let i = 0; i + 1 < old.length; i++) {
        const x = old[i]!;
        const y = old[i + 1]!;
        if (x === a || x === b || y === a || y === b) addPair(x * stride + y, -count);
      }
      for (let i = 0; i + 1 < merged.length; i++) {
        const x = merged[i]!;
        const y = merged[i + 1]!;
        if (x === n || y === n) {
          const k = x * stride + y;
          addPair(k, count);
          addWhere(k, w);
          grown.add(k);
        } else if (x === a || x === b || y === a || y === b) {
          addPair(x * stride + y, count);
        }
      }
    }
    where.delete(key);
    for (const k of grown) {
      const c = pairCounts.get(k);
      if (c !== undefined) queue.push(c, Math.floor(k / stride), k % stride);
    }
    merges++;
    if (progress && merges % 256 === 0) progress(tokens.length);
  }
  progress?.(tokens.length);
  return { tokens, alphabet: alphabet.length, merges };
}

export interface Coverage {
  /** Word occurrences counted (all of them, [UNK] ones included). */
  words: number;
  /** Share of word occurrences that are one piece. */
  singlePiece: number;
  /** Mean pieces per word occurrence. */
  meanPieces: number;
  /** Share of word occurrences that become [UNK]. */
  unknown: number;
}

/** How the greedy WordPiece tokenizer splits the counted words with this vocabulary. */
export function coverage(tokens: readonly string[], counts: WordCounts): Coverage {
  const tokenizer = new WordPiece(tokens, { lowercase: counts.lowercase });
  let single = 0;
  let pieces = 0;
  let unknown = 0;
  for (const [word, count] of counts.counts) {
    // The counted words are already normalised basic tokens: no second basic tokenization.
    const split = tokenizer.wordpiece(word);
    pieces += split.length * count;
    if (split.length === 1) single += count;
    if (split.includes('[UNK]')) unknown += count;
  }
  const n = Math.max(counts.total, 1);
  return { words: counts.total, singlePiece: single / n, meanPieces: pieces / n, unknown: unknown / n };
}
