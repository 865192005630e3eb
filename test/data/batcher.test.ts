import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pieceCount, planBatches } from '../../src/data/batcher.js';
import { Rng } from '../../src/tensor/random.js';

const countsArb = fc.array(fc.integer({ min: 2, max: 40 }), { maxLength: 50 });

test('planBatches: every sentence exactly once; budgets respected except a lone long sentence', () => {
  fc.assert(
    fc.property(countsArb, fc.integer({ min: 2, max: 60 }), fc.integer({ min: 1, max: 8 }), fc.option(fc.integer()), (counts, maxPieces, maxSentences, seed) => {
      const batches = planBatches(counts, { maxPieces, maxSentences, ...(seed === null ? {} : { rng: new Rng(seed) }) });
      assert.deepEqual(batches.flat().sort((a, b) => a - b), counts.map((_, i) => i));
      for (const batch of batches) {
        assert.ok(batch.length >= 1 && batch.length <= maxSentences);
        const pieces = batch.reduce((n, i) => n + counts[i]!, 0);
        assert.ok(pieces <= maxPieces || batch.length === 1, `batch of ${pieces} pieces over budget ${maxPieces}`);
      }
    }),
  );
});

test('planBatches: without rng the order is kept; with a seed it is shuffled reproducibly', () => {
  const counts = Array.from({ length: 20 }, (_, i) => 2 + (i % 5));
  assert.deepEqual(planBatches(counts, { maxSentences: 20 }), [counts.map((_, i) => i)]);
  const a = planBatches(counts, { maxSentences: 4, rng: new Rng(7) });
  assert.deepEqual(planBatches(counts, { maxSentences: 4, rng: new Rng(7) }), a);
  assert.notDeepEqual(planBatches(counts, { maxSentences: 4, rng: new Rng(8) }), a);
  assert.notDeepEqual(a.flat(), counts.map((_, i) => i));
});

test('planBatches: needs a budget', () => {
  assert.throws(() => planBatches([3], {}), /needs maxPieces or maxSentences/);
});

test('pieceCount: word pieces plus [CLS] and [SEP]', () => {
  const tok = { clsId: 0, sepId: 1, tokenizeWord: (w: string) => Array.from(w, () => 5) };
  assert.equal(pieceCount({ words: ['ab', 'c'], labels: [] }, tok), 5);
});
