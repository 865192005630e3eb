import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildVocab, specialTokens, writeVocabFile } from '../../src/data/vocab.js';
import { readVocabFile, WordPiece } from '../../src/data/wordpiece.js';
import type { Sentence } from '../../src/data/sentence.js';

const sentencesArb = fc.array(
  fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }).map((words): Sentence => ({ words, labels: [] })),
  { maxLength: 8 },
);

test('buildVocab: specials first, then words by count, then characters plain and ##', () => {
  const sentences: Sentence[] = [{ words: ['b', 'cab', 'cab', 'Ab'], labels: [] }];
  assert.deepEqual(buildVocab(sentences, { maxWords: 2, lowercase: true }), [
    ...specialTokens, 'cab', 'ab', 'a', 'b', 'c', '##a', '##b', '##c',
  ]);
  assert.deepEqual(buildVocab(sentences, { maxWords: 1, lowercase: false }).slice(5, 7), ['cab', 'A']);
});

test('buildVocab: every training word tokenizes without [UNK], whatever the word limit', () => {
  fc.assert(
    fc.property(sentencesArb, fc.integer({ min: 0, max: 5 }), fc.boolean(), (sentences, maxWords, lowercase) => {
      const tok = new WordPiece(buildVocab(sentences, { maxWords, lowercase }), { lowercase });
      for (const word of sentences.flatMap((s) => s.words)) {
        if (tok.tokenize(word).length === 0) continue; // erased by cleaning (e.g. a control char): [UNK] by design
        assert.ok(!tok.tokenize(word).includes('[UNK]'), `${JSON.stringify(word)} → ${tok.tokenize(word).join(' ')}`);
      }
    }),
  );
});

test('buildVocab: deterministic and independent of sentence order', () => {
  fc.assert(
    fc.property(sentencesArb, (sentences) => {
      const opts = { maxWords: 3, lowercase: false };
      assert.deepEqual(buildVocab(sentences, opts), buildVocab([...sentences].reverse(), opts));
    }),
  );
});

test('writeVocabFile / readVocabFile round trip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offramp-vocab-'));
  try {
    const tokens = buildVocab([{ words: ['héllo', 'wörld', '中'], labels: [] }], { maxWords: 10, lowercase: false });
    writeVocabFile(join(dir, 'vocab.txt'), tokens);
    assert.deepEqual(readVocabFile(join(dir, 'vocab.txt')), tokens);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
