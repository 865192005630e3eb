import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildSequences, choosePositions, maskBatch, maskVocab, type MaskVocab } from '../../src/data/mlm.js';
import { WordPiece } from '../../src/data/wordpiece.js';
import { Rng } from '../../src/tensor/random.js';

// ids 0..4 special, 5..14 word starts a..j, 15..24 continuations ##a..##j
const letters = 'abcdefghij'.split('');
const tokenizer = new WordPiece(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...letters, ...letters.map((c) => `##${c}`)], { lowercase: false });
const vocab: MaskVocab = maskVocab(tokenizer);
const isStart = (id: number): boolean => id >= 5 && id < 15;

/** A sequence of words of 1..4 pieces, with an occasional [UNK] word. */
const seqArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }), fc.integer({ min: 0, max: 19 })), { minLength: 1, maxLength: 60 })
  .map((words) => Int32Array.from(words.flatMap(([s, cont, unk]) => (unk === 0 ? [1] : [5 + s, ...cont.map((c) => 15 + c)]))));

test('maskVocab: special tokens and continuations are recognised', () => {
  assert.deepEqual([...vocab.special.slice(0, 6)], [1, 1, 1, 1, 1, 0]);
  assert.equal(vocab.continuation[15], 1);
  assert.equal(vocab.continuation[5], 0);
  assert.deepEqual([...vocab.randomIds], Array.from({ length: 20 }, (_, i) => 5 + i));
});

test('choosePositions: round(15%) of the candidate pieces, never a special token; whole words stay whole', () => {
  fc.assert(
    fc.property(seqArb, fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seq, seed, wholeWord) => {
      const chosen = choosePositions(seq, vocab, { prob: 0.15, wholeWord }, new Rng(seed));
      const candidates = seq.filter((id) => !vocab.special[id]).length;
      assert.equal(new Set(chosen).size, chosen.length);
      for (const i of chosen) assert.equal(vocab.special[seq[i]!], 0, `special token at ${i} chosen`);
      const budget = candidates === 0 ? 0 : Math.max(1, Math.round(0.15 * candidates));
      if (!wholeWord) assert.equal(chosen.length, budget);
      else {
        assert.ok(chosen.length <= budget);
        const set = new Set(chosen);
        for (const i of chosen) {
          // every piece of the chosen word is chosen: back to its start, on to its end
          if (!isStart(seq[i]!)) assert.ok(set.has(i - 1), `continuation ${i} chosen without the piece before it`);
          if (i + 1 < seq.length && vocab.continuation[seq[i + 1]!]) assert.ok(set.has(i + 1), `piece ${i + 1} of a chosen word left out`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('maskBatch: 15% of pieces chosen, then 80% [MASK] / 10% random / 10% kept, over many pieces', () => {
  for (const wholeWord of [false, true]) {
    const rng = new Rng(7);
    const seqs = Array.from({ length: 400 }, () => {
      const words = Array.from({ length: 40 }, () => [5 + rng.int(10), ...Array.from({ length: rng.int(3) }, () => 15 + rng.int(10))]);
      return Int32Array.from(words.flat());
    });
    const batch = maskBatch(seqs, vocab, { prob: 0.15, wholeWord }, new Rng(11));
    const pieces = seqs.reduce((n, s) => n + s.length, 0);
    const m = batch.targets.length;
    const share = m / pieces;
    assert.ok(Math.abs(share - 0.15) < (wholeWord ? 0.01 : 0.002), `chosen share ${share}`);
    let masked = 0;
    let replaced = 0;
    let kept = 0;
    batch.maskedRows.forEach((row, k) => {
      const id = batch.ids[row]!;
      if (id === vocab.maskId) masked++;
      else if (id === batch.targets[k]) kept++;
      else replaced++;
    });
    // a random replacement equals the original with probability 1/20: it then counts as kept
    const expected = { masked: 0.8, replaced: 0.1 * (19 / 20), kept: 0.1 + 0.1 / 20 };
    const tol = 3 * Math.sqrt(0.25 / m); // three standard deviations at worst
    assert.ok(Math.abs(masked / m - expected.masked) < tol, `[MASK] share ${masked / m}`);
    assert.ok(Math.abs(replaced / m - expected.replaced) < tol, `random share ${replaced / m}`);
    assert.ok(Math.abs(kept / m - expected.kept) < tol, `kept share ${kept / m}`);
  }
});

test('maskBatch: packed layout with [CLS]/[SEP] per sequence; unmasked rows keep their ids', () => {
  fc.assert(
    fc.property(fc.array(seqArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 1000 }), (seqs, seed) => {
      const b = maskBatch(seqs, vocab, { prob: 0.15, wholeWord: false }, new Rng(seed));
      assert.equal(b.cuSeqlens.length, seqs.length + 1);
      const chosen = new Set(b.maskedRows);
      seqs.forEach((seq, s) => {
        const start = b.cuSeqlens[s]!;
        assert.equal(b.cuSeqlens[s + 1]! - start, seq.length + 2);
        assert.equal(b.ids[start], vocab.clsId);
        assert.equal(b.ids[start + seq.length + 1], vocab.sepId);
        for (let i = 0; i < seq.length + 2; i++) assert.equal(b.pos[start + i], i);
        seq.forEach((id, i) => {
          if (!chosen.has(start + 1 + i)) assert.equal(b.ids[start + 1 + i], id);
        });
      });
      b.maskedRows.forEach((row, k) => {
        const s = [...b.cuSeqlens].filter((c) => c <= row).length - 1;
        assert.equal(seqs[s]![row - b.cuSeqlens[s]! - 1], b.targets[k]);
      });
    }),
  );
});

test('buildSequences: every piece in order, sequences within seqLen, never across documents, cut at word starts', () => {
  const wordArb = fc.stringMatching(/^[a-j]{1,4}$/);
  const docArb = fc.array(fc.array(wordArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(fc.array(docArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 6, max: 20 }), (docs, seqLen) => {
      const seqs = buildSequences(docs, tokenizer, seqLen);
      for (const s of seqs) assert.ok(s.length >= 1 && s.length <= seqLen - 2);
      const all = seqs.flatMap((s) => [...s]);
      const expected = docs.flat(2).flatMap((w) => [...tokenizer.tokenizeWord(w)]);
      assert.deepEqual(all, expected);
      // words are at most 4 pieces and seqLen − 2 ≥ 4, so every sequence starts a word
      for (const s of seqs) assert.ok(isStart(s[0]!), `sequence starts with continuation ${s[0]}`);
      // document boundaries: the pieces of each document form whole sequences
      let at = 0;
      for (const doc of docs) {
        const n = doc.flat().flatMap((w) => [...tokenizer.tokenizeWord(w)]).length;
        let covered = 0;
        while (covered < n) covered += seqs[at++]!.length;
        assert.equal(covered, n, 'a sequence spans two documents');
      }
    }),
  );
});
