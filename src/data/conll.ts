// CoNLL column files: one word per line, columns separated by spaces or tabs, word first,
// tag last, sentences separated by blank (or whitespace-only) lines. Every word line of a file has
// the same number of columns (a line with another count is an error: a stray chunk tag in the tag
// column would otherwise become a label).
// Skipped: `-DOCSTART-` lines (document boundaries) and Twitter-2017's `IMGID:<n>` lines.
import type { Sentence } from './sentence.js';
import { readUtf8File, splitLines } from './lines.js';

export interface ConllOptions {
  /** Fewest columns a word line may have (word and tag); default 2. */
  minColumns?: number;
}

export function readConll(path: string, opts: ConllOptions = {}): Sentence[] {
  return parseConll(readUtf8File(path), path, opts);
}

export function parseConll(text: string, fileName: string, opts: ConllOptions = {}): Sentence[] {
  const minColumns = opts.minColumns ?? 2;
  const sentences: Sentence[] = [];
  let current: Sentence = { words: [], labels: [], lines: [] };
  let columnCount = 0;
  let columnLine = 0;
  const flush = (): void => {
    if (current.words.length > 0) sentences.push(current);
    current = { words: [], labels: [], lines: [] };
  };
  splitLines(text).forEach((line, i) => {
    if (line.trim() === '') return flush();
    // Only spaces and tabs separate columns: tokens may contain other whitespace (e.g. U+00A0 in ARK).
    const columns = line.replace(/^[ \t]+|[ \t]+$/g, '').split(/[ \t]+/);
    if (columns[0] === '-DOCSTART-') return;
    if (columns.length === 1 && columns[0]!.startsWith('IMGID:')) return;
    const where = `${fileName}:${i + 1}`;
    if (columns.length < minColumns) {
      throw new Error(`${where}: expected at least ${minColumns} columns, got ${columns.length}: ${JSON.stringify(line)}`);
    }
    if (columnCount === 0) {
      columnCount = columns.length;
      columnLine = i + 1;
    } else if (columns.length !== columnCount) {
      throw new Error(`${where}: ${columns.length} columns, but line ${columnLine} has ${columnCount} (every word line needs the same columns, tag last): ${JSON.stringify(line)}`);
    }
    current.words.push(columns[0]!);
    current.labels.push(columns[columns.length - 1]!);
    current.lines!.push(i + 1);
  });
  flush();
  return sentences;
}
