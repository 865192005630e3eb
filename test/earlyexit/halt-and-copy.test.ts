// Invariants of SENTEE/TOKEE with halt-and-copy on random models and sentences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { packBatch, type PackedBatch } from '../../src/data/batch.js';
import { LabelSet, type Sentence } from '../../src/data/sentence.js';
import { fullSegments } from '../../src/nn/bert.js';
import { labelBatch } from '../../src/earlyexit/infer.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';
import { HaltAndCopy, type CopyMode } from '../../src/earlyexit/runner.js';
import { argmaxRow } from '../../src/earlyexit/uncertainty.js';
import { gatherRows, where } from '../../src/ops/index.js';
import { fromArray, indices } from '../../src/tensor/create.js';
import { noGrad } from '../../src/tensor/engine.js';
import { Rng } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const LAYERS = 4;
const LABELS = ['B-X', 'I-X', 'O'];
const labelSet = new LabelSet(LABELS);

/** Words are "w<id>:<pieces>", so a sentence chooses its own piece counts. */
const tokenizer = {
  clsId: 1,
  sepId: 2,
  tokenizeWord(word: string): number[] {
    const [id, n] = word.slice(1).split(':').map(Number) as [number, number];
    return Array.from({ length: n }, (_, i) => 3 + ((id + i) % 17));
  },
};

function randomModel(seed: number, offRampStd: number): EarlyExitModel {
  const model = new EarlyExitModel({
    bert: { vocabSize: 20, hidden: 8, layers: LAYERS, heads: 2, ffn: 16, maxPositions: 64, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
    numLabels: LABELS.length,
    offRampDropout: 0.1,
  }, seed);
  // confident, varied off-ramps so that thresholds in (0, 1) make words leave at different layers
  const rng = new Rng(seed + 1);
  for (let l = 0; l < LAYERS; l++) {
    const w = Float32Array.from({ length: LABELS.length * 8 }, () => rng.normal() * offRampStd);
    model.store.set(`offramps.${l}.weight`, w, [LABELS.length, 8]);
  }
  return model;
}

const sentenceArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 7 })
  .map((ws): Sentence => ({ words: ws.map(([id, n]) => `w${id}:${n}`), labels: ws.map(([id]) => LABELS[id % 3]!) }));
const batchArb = fc.array(sentenceArb, { minLength: 1, maxLength: 4 });

function pack(sentences: Sentence[]): PackedBatch {
  return packBatch(sentences, tokenizer, labelSet, { maxPositions: 64 });
}

const RUNS = Number(process.env.OFFRAMP_PROPERTY_RUNS ?? 25);

test('TOKEE with threshold 0 gives exactly the full model: labels, exit layers and active pieces', async () => {
  await fc.assert(fc.asyncProperty(batchArb, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 3 }), async (sents, seed, k) => {
    const model = randomModel(seed, 2);
    const batch = pack(sents);
    const full = await labelBatch(model, batch, { kind: 'full' });
    const tokee = await labelBatch(model, batch, { kind: 'tokee', halfWidth: k, threshold: 0 });
    assert.deepEqual(tokee.labels, full.labels);
    assert.deepEqual(tokee.exitLayer, full.exitLayer);
    assert.ok(full.exitLayer.every((l) => l === LAYERS));
    assert.deepEqual(tokee.activePieces, full.activePieces);
    model.dispose();
  }), { numRuns: RUNS });
});

test('TOKEE with a window covering the sentence equals SENTEE (labels, exit layers, active pieces)', async () => {
  let early = 0;
  await fc.assert(fc.asyncProperty(batchArb, fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), async (sents, seed, threshold) => {
    const model = randomModel(seed, 3);
    const batch = pack(sents);
    const sentee = await labelBatch(model, batch, { kind: 'sentee', threshold });
    const tokee = await labelBatch(model, batch, { kind: 'tokee', halfWidth: 64, threshold });
    assert.deepEqual(tokee.labels, sentee.labels);
    assert.deepEqual(tokee.exitLayer, sentee.exitLayer);
    assert.deepEqual(tokee.activePieces, sentee.activePieces);
    if (sentee.exitLayer.some((l) => l < LAYERS)) early++;
    model.dispose();
  }), { numRuns: RUNS });
  assert.ok(early > 0, 'no case exited early: the property was not exercised');
});

