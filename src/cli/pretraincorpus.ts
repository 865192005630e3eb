// The text `offramp pretrain` learns from: raw text files (one sentence or paragraph per line, a
// blank line ends a document) and the words of labelled files (each file one document), tokenized
// into sequences. A held-out share of the lines, spread evenly over all files, is kept apart.
import { readFileSync } from 'node:fs';
import { splitLines } from '../data/lines.js';
import { buildSequences, type TextDocument } from '../data/mlm.js';
import type { WordPiece } from '../data/wordpiece.js';
import { checkReadable, readData, wordsOnly } from './common.js';

export interface CorpusSource {
  file: string;
  kind: 'text' | 'labelled';
}

export interface Corpus {
  train: Int32Array[];
  heldOut: Int32Array[];
  /** non-empty lines (sentences of labelled files) read, held-out ones included */
  lines: number;
  heldOutLines: number;
}

function words(line: string): string[] {
  return line.split(/\s+/).filter((w) => w !== '');
}

/** Documents of one source; a raw text file's blank lines separate documents. */
function documents(source: CorpusSource): TextDocument[] {
  if (source.kind === 'labelled') return [readData(source.file, undefined, wordsOnly).map((s) => s.words).filter((w) => w.length > 0)];
  checkReadable(source.file);
  const docs: TextDocument[] = [[]];
  for (const line of splitLines(readFileSync(source.file, 'utf8'))) {
    const w = words(line);
    if (w.length > 0) docs[docs.length - 1]!.push(w);
    else if (docs[docs.length - 1]!.length > 0) docs.push([]);
  }
  return docs.filter((d) => d.length > 0);
}

/**
 * Reads every source and splits it into training and held-out sequences. `heldOut(lines)` says how
 * many lines to hold out given the total; line g (counted over all sources) is held out when
 * ⌊(g+1)·N/L⌋ > ⌊g·N/L⌋, which spreads the N lines evenly.
 */
export function readCorpus(sources: readonly CorpusSource[], tokenizer: WordPiece, seqLen: number, heldOut: (lines: number) => number): Corpus {
  const perSource = sources.map(documents);
  const lines = perSource.flat().reduce((n, d) => n + d.length, 0);
  if (lines === 0) throw new Error(`${sources.map((s) => s.file).join(', ')}: no text found`);
  const n = Math.min(heldOut(lines), lines - 1);
  const isHeld = (g: number): boolean => Math.floor(((g + 1) * n) / lines) > Math.floor((g * n) / lines);
  const train: Int32Array[] = [];
  const held: TextDocument = [];
  let g = 0;
  for (const docs of perSource) {
    const kept: TextDocument[] = docs.map((doc) => {
      const rest: string[][] = [];
      for (const line of doc) (isHeld(g++) ? held : rest).push(line);
      return rest;
    });
    for (const seq of buildSequences(kept, tokenizer, seqLen)) train.push(seq); // no spread: there may be millions
  }
  return { train, heldOut: buildSequences([held], tokenizer, seqLen), lines, heldOutLines: n };
}
