import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { specialTokens } from '../../src/data/vocab.js';
import { coverage, trainWordPiece, WordCounts, type WordPieceTrainerOptions } from '../../src/data/wordpiece-trainer.js';
import { WordPiece } from '../../src/data/wordpiece.js';

// The corpus of HF tokenizers' own BPE trainer test (bpe/trainer.rs test_train), here with `##`.
const hfCorpus = new Map<string, number>([
  ['roses', 1], ['are', 2], ['red', 1], ['voilets', 1], ['blue', 1], ['BERT', 1],
  ['is', 2], ['big', 1], ['and', 1], ['so', 1], ['GPT-2', 1],
]);
const hfAlphabet = '-2BEGPRTabdeginorstuv'.split('').concat('l').sort();
// Characters seen inside a word, in code-point order.
const hfInner = '-2EPRTdegilnorstu'.split('').map((c) => `##${c}`);

test('trainer: hand-checked merges on the HF test corpus (ties go to the lower pair ids)', () => {
  const { tokens, alphabet, merges } = trainWordPiece(hfCorpus, { vocabSize: 30000, minFrequency: 2 });
  // Pairs seen twice: a ##r, ##r ##e (both from "are"), i ##s. Ids order a < i < ##r, so "ar"
  // comes first; it turns ##r ##e into ar ##e (2), and "is" (lower ids) wins the tie with it.
  assert.deepEqual(tokens, [...specialTokens, ...hfAlphabet, ...hfInner, 'ar', 'is', 'are']);
  assert.equal(alphabet, 22);
  assert.equal(merges, 3);
});

test('trainer: stops at the vocabulary size; min frequency 1 merges on, 3 merges nothing', () => {
  const initial = specialTokens.length + hfAlphabet.length + hfInner.length;
  assert.deepEqual(trainWordPiece(hfCorpus, { vocabSize: initial + 1, minFrequency: 2 }).tokens.slice(initial), ['ar']);
  assert.equal(trainWordPiece(hfCorpus, { vocabSize: 30000, minFrequency: 3 }).tokens.length, initial);
  const all = trainWordPiece(hfCorpus, { vocabSize: 30000, minFrequency: 1 }).tokens;
  // With every pair allowed, merging ends only when each word is one piece.
  for (const word of hfCorpus.keys()) assert.ok(all.includes(word), word);
});

test('trainer: limit-alphabet keeps the most frequent characters, ties to the lower code point', () => {
  const counts = new Map([['aab', 3], ['cb', 1], ['d', 1]]);
  // a: 6, b: 4, c: 1, d: 1 → keep a, b, c.
  const { tokens, alphabet } = trainWordPiece(counts, { vocabSize: 100, minFrequency: 1, limitAlphabet: 3 });
  assert.equal(alphabet, 3);
  assert.deepEqual(tokens.slice(5, 8), ['a', 'b', 'c']);
  assert.ok(!tokens.includes('d'));
  // "cb" has only kept characters and still merges; a word with a dropped character would be [UNK].
  assert.ok(tokens.includes('cb'));
  assert.deepEqual(new WordPiece(tokens, { lowercase: false }).wordpiece('da'), ['[UNK]']);
});

test('trainer: a word with a character outside the alphabet takes no part in merges', () => {
  const counts = new Map([['xyxy', 5], ['ab', 1], ['a', 9], ['b', 9]]);
  // Keeping only a and b drops x and y, so "xyxy" (the most frequent pairs) must not merge into anything.
  const { tokens } = trainWordPiece(counts, { vocabSize: 100, minFrequency: 1, limitAlphabet: 2 });
  assert.deepEqual(tokens, [...specialTokens, 'a', 'b', '##b', 'ab']);
});

test('WordCounts: basic tokenization, cased or uncased, text or pre-split words', () => {
  const cased = new WordCounts(false);
  cased.addText('Héllo, 世界 héllo');
  cased.addWords(["don't"]);
  assert.deepEqual([...cased.counts], [['Héllo', 1], [',', 1], ['世', 1], ['界', 1], ['héllo', 1], ['don', 1], ["'", 1], ['t', 1]]);
  assert.equal(cased.total, 8);
  const uncased = new WordCounts(true);
  uncased.addText('Héllo héllo');
  assert.deepEqual([...uncased.counts], [['hello', 2]]);
});

test('coverage: single-piece share and pieces per word, weighted by counts', () => {
  const counts = new WordCounts(false);
  counts.addText('ab ab ab abc');
  const tokens = [...specialTokens, 'a', 'b', 'c', '##b', '##c', 'ab'];
  const c = coverage(tokens, counts);
  assert.equal(c.words, 4);
  assert.equal(c.singlePiece, 3 / 4); // ab ×3 one piece; abc = ab ##c
  assert.equal(c.meanPieces, (3 + 2) / 4);
  assert.equal(c.unknown, 0);
});

