import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convertTags, spansToTags, tagsToSpans, type Span, type TagScheme, validateTags } from '../../src/data/tagscheme.js';

const schemes: TagScheme[] = ['bio', 'iob1', 'bioes'];

/** Non-overlapping spans over `length` words, adjacent same-type spans included. */
const spansArb = fc.integer({ min: 0, max: 12 }).chain((length) =>
  fc
    .array(fc.tuple(fc.constantFrom('PER', 'LOC'), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 3 })), { maxLength: 6 })
    .map((parts) => {
      const spans: Span[] = [];
      let at = 0;
      for (const [type, gap, size] of parts) {
        if (at + gap + size > length) break;
        spans.push({ type, start: at + gap, end: at + gap + size });
        at += gap + size;
      }
      return { length, spans };
    }),
);

test('tagscheme: spans → tags → spans is the identity in every scheme', () => {
  fc.assert(
    fc.property(spansArb, fc.constantFrom(...schemes), ({ length, spans }, scheme) => {
      assert.deepEqual(tagsToSpans(spansToTags(spans, length, scheme), scheme), spans);
    }),
  );
});

test('tagscheme: converting A → B → A gives the original tags', () => {
  fc.assert(
    fc.property(spansArb, fc.constantFrom(...schemes), fc.constantFrom(...schemes), ({ length, spans }, a, b) => {
      const tags = spansToTags(spans, length, a);
      assert.deepEqual(convertTags(convertTags(tags, a, b), b, a), tags);
    }),
  );
});

test('tagscheme: hand-written encodings of the same spans', () => {
  const spans: Span[] = [
    { type: 'PER', start: 0, end: 2 },
    { type: 'PER', start: 2, end: 3 },
    { type: 'LOC', start: 4, end: 5 },
  ];
  assert.deepEqual(spansToTags(spans, 5, 'bio'), ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC']);
  assert.deepEqual(spansToTags(spans, 5, 'iob1'), ['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC']);
  assert.deepEqual(spansToTags(spans, 5, 'bioes'), ['B-PER', 'E-PER', 'S-PER', 'O', 'S-LOC']);
});

test('tagscheme: ill-formed BIO is decoded leniently like conlleval (I- after O starts a span)', () => {
  assert.deepEqual(tagsToSpans(['O', 'I-PER', 'I-PER', 'I-LOC'], 'bio'), [
    { type: 'PER', start: 1, end: 3 },
    { type: 'LOC', start: 3, end: 4 },
  ]);
  assert.deepEqual(convertTags(['I-ORG', 'I-ORG', 'O', 'I-MISC'], 'iob1', 'bio'), ['B-ORG', 'I-ORG', 'O', 'B-MISC']);
});

test('tagscheme: tags outside the scheme and overlapping spans are errors', () => {
  assert.throws(() => tagsToSpans(['O', 'S-PER'], 'bio'), /tag "S-PER" at position 1 is not a BIO tag/);
  assert.throws(() => tagsToSpans(['B'], 'bioes'), /not a BIOES tag/);
  assert.throws(() => spansToTags([{ type: 'A', start: 0, end: 2 }, { type: 'B', start: 1, end: 3 }], 3, 'bio'), /overlap/);
});

test('validateTags: invalid tags are errors naming file, line and tag; auto says what it detected', () => {
  const sentence = (labels: string[]) => ({ labels, lines: labels.map((_, i) => 10 + i) });
  const ok = [sentence(['B-PER', 'I-PER', 'O', 'B-LOC'])];
  assert.equal(validateTags(ok, 'f', 'auto'), 'bio');
  assert.equal(validateTags(ok, 'f', 'bio'), 'bio');
  assert.equal(validateTags([sentence(['NOUN', 'VERB', 'PUNCT'])], 'f', 'auto'), 'plain');
  assert.equal(validateTags([sentence(['S-PER', 'B-LOC', 'E-LOC', 'O'])], 'f', 'auto'), 'bioes');
  assert.equal(validateTags([sentence(['I-PER', 'I-PER', 'O', 'I-LOC'])], 'f', 'auto'), 'iob1');
  for (const bad of ['I-', 'X-PER', 'b-misc', 'B-']) {
    assert.throws(() => validateTags([sentence(['B-PER', 'O', bad])], 'eng.train', 'auto'), new RegExp(`eng\\.train:12: tag "${bad}" is not a BIO tag`), bad);
  }
  assert.throws(() => validateTags([sentence(['O', 'I-PER'])], 'f', 'bio'), /f:11: "I-PER" after "O": in BIO an entity starts with B-/);
  assert.throws(() => validateTags([sentence(['B-PER', 'I-PER'])], 'f', 'iobes'), /f:11: "I-PER" is followed by "the end of the sentence": in IOBES/);
  assert.throws(() => validateTags([sentence(['S-PER', 'E-PER'])], 'f', 'iobes'), /f:11: "E-PER" after "S-PER"/);
  assert.throws(() => validateTags([sentence(['NOUN'])], 'f', 'bio'), /f:10: tag "NOUN" is not a BIO tag/);
  assert.equal(validateTags([sentence(['B-PER', 'E-PER', 'S-LOC'])], 'f', 'iobes'), 'bioes');
});
