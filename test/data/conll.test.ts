import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConll } from '../../src/data/conll.js';

test('conll: tag is the last column, word the first, spaces or tabs between columns; each word knows its line', () => {
  const text = 'EU NNP B-NP B-ORG\nrejects\tVBZ\tB-VP\tO\n\nPeter  NNP   B-NP B-PER\nsaid\tVBD O O\n';
  assert.deepEqual(parseConll(text, 'x.conll'), [
    { words: ['EU', 'rejects'], labels: ['B-ORG', 'O'], lines: [1, 2] },
    { words: ['Peter', 'said'], labels: ['B-PER', 'O'], lines: [4, 5] },
  ]);
});

test('conll: a word line with another column count than the first is an error naming both lines', () => {
  // e.g. the chunk column of one line where the NER column should be: it would become a label
  const text = 'EU NNP B-NP B-ORG\nrejects VBZ O\n';
  assert.throws(() => parseConll(text, 'eng.train'), /eng\.train:2: 3 columns, but line 1 has 4 \(every word line needs the same columns, tag last\)/);
});

test('conll: -DOCSTART- lines are skipped and do not create empty sentences', () => {
  const text = '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\n\n-DOCSTART- -X- O O\n\nPeter NNP B-NP B-PER\n';
  assert.deepEqual(parseConll(text, 'x').map((s) => s.words), [['EU'], ['Peter']]);
});

test('conll: a file without -DOCSTART- (the shared conll2003 copy) reads the same', () => {
  const text = 'EU NNP B-NP B-ORG\n\nPeter NNP B-NP B-PER\n';
  assert.deepEqual(parseConll(text, 'x').map((s) => s.words), [['EU'], ['Peter']]);
});

test('conll: IMGID lines (twitter2017) are skipped, blank lines between tweets split them', () => {
  const text = 'IMGID:17_06_12483\nNew\tO\nPost\tO\n\nIMGID:42\nBlackburn\tB-MISC\n\n';
  assert.deepEqual(parseConll(text, 'train.txt'), [
    { words: ['New', 'Post'], labels: ['O', 'O'], lines: [2, 3] },
    { words: ['Blackburn'], labels: ['B-MISC'], lines: [6] },
  ]);
});

test('conll: whitespace-only lines separate sentences; trailing blank lines and CRLF are tolerated', () => {
  const text = 'a\tO\r\nb\tB-X\r\n \t \r\nc\tO\r\n\r\n\r\n\n';
  assert.deepEqual(parseConll(text, 'x'), [
    { words: ['a', 'b'], labels: ['O', 'B-X'], lines: [1, 2] },
    { words: ['c'], labels: ['O'], lines: [4] },
  ]);
});

test('conll: only spaces and tabs split columns; a token made of U+00A0 or U+200B survives', () => {
  const text = '\u00a0\t,\n\u200b\tO\nx\u2028z\tN\n';
  const [s] = parseConll(text, 'x');
  assert.deepEqual(s!.words, ['\u00a0', '\u200b', 'x\u2028z']);
  assert.deepEqual(s!.labels, [',', 'O', 'N']);
});

test('conll: a single-column line throws naming file, line number and content', () => {
  const text = 'EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nbroken\n';
  assert.throws(() => parseConll(text, 'data/eng.train'), (e: Error) => {
    assert.match(e.message, /data\/eng\.train:4/);
    assert.match(e.message, /"broken"/);
    return true;
  });
});

test('conll: minColumns is enforced', () => {
  assert.throws(() => parseConll('a b\n', 'f', { minColumns: 4 }), /f:1: expected at least 4 columns, got 2/);
  assert.equal(parseConll('a b c d\n', 'f', { minColumns: 4 }).length, 1);
});
