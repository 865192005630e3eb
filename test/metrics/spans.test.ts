import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spanF1 } from '../../src/metrics/spans.js';
import { parseConllevalInput } from '../../src/metrics/conlleval.js';

/** Scores an inline file in conlleval's input format. */
function scoreText(text: string) {
  const { gold, pred } = parseConllevalInput(text, 'inline');
  return spanF1(gold, pred);
}

test('a span with the right boundaries but the wrong type is wrong (BIO)', () => {
  // gold chunks: PER John Smith, LOC New York → 2; pred chunks: PER John Smith, ORG New York → 2;
  // only PER matches in boundaries and type → correct 1, P = R = F = 1/2
  const r = scoreText(`
John B-PER B-PER
Smith I-PER I-PER
lives O O
in O O
New B-LOC B-ORG
York I-LOC I-ORG
. O O
`);
  assert.deepEqual([r.gold, r.pred, r.correct], [2, 2, 1]);
  assert.deepEqual([r.precision, r.recall, r.f1], [0.5, 0.5, 0.5]);
  assert.deepEqual(Object.keys(r.perType), ['LOC', 'ORG', 'PER']);
  assert.deepEqual(r.perType.PER, { precision: 1, recall: 1, f1: 1, gold: 1, pred: 1, correct: 1 });
  assert.deepEqual(r.perType.LOC, { precision: 0, recall: 0, f1: 0, gold: 1, pred: 0, correct: 0 });
  assert.deepEqual(r.perType.ORG, { precision: 0, recall: 0, f1: 0, gold: 0, pred: 1, correct: 0 });
  // 7 tokens, New and York carry different tags → 5 correct tags
  assert.deepEqual([r.tokens, r.correctTags], [7, 5]);
});

test('an I- tag after O starts a chunk, and it can be correct', () => {
  // pred "I-PER I-PER" after O (sentence start) opens PER over tokens 0-1, as gold "B-PER I-PER" does
  const r = scoreText('Ann B-PER I-PER\nLee I-PER I-PER\nsaid O O\n');
  assert.deepEqual([r.gold, r.pred, r.correct], [1, 1, 1]);
  assert.equal(r.f1, 1);
  // token accuracy still sees the I-/B- difference: 2 of 3
  assert.equal(r.correctTags, 2);
});

test('an I- tag of a different type ends the chunk and starts a new one', () => {
  // pred B-PER I-LOC = PER(0) + LOC(1): 2 chunks; gold PER(0-1): 1 chunk; pred PER ends too early → 0 correct
  const r = scoreText('a B-PER B-PER\nb I-PER I-LOC\n');
  assert.deepEqual([r.gold, r.pred, r.correct], [1, 2, 0]);
  assert.deepEqual([r.precision, r.recall, r.f1], [0, 0, 0]);
});

test('adjacent B- tags are separate chunks', () => {
  // gold B-PER B-PER = PER(0), PER(1); pred B-PER I-PER = PER(0-1): at token 1 gold ends and pred does not,
  // so the open match is dropped → 0 correct of gold 2, pred 1
  const merged = scoreText('a B-PER B-PER\nb B-PER I-PER\n');
  assert.deepEqual([merged.gold, merged.pred, merged.correct], [2, 1, 0]);
  const same = scoreText('a B-PER B-PER\nb B-PER B-PER\n');
  assert.deepEqual([same.gold, same.pred, same.correct], [2, 2, 2]);
});

test('a sentence boundary ends a chunk; I- at the next sentence start opens a new one', () => {
  // gold and pred equal: PER(s0 token 1) and PER(s1 token 0) are two chunks, not one across the blank line
  const r = scoreText('a O O\nb B-PER B-PER\n\nc I-PER I-PER\nd O O\n');
  assert.deepEqual([r.gold, r.pred, r.correct], [2, 2, 2]);
  // "-X-" in the first column is also a boundary, as in conlleval
  const x = scoreText('a O O\nb B-PER B-PER\n-X- O O\nc I-PER I-PER\n');
  assert.deepEqual([x.gold, x.pred, x.correct, x.tokens], [2, 2, 2, 3]);
});

