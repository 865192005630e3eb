// CoNLL-U: 10 tab-separated columns, `#` comments, blank line after each sentence.
// Words are the lines with an integer ID; multiword-token ranges (`n-m`) and empty nodes
// (`n.m`) are not words of the tagged sequence and are skipped. A word whose tag is `_` (no tag)
// is an error, or, with missingTags 'skip', its sentence is left out and counted.
import type { Sentence } from './sentence.js';
import { readUtf8File, splitLines } from './lines.js';

export interface ConlluOptions {
  /** Which tag to label words with: UPOS (column 4, default) or XPOS (column 5). */
  tag?: 'upos' | 'xpos';
  /** a `_` tag: an error (default), or skip the sentence and count it in `skipped` */
  missingTags?: 'error' | 'skip';
  /** filled with the sentences and words left out for missing tags */
  skipped?: { sentences: number; words: number };
}

export function readConllu(path: string, opts: ConlluOptions = {}): Sentence[] {
  return parseConllu(readUtf8File(path), path, opts);
}

export function parseConllu(text: string, fileName: string, opts: ConlluOptions = {}): Sentence[] {
  const tag = opts.tag ?? 'upos';
  const tagColumn = tag === 'upos' ? 3 : 4;
  const sentences: Sentence[] = [];
  let current: Sentence = { words: [], labels: [], lines: [] };
  let missing = false;
  const flush = (): void => {
    if (missing) {
      if (opts.skipped) {
        opts.skipped.sentences++;
        opts.skipped.words += current.words.length;
      }
    } else if (current.words.length > 0) sentences.push(current);
    current = { words: [], labels: [], lines: [] };
    missing = false;
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
    const label = columns[tagColumn]!;
    if (label === '_' || label === '') {
      if (opts.missingTags !== 'skip') {
        const other = tag === 'upos' ? 'xpos' : 'upos';
        throw new Error(`${where}: the ${tag.toUpperCase()} column is ${JSON.stringify(label)} (no tag); this file may have no ${tag.toUpperCase()}: try --column ${other}, or --allow-missing-tags to skip such sentences`);
      }
      missing = true;
    }
    current.words.push(columns[1]!);
    current.labels.push(label);
    current.lines!.push(i + 1);
  });
  flush();
  return sentences;
}