test('a packed batch gives the same labels, exit layers and active pieces as each sentence alone', async () => {
  let early = 0;
  await fc.assert(fc.asyncProperty(batchArb, fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer({ min: 0, max: 2 }), async (sents, seed, threshold, k) => {
    const model = randomModel(seed, 3);
    const policy = { kind: 'tokee', halfWidth: k, threshold } as const;
    const together = await labelBatch(model, pack(sents), policy);
    if (together.exitLayer.some((l) => l < LAYERS)) early++;
    let w = 0;
    for (const [s, sentence] of sents.entries()) {
      const alone = await labelBatch(model, pack([sentence]), policy);
      const n = sentence.words.length;
      assert.deepEqual(alone.labels, together.labels.subarray(w, w + n));
      assert.deepEqual(alone.exitLayer, together.exitLayer.subarray(w, w + n));
      assert.deepEqual(alone.activePieces[0], together.activePieces[s]);
      w += n;
    }
    model.dispose();
  }), { numRuns: RUNS });
  assert.ok(early > 0, 'no case exited early: the property was not exercised');
});

test('some words leave early and active pieces shrink layer by layer', async () => {
  const model = randomModel(7, 4);
  const sents: Sentence[] = [{ words: ['w1:1', 'w2:2', 'w3:1', 'w4:3', 'w5:1', 'w6:1'], labels: ['O', 'O', 'O', 'O', 'O', 'O'] }];
  const r = await labelBatch(model, pack(sents), { kind: 'tokee', halfWidth: 0, threshold: 0.6 });
  const m = r.activePieces[0]!;
  for (let l = 1; l < m.length; l++) assert.ok(m[l]! <= m[l - 1]!, `active pieces grew: ${m}`);
  assert.equal(m.length, Math.max(...r.exitLayer));
  assert.ok(r.exitLayer.some((l) => l < LAYERS), `no word left early: ${r.exitLayer}`);
  model.dispose();
});

/**
 * Dense emulation of halt-and-copy: every row goes through every layer, then halted rows are put
 * back to their kept state. The sparse runner must give the same hidden states.
 */
function denseEmulation(model: EarlyExitModel, batch: PackedBatch, exitAt: Int32Array, copy: CopyMode): Tensor {
  return noGrad(() => {
    let h = model.bert.embeddings.forward(batch.ids, batch.pos, null); // [T, H]
    let pre = h;
    const segs = fullSegments(batch.cuSeqlens);
    model.bert.layers.forEach((layer, i) => {
      const l = i + 1;
      // a piece still updates at layer l if its word leaves at l or later; [CLS]/[SEP] while any word of the sentence does
      const active = Float32Array.from(batch.pieceWord, (w, r) => {
        if (w >= 0) return exitAt[w]! >= l ? 1 : 0;
        let s = 0;
        while (batch.cuSeqlens[s + 1]! <= r) s++;
        for (let j = batch.cuWords[s]!; j < batch.cuWords[s + 1]!; j++) if (exitAt[j]! >= l) return 1;
        return 0;
      });
      const mask = fromArray(active, [active.length, 1]);
      const { preNorm, out } = layer.forward(h, h, segs, null);
      if (copy === 'preNorm') {
        pre = where(mask, preNorm, pre);
        h = layer.outNorm.forward(pre);
      } else {
        h = where(mask, out, h);
      }
    });
    return h;
  });
}

