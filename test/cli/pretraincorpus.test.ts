import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCorpus } from '../../src/cli/pretraincorpus.js';
import { WordPiece } from '../../src/data/wordpiece.js';

const letters = 'abcdefghij'.split('');
const tokenizer = new WordPiece(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...letters, ...letters.map((c) => `##${c}`)], { lowercase: false });
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'offramp-corpus-'));
  // line k: a marker word of its source (hh, ii, jj → pieces h ##h, …), then k in base 7 as letters a–g
  const number = (k: number): string => k.toString(7).split('').map((d) => letters[Number(d)]).join('');
  const file = (marker: string, lines: number): string => Array.from({ length: lines }, (_, k) => `${marker} ${number(k)}`).join('\n');
  writeFileSync(join(dir, 'a.txt'), `${file('hh', 120)}\n\n${file('ii', 80)}\n`);
  writeFileSync(join(dir, 'b.conll'), Array.from({ length: 100 }, (_, k) => `jj O\n${number(k)} O`).join('\n\n') + '\n');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('readCorpus: N lines held out, spread over every source; nothing lost or duplicated', () => {
  const sources = [{ file: join(dir, 'a.txt'), kind: 'text' as const }, { file: join(dir, 'b.conll'), kind: 'labelled' as const }];
  const all = readCorpus(sources, tokenizer, 16, () => 0);
  assert.equal(all.lines, 300);
  assert.equal(all.heldOutLines, 0);
  assert.equal(all.heldOut.length, 0);
  const c = readCorpus(sources, tokenizer, 16, (lines) => lines / 10);
  assert.equal(c.heldOutLines, 30);
  const count = (seqs: Int32Array[], id: number): number => seqs.reduce((n, s) => n + s.filter((x) => x === id).length, 0);
  const pieces = (seqs: Int32Array[]): number => seqs.reduce((n, s) => n + s.length, 0);
  assert.equal(pieces(c.train) + pieces(c.heldOut), pieces(all.train));
  // ##h, ##i, ##j: one per line of the first document, the second, the labelled file
  const [a, b, cc] = [22, 23, 24];
  assert.deepEqual([count(c.heldOut, a), count(c.heldOut, b), count(c.heldOut, cc)], [12, 8, 10]);
  assert.deepEqual([count(c.train, a), count(c.train, b), count(c.train, cc)], [108, 72, 90]);
});
