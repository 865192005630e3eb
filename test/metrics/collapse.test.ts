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
  const scratch = collapseAdvice({ label: 'O', epoch: 2, layers: 12, lr: 0.003, batchPieces: 1024, pretrained: false });
  assert.match(scratch, /epoch 2 every dev word is labelled 'O'/);
  assert.match(scratch, /--lr \(now 0\.003/);
  assert.match(scratch, /offramp pretrain/);
  assert.match(scratch, /--layers 3/);
  assert.match(scratch, /--batch-pieces 256, now 1024/);
  const pretrained = collapseAdvice({ label: 'NOUN', epoch: 1, layers: 3, lr: 0.001, batchPieces: 256, pretrained: true });
  assert.doesNotMatch(pretrained, /offramp pretrain|--layers 3|--batch-pieces/);
});
