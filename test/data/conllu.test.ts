import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConllu } from '../../src/data/conllu.js';

const row = (id: string, form: string, upos: string, xpos: string): string => [id, form, '_', upos, xpos, '_', '_', '_', '_', '_'].join('\t');

const sample = [
  '# sent_id = 1',
  '# text = I don\'t know.',
  row('1', 'I', 'PRON', 'PRP'),
  row('2-3', "don't", '_', '_'),
  row('2', 'do', 'AUX', 'VBP'),
  row('3', "n't", 'PART', 'RB'),
  row('4', 'know', 'VERB', 'VB'),
  row('4.1', 'knows', '_', '_'),
  row('5', '.', 'PUNCT', '.'),
  '',
  '# sent_id = 2',
  row('1', 'Yes', 'INTJ', 'UH'),
  '',
  '',
].join('\n');

test('conllu: UPOS by default; comments, multiword ranges and empty nodes skipped', () => {
  assert.deepEqual(parseConllu(sample, 'x.conllu'), [
    { words: ['I', 'do', "n't", 'know', '.'], labels: ['PRON', 'AUX', 'PART', 'VERB', 'PUNCT'], lines: [3, 5, 6, 7, 9] },
    { words: ['Yes'], labels: ['INTJ'], lines: [12] },
  ]);
});

test('conllu: XPOS on request', () => {
  assert.deepEqual(parseConllu(sample, 'x', { tag: 'xpos' })[0]!.labels, ['PRP', 'VBP', 'RB', 'VB', '.']);
});

test('conllu: CRLF line endings', () => {
  assert.deepEqual(parseConllu(sample.replace(/\n/g, '\r\n'), 'x'), parseConllu(sample, 'x'));
});

test('conllu: a line without 10 tab columns throws naming file, line and content', () => {
  const text = `${row('1', 'I', 'PRON', 'PRP')}\n2 am AUX VBP\n`;
  assert.throws(() => parseConllu(text, 'en.conllu'), (e: Error) => {
    assert.match(e.message, /en\.conllu:2: expected 10 tab-separated columns, got 1/);
    assert.match(e.message, /2 am AUX VBP/);
    return true;
  });
});

test('conllu: an ID that is neither word, range nor empty node is an error', () => {
  assert.throws(() => parseConllu(row('x', 'I', 'PRON', 'PRP'), 'f'), /f:1: ID "x"/);
});

test('conllu: a word whose tag is _ is an error naming the line, or its sentence is skipped and counted', () => {
  const text = `${row('1', 'I', 'PRON', '_')}\n${row('2', 'am', 'AUX', 'VBP')}\n\n${row('1', 'Yes', 'INTJ', 'UH')}\n`;
  assert.throws(() => parseConllu(text, 'en.conllu', { tag: 'xpos' }), /en\.conllu:1: the XPOS column is "_" \(no tag\).*--column upos, or --allow-missing-tags/);
  const skipped = { sentences: 0, words: 0 };
  const read = parseConllu(text, 'en.conllu', { tag: 'xpos', missingTags: 'skip', skipped });
  assert.deepEqual(read.map((s) => s.words), [['Yes']]);
  assert.deepEqual(skipped, { sentences: 1, words: 2 });
  assert.equal(parseConllu(text, 'en.conllu').length, 2); // UPOS is complete
});