/** BPE by the book: recount every pair over every word before each merge. */
function naiveTrain(counts: ReadonlyMap<string, number>, opts: WordPieceTrainerOptions): string[] {
  const tokens = trainWordPiece(counts, { ...opts, vocabSize: 0 }).tokens; // specials, alphabet, ## characters
  const alphabet = new Set(tokens.filter((t) => Array.from(t).length === 1));
  const id = (t: string): number => tokens.indexOf(t);
  const words = [...counts]
    .filter(([w]) => Array.from(w).every((c) => alphabet.has(c)))
    .map(([w, n]) => ({ symbols: Array.from(w).map((c, i) => id(i === 0 ? c : `##${c}`)), n }));
  while (tokens.length < opts.vocabSize) {
    const pairs = new Map<string, { a: number; b: number; count: number }>();
    for (const { symbols, n } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const k = `${symbols[i]},${symbols[i + 1]}`;
        const p = pairs.get(k) ?? { a: symbols[i]!, b: symbols[i + 1]!, count: 0 };
        p.count += n;
        pairs.set(k, p);
      }
    }
    const best = [...pairs.values()].sort((x, y) => y.count - x.count || x.a - y.a || x.b - y.b)[0];
    if (best === undefined || best.count < opts.minFrequency) break;
    const token = tokens[best.a]! + tokens[best.b]!.slice(2);
    if (id(token) < 0) tokens.push(token);
    for (const word of words) {
      const merged: number[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (word.symbols[i] === best.a && word.symbols[i + 1] === best.b) {
          merged.push(id(token));
          i++;
        } else merged.push(word.symbols[i]!);
      }
      word.symbols = merged;
    }
  }
  return tokens;
}

// Short words over a few letters (so pairs repeat), an accented one, a CJK one and the odd rare character.
const wordArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'é', 'A', '中', 'ß', '😀'), minLength: 1, maxLength: 7 });
const countsArb = fc.array(fc.tuple(wordArb, fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 25 }).map((entries) => {
  const counts = new Map<string, number>();
  for (const [w, n] of entries) counts.set(w, (counts.get(w) ?? 0) + n);
  return counts;
});
const optsArb = fc.record({
  vocabSize: fc.integer({ min: 0, max: 80 }),
  minFrequency: fc.integer({ min: 1, max: 4 }),
  limitAlphabet: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
});

test('trainer: the incremental pair counts give exactly the merges of recounting from scratch', () => {
  fc.assert(fc.property(countsArb, optsArb, (counts, opts) => {
    assert.deepEqual(trainWordPiece(counts, opts).tokens, naiveTrain(counts, opts));
  }), { numRuns: 300 });
});

test('trainer: every training word tokenizes to known pieces that join back to the word', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 20 }), optsArb, fc.boolean(), (texts, opts, lowercase) => {
    const counts = new WordCounts(lowercase);
    for (const text of texts) counts.addText(text);
    const { tokens } = trainWordPiece(counts.counts, opts);
    const alphabet = new Set(tokens.slice(specialTokens.length).filter((t) => !t.startsWith('##')));
    const tokenizer = new WordPiece(tokens, { lowercase });
    for (const word of counts.counts.keys()) {
      const pieces = tokenizer.wordpiece(word);
      if (!Array.from(word).every((c) => alphabet.has(c))) {
        assert.deepEqual(pieces, ['[UNK]'], `${JSON.stringify(word)} has a character outside the alphabet`);
        continue;
      }
      assert.ok(!pieces.includes('[UNK]'), `${JSON.stringify(word)} → ${pieces.join(' ')}`);
      assert.equal(pieces.map((p, i) => (i > 0 ? p.slice(2) : p)).join(''), word);
      assert.ok(pieces.slice(1).every((p) => p.startsWith('##')) && !pieces[0]!.startsWith('##'));
    }
  }));
});

test('trainer: vocabulary well-formed, deterministic and independent of word order', () => {
  fc.assert(fc.property(countsArb, optsArb, (counts, opts) => {
    const { tokens } = trainWordPiece(counts, opts);
    assert.deepEqual(tokens.slice(0, 5), [...specialTokens]);
    assert.equal(new Set(tokens).size, tokens.length, 'no token twice');
    const initial = trainWordPiece(counts, { ...opts, vocabSize: 0 }).tokens.length;
    assert.ok(tokens.length <= Math.max(initial, opts.vocabSize));
    assert.deepEqual(trainWordPiece(new Map([...counts].reverse()), opts).tokens, tokens);
  }));
});
