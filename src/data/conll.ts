// CoNLL column files: one word per line, columns separated by spaces or tabs, word first,
// tag last, sentences separated by blank (or whitespace-only) lines.
// Skipped: `-DOCSTART-` lines (document boundaries) and Twitter-2017's `IMGID:<n>` lines.
import { readFileSync } from 'node:fs';
import type { Sentence } from './sentence.js';
import { splitLines } from './lines.js';

export interface ConllOptions {
  /** Fewest columns a word line may have (word and tag); default 2. */
  minColumns?: number;
}

export function readConll(path: string, opts: ConllOptions = {}): Sentence[] {
  return parseConll(readFileSync(path, 'utf8'), path, opts);
}

export function parseConll(text: string, fileName: string, opts: ConllOptions = {}): Sentence[] {
  const minColumns = opts.minColumns ?? 2;
  const sentences: Sentence[] = [];
  let current: Sentence = { words: [], labels: [] };
  const flush = (): void => {
    if (current.words.length > 0) sentences.push(current);
    current = { words: [], labels: [] };
  };
  splitLines(text).forEach((line, i) => {
    if (line.trim() === '') return flush();
    // Only spaces and tabs separate columns: tokens may contain other whitespace (e.g. U+00A0 in ARK).
    const columns = line.replace(/^[ \t]+|[ \t]+$/g, '').split(/[ \t]+/);
    if (columns[0] === '-DOCSTART-') return;
    if (columns.length === 1 && columns[0]!.startsWith('IMGID:')) return;
    if (columns.length < minColumns) {
      throw new Error(`${fileName}:${i + 1}: expected at least ${minColumns} columns, got ${columns.length}: ${JSON.stringify(line)}`);
    }
    current.words.push(columns[0]!);
    current.labels.push(columns[columns.length - 1]!);
  });
  flush();
  return sentences;
}
