// The one TOKEE decision rule (wordsLeaving), shared by inference and self-sampling: per-layer
// thresholds as the official code builds them (doubled upper half, then min(cap, ·)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wordsLeaving, type TokeePolicy } from '../../src/earlyexit/policy.js';

const all = (n: number): boolean[] => new Array<boolean>(n).fill(true);
const u = Float64Array.from([0.1, 0.45, 0.7]);

test('tokee thresholds: plain δ, doubled in the upper half, uncapped by default (official test.py), capped on every layer', () => {
  const base: TokeePolicy = { kind: 'tokee', halfWidth: 0, threshold: 0.3 };
  assert.deepEqual(wordsLeaving(base, 2, 6, u, all(3)), [true, false, false]);
  assert.deepEqual(wordsLeaving({ ...base, doubleUpper: true }, 3, 6, u, all(3)), [true, false, false], 'layer 3 of 6 is the lower half');
  assert.deepEqual(wordsLeaving({ ...base, doubleUpper: true }, 4, 6, u, all(3)), [true, true, false], 'layer 4 of 6: 2δ = 0.6');
  assert.deepEqual(wordsLeaving({ ...base, doubleUpper: true, maxThreshold: 0.8 }, 4, 6, u, all(3)), [true, true, false]);
  assert.deepEqual(wordsLeaving({ ...base, doubleUpper: true, maxThreshold: 0.5 }, 4, 6, u, all(3)), [true, true, false], 'min(0.5, 0.6)');
  assert.deepEqual(wordsLeaving({ ...base, doubleUpper: true, maxThreshold: 0.4 }, 4, 6, u, all(3)), [true, false, false], 'min(0.4, 0.6)');
  assert.deepEqual(wordsLeaving({ ...base, maxThreshold: 0.05 }, 2, 6, u, all(3)), [false, false, false], 'the cap bounds the lower half too');
});

test('only active words leave; at the last layer every active word does', () => {
  const p: TokeePolicy = { kind: 'tokee', halfWidth: 0, threshold: 0.5 };
  assert.deepEqual(wordsLeaving(p, 1, 4, u, [false, true, true]), [false, true, false]);
  assert.deepEqual(wordsLeaving(p, 4, 4, u, [false, true, true]), [false, true, true]);
});
