// A whole-word vocabulary: special tokens, the most frequent whole words, then every character
// seen both as a word start and as a `##` continuation, so every training word of at most 100
// characters tokenizes without [UNK]. Kept for `offramp demo` and the recorded reproduction
// (experiments/reproduce.ts); `offramp vocab` and `train --build-vocab` learn subwords instead
// (wordpiece-trainer.ts).
import { basicTokenize } from './basictokenizer.js';
import type { Sentence } from './sentence.js';
import { writeTextFileSync } from '../platform/files.js';

/** Ids 0..4, in this order. */
export const specialTokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface VocabOptions {
  /** How many whole words to include at most (characters come on top). */
  maxWords: number;
  /** Count words as the tokenizer will see them: lower-cased and accent-stripped. */
  lowercase: boolean;
}

/** Deterministic: words by descending count then code-unit order; characters in code-unit order. */
export function buildVocab(sentences: readonly Sentence[], opts: VocabOptions): string[] {
  const counts = new Map<string, number>();
  const chars = new Set<string>();
  for (const sentence of sentences) {
    for (const token of sentence.words.flatMap((w) => basicTokenize(w, opts.lowercase))) {
      counts.set(token, (counts.get(token) ?? 0) + 1);
      for (const c of token) chars.add(c);
    }
  }
  const byCount = [...counts].sort(([a, ca], [b, cb]) => cb - ca || compare(a, b)).map(([w]) => w);
  const sortedChars = [...chars].sort(compare);
  const tokens = [...specialTokens, ...byCount.slice(0, opts.maxWords), ...sortedChars, ...sortedChars.map((c) => `##${c}`)];
  return [...new Set(tokens)];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function writeVocabFile(path: string, tokens: readonly string[]): void {
  for (const token of tokens) {
    if (token.includes('\n') || token.includes('\r')) throw new Error(`vocabulary token ${JSON.stringify(token)} contains a line break`);
  }
  writeTextFileSync(path, tokens.map((t) => `${t}\n`).join(''));
}
