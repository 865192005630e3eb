import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ignoreLabel, mergeWindows, packBatch, type PackedBatch, type WordTokenizer } from '../../src/data/batch.js';
import { LabelSet, type Sentence } from '../../src/data/sentence.js';
import { WordPiece } from '../../src/data/wordpiece.js';

/** One piece per character (its code), so piece counts are easy to control and check. */
const charTokenizer: WordTokenizer = {
  clsId: 1,
  sepId: 2,
  tokenizeWord: (word) => Array.from(word, (c) => c.codePointAt(0)!),
};

const labelSet = new LabelSet(['O', 'B-X', 'I-X']);

const sentenceArb: fc.Arbitrary<Sentence> = fc
  .array(fc.tuple(fc.stringMatching(/^[a-e]{1,7}$/), fc.constantFrom('O', 'B-X', 'I-X')), { minLength: 1, maxLength: 12 })
  .map((pairs) => ({ words: pairs.map(([w]) => w), labels: pairs.map(([, l]) => l) }));

const batchArb = fc.record({
  sentences: fc.array(sentenceArb, { minLength: 1, maxLength: 6 }),
  maxPositions: fc.integer({ min: 3, max: 24 }),
});

function checkInvariants(batch: PackedBatch, sentences: Sentence[], maxPositions: number): void {
  const { ids, pos, cuSeqlens, cuWords, firstPiece, pieceWord, labels, source } = batch;
  const B = source.length;
  const T = ids.length;
  const W = firstPiece.length;
  assert.equal(cuSeqlens.length, B + 1);
  assert.equal(cuWords.length, B + 1);
  assert.equal(cuSeqlens[0], 0);
  assert.equal(cuSeqlens[B], T);
  assert.equal(cuWords[0], 0);
  assert.equal(cuWords[B], W);
  assert.equal(labels.length, W);
  assert.equal(pos.length, T);
  assert.equal(pieceWord.length, T);
  const maxPieces = maxPositions - 2;
  let expectedTruncated = 0;
  for (let b = 0; b < B; b++) {
    const [start, end] = [cuSeqlens[b]!, cuSeqlens[b + 1]!];
    assert.ok(end - start <= maxPositions, `packed sentence ${b} has ${end - start} pieces > ${maxPositions}`);
    assert.equal(ids[start], charTokenizer.clsId);
    assert.equal(ids[end - 1], charTokenizer.sepId);
    assert.equal(pieceWord[start], -1);
    assert.equal(pieceWord[end - 1], -1);
    for (let i = start; i < end; i++) assert.equal(pos[i], i - start);
    const { sentence, wordOffset } = source[b]!;
    const words = sentences[sentence]!.words;
    for (let w = cuWords[b]!; w < cuWords[b + 1]!; w++) {
      const original = words[wordOffset + w - cuWords[b]!]!;
      const rows = [...pieceWord.keys()].filter((i) => pieceWord[i] === w);
      assert.ok(rows.length > 0 && rows[0] === firstPiece[w], `word ${w} starts at its first piece`);
      assert.ok(rows.every((r, k) => r === rows[0]! + k && r > start && r < end - 1), `word ${w} pieces are contiguous inside sentence ${b}`);
      const full = charTokenizer.tokenizeWord(original);
      assert.deepEqual([...rows.map((r) => ids[r]!)], full.slice(0, maxPieces));
      expectedTruncated += Math.max(0, full.length - maxPieces);
    }
    // Greedy windows: a window is closed only when the next word of its sentence does not fit.
    const next = source[b + 1];
    if (next && next.sentence === sentence) {
      const nextWord = Math.min(charTokenizer.tokenizeWord(words[next.wordOffset]!).length, maxPieces);
      assert.ok(end - start - 2 + nextWord > maxPieces, `window ${b} was closed early`);
    }
  }
  assert.equal(batch.truncatedPieces, expectedTruncated);
}

test('packBatch: packing invariants hold for any sentences and maxPositions', () => {
  fc.assert(
    fc.property(batchArb, ({ sentences, maxPositions }) => {
      checkInvariants(packBatch(sentences, charTokenizer, labelSet, { maxPositions }), sentences, maxPositions);
    }),
  );
});