test('IOB1: I- is the normal tag, B- only splits two adjacent chunks of one type', () => {
  // gold: I-PER B-PER = PER(0), PER(1); LOC(4) → 3 chunks. pred: I-PER I-PER = PER(0-1); LOC(4) → 2 chunks.
  // At token 1 gold ends (I→B) and pred does not (I→I) → PER(0) is not matched; LOC matches → correct 1.
  // P = 1/2, R = 1/3, F = 2·(1/2)(1/3)/(1/2 + 1/3) = 2/5
  const r = scoreText(`
Alex I-PER I-PER
Bob B-PER I-PER
went O O
to O O
Paris I-LOC I-LOC
`);
  assert.deepEqual([r.gold, r.pred, r.correct], [3, 2, 1]);
  assert.equal(r.precision, 1 / 2);
  assert.equal(r.recall, 1 / 3);
  assert.ok(Math.abs(r.f1 - 0.4) < 1e-12);
  assert.deepEqual([r.perType.PER!.gold, r.perType.PER!.pred, r.perType.PER!.correct], [2, 1, 0]);
  assert.deepEqual([r.perType.LOC!.gold, r.perType.LOC!.pred, r.perType.LOC!.correct], [1, 1, 1]);
});

test('BIOES: B and S always start a chunk, E and S always end one', () => {
  // gold B-X E-X B-X E-X = X(0-1), X(2-3); pred S-X S-X B-X E-X = X(0), X(1), X(2-3) → only X(2-3) matches
  const r = scoreText('a B-X S-X\nb E-X S-X\nc B-X B-X\nd E-X E-X\n');
  assert.deepEqual([r.gold, r.pred, r.correct], [2, 3, 1]);
});

test('a type may contain hyphens: only the first hyphen splits prefix from type', () => {
  const r = scoreText('a B-GPE-CITY B-GPE-CITY\nb I-GPE-CITY I-GPE\n');
  assert.deepEqual(Object.keys(r.perType), ['GPE', 'GPE-CITY']);
  assert.deepEqual([r.gold, r.pred, r.correct], [1, 2, 0]);
});

test('misaligned input names the sentence and both lengths', () => {
  assert.throws(() => spanF1([['O']], []), /gold has 1 sentences but pred has 0/);
  assert.throws(() => spanF1([['O', 'O']], [['O']]), /sentence 0: gold has 2 tags but pred has 1/);
});

const BIOES_TAGS = ['O', 'B-A', 'I-A', 'E-A', 'S-A', 'B-B', 'I-B', 'E-B', 'S-B'];
const sentence = fc.array(fc.constantFrom(...BIOES_TAGS), { maxLength: 12 });
const corpus = fc.array(sentence, { maxLength: 6 });
/** gold and pred with the same sentence lengths */
const pair = corpus.chain((gold) =>
  fc.tuple(fc.constant(gold), fc.tuple(...gold.map((s) => fc.array(fc.constantFrom(...BIOES_TAGS), { minLength: s.length, maxLength: s.length })))),
);

test('property: pred = gold scores F1 = 1 whenever gold has a chunk (and 0 otherwise)', () => {
  fc.assert(
    fc.property(corpus, (gold) => {
      const r = spanF1(gold, gold);
      const hasChunk = gold.some((s) => s.some((t) => t !== 'O'));
      assert.equal(r.gold > 0, hasChunk);
      assert.equal(r.correct, r.gold);
      assert.equal(r.f1, hasChunk ? 1 : 0);
      for (const s of Object.values(r.perType)) assert.equal(s.f1, 1);
    }),
  );
});

test('property: precision, recall and F1 lie in [0, 1], overall and per type', () => {
  fc.assert(
    fc.property(pair, ([gold, pred]) => {
      const r = spanF1(gold, pred);
      for (const s of [r, ...Object.values(r.perType)]) {
        for (const v of [s.precision, s.recall, s.f1]) assert.ok(v >= 0 && v <= 1, `score ${v}`);
        assert.ok(s.correct <= Math.min(s.gold, s.pred));
      }
    }),
  );
});

test('property: swapping gold and pred swaps precision and recall', () => {
  fc.assert(
    fc.property(pair, ([gold, pred]) => {
      const a = spanF1(gold, pred);
      const b = spanF1(pred, gold);
      assert.deepEqual([b.precision, b.recall, b.correct, b.gold, b.pred], [a.recall, a.precision, a.correct, a.pred, a.gold]);
      assert.equal(b.f1, a.f1);
    }),
  );
});