test('sparse halt-and-copy equals the dense emulation (both copy modes)', async () => {
  await fc.assert(fc.asyncProperty(batchArb, fc.integer({ min: 1, max: 1000 }), fc.constantFrom<CopyMode>('output', 'preNorm'), fc.integer({ min: 0, max: 10000 }), async (sents, seed, copy, exitSeed) => {
    const model = randomModel(seed, 1);
    const batch = pack(sents);
    const er = new Rng(exitSeed);
    const exitAt = Int32Array.from(batch.firstPiece, () => 1 + er.int(LAYERS));
    const runner = noGrad(() => new HaltAndCopy(model, batch, copy, null));
    // a sentence stops running once all its words left; compare only rows of sentences that ran every layer
    for (let l = 1; l <= LAYERS && runner.running; l++) {
      await runner.inferStep();
      exitAt.forEach((e, w) => e === l && runner.halt(w));
    }
    const expected = denseEmulation(model, batch, exitAt, copy);
    const full: number[] = [];
    for (let s = 0; s + 1 < batch.cuSeqlens.length; s++) {
      let last = 0;
      for (let w = batch.cuWords[s]!; w < batch.cuWords[s + 1]!; w++) last = Math.max(last, exitAt[w]!);
      if (last === LAYERS) for (let r = batch.cuSeqlens[s]!; r < batch.cuSeqlens[s + 1]!; r++) full.push(r);
    }
    if (full.length === 0) {
      runner.dispose();
      model.dispose();
      return;
    }
    const got = await gatherRows(runner.h, indices(full)).data();
    const want = await gatherRows(expected, indices(full)).data();
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4, `row value ${i}: ${got[i]} vs ${want[i]}`);
    runner.dispose();
    model.dispose();
  }), { numRuns: RUNS });
});

/** The plain every-layer loop forwardAll once was: the runner with no halts must match it bit for bit. */
function plainForward(model: EarlyExitModel, batch: PackedBatch, rng: Rng | null): Tensor[] {
  const d = rng ? { p: model.cfg.bert.dropout, rng } : null;
  const first = indices(batch.firstPiece);
  let h = model.bert.embeddings.forward(batch.ids, batch.pos, d); // [T, H]
  return model.bert.layers.map((layer, i) => {
    h = layer.forward(h, h, fullSegments(batch.cuSeqlens), d).out; // [T, H]
    return model.offRamp(i + 1, h, first, rng); // [W, C]
  });
}

test('forwardAll (halt-and-copy with no halts) equals the plain layer loop bit for bit, with and without dropout', async () => {
  await fc.assert(fc.asyncProperty(batchArb, fc.integer({ min: 1, max: 1000 }), fc.boolean(), async (sents, seed, withDropout) => {
    const model = randomModel(seed, 2);
    const batch = pack(sents);
    const rng = (): Rng | null => (withDropout ? new Rng(seed + 5) : null);
    const read = (ts: Tensor[]) => Promise.all(ts.map(async (t) => [...(await t.data())]));
    const got = await read(noGrad(() => model.forwardAll(batch, rng())));
    const want = await read(noGrad(() => plainForward(model, batch, rng())));
    assert.deepEqual(got, want);
    model.dispose();
  }), { numRuns: RUNS });
});

test('static policy labels every word with the chosen layer; full uses the last off-ramp', async () => {
  const model = randomModel(3, 2);
  const batch = pack([{ words: ['w1:2', 'w5:1', 'w9:3'], labels: ['O', 'B-X', 'I-X'] }, { words: ['w2:1'], labels: ['O'] }]);
  const logits = await Promise.all(noGrad(() => model.forwardAll(batch, null)).map((t) => t.data()));
  for (const depth of [1, 2, LAYERS]) {
    const r = await labelBatch(model, batch, depth === LAYERS ? { kind: 'full' } : { kind: 'static', layers: depth });
    assert.ok(r.exitLayer.every((l) => l === depth));
    const expected = Int32Array.from(batch.firstPiece, (_, w) => argmaxRow(logits[depth - 1]!, w, LABELS.length));
    assert.deepEqual(r.labels, expected);
  }
  await assert.rejects(labelBatch(model, batch, { kind: 'static', layers: LAYERS + 1 }), /depth 5 is not in \[1, 4\]/);
  model.dispose();
});