test('mergeWindows: per-word values come back in each sentence\'s original word order', () => {
  fc.assert(
    fc.property(batchArb, ({ sentences, maxPositions }) => {
      const batch = packBatch(sentences, charTokenizer, labelSet, { maxPositions });
      assert.deepEqual(mergeWindows(batch, batch.labels), sentences.map((s) => s.labels.map((l) => labelSet.id(l))));
      const wordOrder = mergeWindows(batch, Array.from(batch.firstPiece.keys()));
      assert.deepEqual(wordOrder.flat(), [...batch.firstPiece.keys()]);
      assert.deepEqual(wordOrder.map((w) => w.length), sentences.map((s) => s.words.length));
    }),
  );
});

test('packBatch: a sentence that fits is one window; a long one is split at word boundaries', () => {
  const sentences: Sentence[] = [
    { words: ['ab', 'c'], labels: ['B-X', 'O'] },
    { words: ['aaa', 'bb', 'cc', 'd'], labels: ['O', 'B-X', 'I-X', 'O'] },
  ];
  const batch = packBatch(sentences, charTokenizer, labelSet, { maxPositions: 6 });
  // maxPositions 6 leaves 4 pieces per window: aaa | bb cc | d
  assert.deepEqual(batch.source, [
    { sentence: 0, wordOffset: 0 },
    { sentence: 1, wordOffset: 0 },
    { sentence: 1, wordOffset: 1 },
    { sentence: 1, wordOffset: 3 },
  ]);
  assert.deepEqual([...batch.ids], [1, 97, 98, 99, 2, 1, 97, 97, 97, 2, 1, 98, 98, 99, 99, 2, 1, 100, 2]);
  assert.deepEqual([...batch.cuSeqlens], [0, 5, 10, 16, 19]);
  assert.deepEqual([...batch.cuWords], [0, 2, 3, 5, 6]);
  assert.deepEqual([...batch.labels], ['B-X', 'O', 'O', 'B-X', 'I-X', 'O'].map((l) => labelSet.id(l)));
});

test('packBatch: an over-long word keeps its first pieces and the cut is counted', () => {
  const batch = packBatch([{ words: ['abcdefg', 'a'], labels: ['O', 'O'] }], charTokenizer, labelSet, { maxPositions: 5 });
  assert.equal(batch.truncatedPieces, 4);
  assert.deepEqual([...batch.ids], [1, 97, 98, 99, 2, 1, 97, 2]);
  assert.deepEqual([...batch.firstPiece], [1, 6]);
});

test('packBatch: unlabelled sentences and labels outside the label set get -100', () => {
  const batch = packBatch(
    [
      { words: ['a', 'b'], labels: [] },
      { words: ['c', 'd'], labels: ['B-X', 'B-NEW'] },
    ],
    charTokenizer,
    labelSet,
    { maxPositions: 512 },
  );
  assert.deepEqual([...batch.labels], [ignoreLabel, ignoreLabel, labelSet.id('B-X'), ignoreLabel]);
  assert.equal(batch.unknownLabels, 1);
});

test('packBatch: mismatched word and label counts, or maxPositions < 3, are errors', () => {
  assert.throws(() => packBatch([{ words: ['a', 'b'], labels: ['O'] }], charTokenizer, labelSet, { maxPositions: 8 }), /sentence 0 has 2 words but 1 labels/);
  assert.throws(() => packBatch([], charTokenizer, labelSet, { maxPositions: 2 }), /maxPositions must be an integer >= 3/);
});

test('packBatch with WordPiece: multi-piece words map every piece to their word', () => {
  const tok = new WordPiece(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'run', '##ning', 'fast'], { lowercase: true });
  const batch = packBatch([{ words: ['running', 'fast', '?'], labels: ['O', 'O', 'O'] }], tok, new LabelSet(['O']), { maxPositions: 512 });
  assert.deepEqual([...batch.ids], [2, 5, 6, 7, 1, 3]);
  assert.deepEqual([...batch.pieceWord], [-1, 0, 0, 1, 2, -1]);
  assert.deepEqual([...batch.firstPiece], [1, 3, 4]);
});
