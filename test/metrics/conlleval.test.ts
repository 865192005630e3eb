import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conllevalReport, parseConllevalInput } from '../../src/metrics/conlleval.js';

test('the report has conlleval.pl layout: totals, accuracy line, one line per type in sorted order', () => {
  const { gold, pred } = parseConllevalInput(
    'John B-PER B-PER\nSmith I-PER I-PER\nlives O O\nin O O\nNew B-LOC B-ORG\nYork I-LOC I-ORG\n. O O\n',
    'inline',
  );
  // accuracy 5/7 = 71.428…%; P = R = F = 1/2; types printed with %17s, the last number is found (pred) chunks
  assert.equal(
    conllevalReport(gold, pred),
    'processed 7 tokens with 2 phrases; found: 2 phrases; correct: 1.\n' +
      'accuracy:  71.43%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n' +
      '              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n' +
      '              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n' +
      '              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n',
  );
});

test('IOB1 report: P = 1/2, R = 1/3, FB1 = 40', () => {
  const { gold, pred } = parseConllevalInput('Alex I-PER I-PER\nBob B-PER I-PER\nwent O O\nto O O\nParis I-LOC I-LOC\n', 'inline');
  assert.equal(
    conllevalReport(gold, pred),
    'processed 5 tokens with 3 phrases; found: 2 phrases; correct: 1.\n' +
      'accuracy:  80.00%; precision:  50.00%; recall:  33.33%; FB1:  40.00\n' +
      '              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n' +
      '              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n',
  );
});

test('percentages round an exact tie to even, like printf in Perl', () => {
  // 800 one-word sentences, gold all B-X, pred B-X on 97 and B-Y on 703: 100·97/800 = 12.125 exactly,
  // which glibc prints as 12.12 (JS toFixed would give 12.13). X: P = 100, R = 12.125, FB1 = 2425/112.125 = 21.627…
  const gold = Array.from({ length: 800 }, () => ['B-X']);
  const pred = gold.map((_, i) => [i < 97 ? 'B-X' : 'B-Y']);
  assert.equal(
    conllevalReport(gold, pred),
    'processed 800 tokens with 800 phrases; found: 800 phrases; correct: 97.\n' +
      'accuracy:  12.12%; precision:  12.12%; recall:  12.12%; FB1:  12.12\n' +
      '                X: precision: 100.00%; recall:  12.12%; FB1:  21.63  97\n' +
      '                Y: precision:   0.00%; recall:   0.00%; FB1:   0.00  703\n',
  );
});

test('an empty corpus prints only the totals line', () => {
  assert.equal(conllevalReport([], []), 'processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n');
});

test('parsing keeps the first column as the word and the last two as gold and pred', () => {
  const c = parseConllevalInput('EU NNP B-ORG B-ORG\nrejects VBZ O O\n\n\nPeter NNP B-PER I-PER\n', 'in.txt');
  assert.deepEqual(c, { words: [['EU', 'rejects'], ['Peter']], gold: [['B-ORG', 'O'], ['B-PER']], pred: [['B-ORG', 'O'], ['I-PER']] });
});

test('parse errors name the file and line', () => {
  assert.throws(() => parseConllevalInput('a O O\nb O\n', 'in.txt'), /in\.txt:2: expected 3 columns as on the first line, got 2/);
  assert.throws(() => parseConllevalInput('O\n', 'in.txt'), /in\.txt:1: expected at least 2 columns/);
});
