import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scoreAtSpeedup } from '../../src/earlyexit/tradeoff.js';

test('scoreAtSpeedup: hand-computed interpolation, exact hits, no extrapolation', () => {
  const pts: [number, number][] = [[3, 0.5], [1, 0.9], [2, 0.7]];
  assert.equal(scoreAtSpeedup(pts, 2), 0.7);
  assert.ok(Math.abs(scoreAtSpeedup(pts, 2.5)! - 0.6) < 1e-12);
  assert.ok(Math.abs(scoreAtSpeedup(pts, 1.25)! - 0.85) < 1e-12);
  assert.equal(scoreAtSpeedup(pts, 0.5), null);
  assert.equal(scoreAtSpeedup(pts, 3.5), null);
  assert.equal(scoreAtSpeedup([], 2), null);
  // a point without a score (NaN) is skipped, not bridged into a NaN
  assert.ok(Math.abs(scoreAtSpeedup([[1, 0.9], [2, NaN], [3, 0.5]], 2)! - 0.7) < 1e-12);
});

test('scoreAtSpeedup: inside the points the result lies between its two neighbours', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.double({ min: 1, max: 10, noNaN: true }), { minLength: 2, maxLength: 8 }),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    (xs, ys, t) => {
      const pts = xs.map((x, i) => [x, ys[i]!] as [number, number]);
      const sorted = [...pts].sort((a, b) => a[0] - b[0]);
      const lo = sorted[0]![0], hi = sorted[sorted.length - 1]![0];
      const x = Math.min(hi, lo + t * (hi - lo)); // lo + 1·(hi − lo) can round past hi
      const y = scoreAtSpeedup(pts, x);
      assert.notEqual(y, null);
      const j = sorted.findIndex(([sx]) => sx >= x);
      const [a, b] = sorted[j]![0] === x ? [sorted[j]!, sorted[j]!] : [sorted[j - 1]!, sorted[j]!];
      assert.ok(y! >= Math.min(a[1], b[1]) - 1e-12 && y! <= Math.max(a[1], b[1]) + 1e-12);
    },
  ));
});
