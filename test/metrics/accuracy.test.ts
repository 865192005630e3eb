import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tokenAccuracy } from '../../src/metrics/accuracy.js';

test('token accuracy counts equal tags over all sentences', () => {
  // 5 tokens, "VB" vs "NN" and "DT" vs "IN" differ → 3/5
  const r = tokenAccuracy([['NN', 'VB'], ['DT', 'NN', '.']], [['NN', 'NN'], ['IN', 'NN', '.']]);
  assert.deepEqual(r, { accuracy: 0.6, correct: 3, total: 5 });
});

test('token accuracy of no tokens is 0, and misaligned input is an error', () => {
  assert.deepEqual(tokenAccuracy([[]], [[]]), { accuracy: 0, correct: 0, total: 0 });
  assert.throws(() => tokenAccuracy([['NN']], [['NN', 'VB']]), /sentence 0: gold has 1 tags but pred has 2/);
});

test('property: accuracy is 1 on equal tags and within [0, 1] otherwise', () => {
  const tags = fc.array(fc.array(fc.constantFrom('NN', 'VB', 'DT'), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 });
  fc.assert(
    fc.property(tags, fc.integer(), (gold, seed) => {
      assert.equal(tokenAccuracy(gold, gold).accuracy, 1);
      const pred = gold.map((s, i) => s.map((t, j) => ((i + j + seed) % 3 === 0 ? 'JJ' : t)));
      const r = tokenAccuracy(gold, pred);
      assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
      assert.equal(r.total - r.correct, pred.flat().filter((t) => t === 'JJ').length);
    }),
  );
});
