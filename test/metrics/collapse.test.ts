import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collapseAdvice, collapsedLabel } from '../../src/metrics/collapse.js';

test('collapsedLabel: the single label of every word, else null', () => {
  assert.equal(collapsedLabel([['O', 'O'], ['O']]), 'O');
  assert.equal(collapsedLabel([['O', 'O'], ['B-PER']]), null);
  assert.equal(collapsedLabel([['O', 'B-LOC', 'O']]), null);
  assert.equal(collapsedLabel([[], ['NOUN']]), 'NOUN');
  assert.equal(collapsedLabel([]), null);
});

test('collapseAdvice names the label, the epoch and what to try', () => {
  const scratch = collapseAdvice('O', 2, 12, 0.003, false);
  assert.match(scratch, /epoch 2 every dev word is labelled 'O'/);
  assert.match(scratch, /--lr \(now 0\.003/);
  assert.match(scratch, /offramp pretrain/);
  assert.match(scratch, /--layers 3/);
  const pretrained = collapseAdvice('NOUN', 1, 3, 0.001, true);
  assert.doesNotMatch(pretrained, /offramp pretrain|--layers 3/);
});
