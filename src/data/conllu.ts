// CoNLL-U: 10 tab-separated columns, `#` comments, blank line after each sentence.
// Words are the lines with an integer ID; multiword-token ranges (`n-m`) and empty nodes
// (`n.m`) are not words of the tagged sequence and are skipped.
import { readFileSync } from 'node:fs';
import type { Sentence } from './sentence.js';
import { splitLines } from './lines.js';

export interface ConlluOptions {
  /** Which tag to label words with: UPOS (column 4, default) or XPOS (column 5). */
  tag?: 'upos' | 'xpos';
}

export function readConllu(path: string, opts: ConlluOptions = {}): Sentence[] {
  return parseConllu(readFileSync(path, 'utf8'), path, opts);
}

export function parseConllu(text: string, fileName: string, opts: ConlluOptions = {}): Sentence[] {
  const tagColumn = (opts.tag ?? 'upos') === 'upos' ? 3 : 4;
  const sentences: Sentence[] = [];
  let current: Sentence = { words: [], labels: [] };
  const flush = (): void => {
    if (current.words.length > 0) sentences.push(current);
    current = { words: [], labels: [] };
  };
  splitLines(text).forEach((line, i) => {
    if (line.trim() === '') return flush();
    if (line.startsWith('#')) return;
    const columns = line.split('\t');
    const where = `${fileName}:${i + 1}`;
    if (columns.length !== 10) {
      throw new Error(`${where}: expected 10 tab-separated columns, got ${columns.length}: ${JSON.stringify(line)}`);
    }
    const id = columns[0]!;
    if (/^\d+-\d+$/.test(id) || /^\d+\.\d+$/.test(id)) return;
    if (!/^\d+$/.test(id)) throw new Error(`${where}: ID ${JSON.stringify(id)} is not a word index, range or empty node: ${JSON.stringify(line)}`);
    current.words.push(columns[1]!);
    current.labels.push(columns[tagColumn]!);
  });
  flush();
  return sentences;
}
