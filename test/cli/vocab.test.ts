// `offramp vocab` as a child process: writes a vocab.txt the WordPiece tokenizer loads, byte for
// byte the same on a second run, refuses to overwrite, and reports usage mistakes with exit 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WordPiece } from '../../src/data/wordpiece.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { offramp } from '../helpers/cli.js';

let dir = '';
let conll = '';
let text = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'offramp-vocab-'));
  conll = join(dir, 'train.conll');
  text = join(dir, 'raw.txt');
  writeFileSync(conll, '-DOCSTART- -X- O\n\nUnited B-ORG\nNations I-ORG\nofficials O\n\nNations B-ORG\nunite O\n\n');
  writeFileSync(text, 'The united nations.\nUnited, uniting, unites!\n');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('vocab: labelled and raw files → vocab.txt that tokenizes every training word; same bytes twice', () => {
  const out = join(dir, 'new', 'folder', 'vocab.txt');
  const r = offramp(['vocab', '--out', out, '--size', '60', '--case', 'uncased', '--text', text, conll]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*vocab\.txt: 46 pieces \(17 characters, 11 merges\)/);
  assert.match(r.stdout, /training words 15 \(10 distinct\), uncased/);
  // One piece: united ×3, nations ×3, unite, and the four punctuation marks.
  assert.match(r.stdout, /73\.33% of training words are one piece/);
  assert.match(r.stdout, /fewer than 60 pieces: no pair left with at least 2 occurrences/);
  assert.match(r.stderr, /raw\.txt: 10 words \(raw text\)/);
  assert.match(r.stderr, /train\.conll: 5 words/);
  const tok = WordPiece.fromFile(out, { lowercase: true });
  for (const word of ['united', 'nations', 'officials', 'uniting', 'unites', 'the']) {
    const pieces = tok.tokenize(word);
    assert.ok(!pieces.includes('[UNK]'), `${word} → ${pieces.join(' ')}`);
  }
  assert.deepEqual(tok.tokenize('uniting'), ['unit', '##i', '##n', '##g']);
  assert.deepEqual(tok.tokenize('United Nations'), ['united', 'nations']);
  const again = join(dir, 'again.txt');
  assert.equal(offramp(['vocab', '--out', again, '--size', '60', '--case', 'uncased', '--text', text, conll]).code, 0);
  assert.deepEqual(readFileSync(again), readFileSync(out));
});

test('vocab: an existing --out is kept unless --force', () => {
  const out = join(dir, 'kept.txt');
  writeFileSync(out, 'precious\n');
  const r = offramp(['vocab', '--out', out, conll]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /kept\.txt exists \(use --force/);
  assert.equal(readFileSync(out, 'utf8'), 'precious\n');
  assert.equal(offramp(['vocab', '--out', out, '--force', conll]).code, 0);
  assert.match(readFileSync(out, 'utf8'), /^\[PAD\]\n\[UNK\]\n\[CLS\]\n\[SEP\]\n\[MASK\]\n/);
});

test('vocab: usage mistakes exit 2 naming the flag; bad data exits 1 naming file and line', () => {
  const out = join(dir, 'never.txt');
  assert.match(offramp(['vocab', '--help']).stdout, /Usage: offramp vocab/);
  assert.match(offramp(['--help']).stdout, /^ {2}vocab +learn a WordPiece vocabulary/m);
  for (const [args, message] of [
    [[conll], /--out is required/],
    [['--out', out], /at least one FILE or --text FILE/],
    [['--out', out, '--size', 'ten', conll], /--size must be a number/],
    [['--out', out, '--case', 'upper', conll], /--case must be one of cased, uncased/],
    [['--out', out, '--format', 'csv', conll], /--format must be one of/],
  ] as const) {
    const r = offramp(['vocab', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const bad = join(dir, 'bad.conll');
  writeFileSync(bad, 'word O\nlonely\n');
  const r = offramp(['vocab', '--out', out, bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.conll:2: expected at least 2 columns/);
});

test('train --build-vocab N learns the vocabulary `offramp vocab --size N` writes', () => {
  const learned = join(dir, 'learned.txt');
  // 28 pieces before merging and 10 merges at min frequency 2: size 33 stops merging half way.
  assert.match(offramp(['vocab', '--out', learned, '--size', '33', '--case', 'uncased', conll]).stdout, /33 pieces \(12 characters, 5 merges\)/);
  const model = join(dir, 'model');
  const r = offramp(['train', '--train', conll, '--build-vocab', '33', '--case', 'uncased', '--layers', '1', '--hidden', '8', '--heads', '2',
    '--epochs', '1', '--quiet', '--out', model]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(join(resolveCheckpoint(model), 'vocab.txt')), readFileSync(learned));
});
