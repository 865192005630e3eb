import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  activePiecesFromExits,
  baselineFlops,
  earlyExitFlops,
  FlopsMeter,
  officialBaselineMacs,
  officialMacs,
  type FlopsShape,
} from '../../src/earlyexit/flops.js';

// L = 2, H = 4, F = 16, heads = 2 (d = 2), C = 3
const tiny: FlopsShape = { layers: 2, hidden: 4, ffn: 16, heads: 2, labels: 3 };

test('active pieces: a word exiting at l is active in layers 1..l, [CLS]/[SEP] always', () => {
  // words of 2 and 1 pieces exiting at layers 1 and 2: layer 1 = 2 + 2 + 1 = 5, layer 2 = 2 + 1 = 3
  assert.deepEqual(activePiecesFromExits(2, [1, 2], [2, 1]), [5, 3]);
  // execution stops after the last exit: everyone leaves at layer 1 of 12 → one layer
  assert.deepEqual(activePiecesFromExits(12, [1, 1], [1, 3]), [6]);
  assert.deepEqual(activePiecesFromExits(12, [1, 3], [2, 1]), [5, 3, 3]);
});

test('hand-computed FLOPs of one sentence (N = 5, n = 2, M = [5, 3])', () => {
  // layer 1: 4·16·(5+5) + 4·4·5·5 + 4·4·16·5 + 2·4·3·2 = 640 + 400 + 1280 + 48 = 2368
  // layer 2: 4·16·(3+5) + 4·4·3·5 + 4·4·16·3 + 48     = 512 + 240 + 768 + 48  = 1568
  assert.equal(earlyExitFlops(tiny, 5, 2, [5, 3]), 2368 + 1568);
  // baseline: 2·(8·16·5 + 4·4·25 + 4·4·16·5) + 48 = 2·(640 + 400 + 1280) + 48 = 4688
  assert.equal(baselineFlops(tiny, 5, 2), 4688);
});

test('hand-computed official MACs of the same sentence (head width d = 2 in the score term)', () => {
  // layer 1: 2·16·10 + 2·2·5·5 + 2·4·16·5 + 4·3·2 = 320 + 100 + 640 + 24 = 1084
  // layer 2: 2·16·8  + 2·2·3·5 + 2·4·16·3 + 24    = 256 + 60 + 384 + 24  = 724
  assert.equal(officialMacs(tiny, 5, 2, [5, 3]), 1084 + 724);
  // baseline: 2·(4·16·5 + 2·2·25 + 2·4·16·5) + 24 = 2·(320 + 100 + 640) + 24 = 2144
  assert.equal(officialBaselineMacs(tiny, 5, 2), 2144);
});

test('nothing exits early: speedup 1 on one layer; otherwise only the extra off-ramps cost', () => {
  const one = new FlopsMeter({ ...tiny, layers: 1 });
  one.add(5, 2, [5]);
  assert.equal(one.speedup(), 1);
  assert.equal(one.officialSpeedup(), 1);
  // all L layers at full width: early exit pays L − 1 more off-ramps (2HCn FLOPs, HCn MACs each)
  const full = new FlopsMeter(tiny);
  full.add(5, 2, activePiecesFromExits(2, [2, 2], [2, 1]));
  assert.equal(full.total() - full.baseline(), 1 * 2 * 4 * 3 * 2);
  assert.equal(full.officialTotal() - full.officialBaseline(), 1 * 4 * 3 * 2);
  assert.ok(full.speedup() < 1);
});

test('corpus speedup is the ratio of totals, not the mean of per-sentence ratios', () => {
  // a long sentence that runs every layer and a one-word sentence that leaves at layer 1
  const s: FlopsShape = { layers: 12, hidden: 8, ffn: 32, heads: 2, labels: 5 };
  const long = { N: 42, n: 40, active: activePiecesFromExits(12, new Array(40).fill(12), new Array(40).fill(1)) };
  const short = { N: 3, n: 1, active: activePiecesFromExits(12, [1], [1]) };
  const meter = new FlopsMeter(s);
  meter.add(long.N, long.n, long.active);
  meter.add(short.N, short.n, short.active);
  const b = [baselineFlops(s, long.N, long.n), baselineFlops(s, short.N, short.n)];
  const e = [earlyExitFlops(s, long.N, long.n, long.active), earlyExitFlops(s, short.N, short.n, short.active)];
  assert.equal(meter.speedup(), (b[0]! + b[1]!) / (e[0]! + e[1]!));
  const meanOfRatios = (b[0]! / e[0]! + b[1]! / e[1]!) / 2;
  // the short sentence gains ~12× but weighs little in the totals: the mean of ratios overstates the speedup
  assert.ok(meanOfRatios > 5 && meter.speedup() < 1.1, `mean ${meanOfRatios} vs totals ${meter.speedup()}`);
});

test('bad input is rejected with the offending value', () => {
  assert.throws(() => earlyExitFlops(tiny, 5, 2, [5, 3, 3]), /expected 1\.\.2 executed layers, got 3/);
  assert.throws(() => earlyExitFlops(tiny, 5, 2, [3, 5]), /activePieces\[1\] = 5 must be an integer in \[2, 3\]/);
  assert.throws(() => earlyExitFlops(tiny, 5, 2, [6]), /activePieces\[0\] = 6/);
  assert.throws(() => earlyExitFlops(tiny, 3, 2, [3]), /pieces N must be an integer ≥ n \+ 2 = 4/);
  assert.throws(() => officialMacs({ ...tiny, heads: 3 }, 5, 2, [5]), /hidden 4 is not divisible by heads 3/);
  assert.throws(() => activePiecesFromExits(2, [3], [1]), /word 0 exits at layer 3, outside 1\.\.2/);
  assert.throws(() => activePiecesFromExits(2, [1], [0]), /word 0 has 0 pieces/);
  assert.throws(() => activePiecesFromExits(2, [1, 1], [1]), /2 exit layers but 1 piece counts/);
  assert.throws(() => new FlopsMeter(tiny).speedup(), /no sentence added/);
});

const sentenceWithEarlierExit = fc
  .record({ layers: fc.integer({ min: 1, max: 12 }), heads: fc.integer({ min: 1, max: 4 }), headWidth: fc.integer({ min: 1, max: 16 }), labels: fc.integer({ min: 2, max: 20 }) })
  .chain((d) =>
    fc.record({
      shape: fc.constant<FlopsShape>({ layers: d.layers, hidden: d.heads * d.headWidth, ffn: 4 * d.heads * d.headWidth, heads: d.heads, labels: d.labels }),
      words: fc.array(fc.record({ exit: fc.integer({ min: 1, max: d.layers }), pieces: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 20 }),
      pick: fc.nat(),
      lower: fc.nat(),
    }),
  );

test('property: exiting earlier never increases FLOPs or MACs (and strictly lowers them)', () => {
  fc.assert(
    fc.property(sentenceWithEarlierExit, ({ shape, words, pick, lower }) => {
      const j = pick % words.length;
      fc.pre(words[j]!.exit > 1);
      const pieces = words.map((w) => w.pieces);
      const later = words.map((w) => w.exit);
      const earlier = later.map((e, i) => (i === j ? 1 + (lower % (e - 1)) : e));
      const N = pieces.reduce((a, b) => a + b, 2);
      const n = words.length;
      const [ml, me] = [activePiecesFromExits(shape.layers, later, pieces), activePiecesFromExits(shape.layers, earlier, pieces)];
      assert.ok(earlyExitFlops(shape, N, n, me) < earlyExitFlops(shape, N, n, ml));
      assert.ok(officialMacs(shape, N, n, me) < officialMacs(shape, N, n, ml));
    }),
  );
});

test('property: a sentence that runs every layer costs the baseline plus L − 1 off-ramps', () => {
  fc.assert(
    fc.property(sentenceWithEarlierExit, ({ shape, words }) => {
      const pieces = words.map((w) => w.pieces);
      const N = pieces.reduce((a, b) => a + b, 2);
      const n = words.length;
      const full = activePiecesFromExits(shape.layers, words.map(() => shape.layers), pieces);
      const H = shape.hidden;
      const C = shape.labels;
      assert.equal(earlyExitFlops(shape, N, n, full), baselineFlops(shape, N, n) + (shape.layers - 1) * 2 * H * C * n);
      assert.equal(officialMacs(shape, N, n, full), officialBaselineMacs(shape, N, n) + (shape.layers - 1) * H * C * n);
    }),
  );
});
