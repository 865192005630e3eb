// Corpus-level evaluation and threshold calibration on tiny random models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabelSet, makeSyntheticTask, packBatch, WordPiece } from '../../src/data/index.js';
import { calibrate } from '../../src/earlyexit/calibrate.js';
import { chooseMetric, evaluate } from '../../src/earlyexit/evaluate.js';
import { labelBatch } from '../../src/earlyexit/infer.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';
import { Rng } from '../../src/tensor/random.js';

const task = makeSyntheticTask(7, { train: 0, dev: 40, test: 0 });
const tokenizer = new WordPiece(task.vocab, { lowercase: true });
const labels = new LabelSet(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG']);
const LAYERS = 4;
const HIDDEN = 8;

/** A random model whose off-ramps are confident to varying degrees, so thresholds spread exits over layers. */
function tinyModel(seed: number, offRampStd = 1.5): EarlyExitModel {
  const model = new EarlyExitModel({
    bert: { vocabSize: tokenizer.size, hidden: HIDDEN, layers: LAYERS, heads: 2, ffn: 16, maxPositions: 64, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
    numLabels: labels.size,
    offRampDropout: 0.1,
  }, seed);
  const rng = new Rng(seed + 1);
  for (let l = 0; l < LAYERS; l++) {
    const w = Float32Array.from({ length: labels.size * HIDDEN }, () => rng.normal() * offRampStd * (l + 1));
    model.store.set(`offramps.${l}.weight`, w, [labels.size, HIDDEN]);
  }
  return model;
}

test('chooseMetric: span F1 for BIO/BIOES label sets, accuracy for POS tags', () => {
  assert.equal(chooseMetric(['B-LOC', 'I-LOC', 'O']), 'f1');
  assert.equal(chooseMetric(['S-PER', 'E-PER', 'O', 'B-PER']), 'f1');
  assert.equal(chooseMetric(['NOUN', 'VERB', 'ADJ', 'PUNCT']), 'accuracy');
  assert.equal(chooseMetric(['O']), 'accuracy');
  assert.equal(chooseMetric(['B-X', 'NN']), 'accuracy');
});

test('evaluate full: every word exits at the last layer, speedup just under 1 (off-ramps cost a little)', async () => {
  const model = tinyModel(1);
  try {
    const r = await evaluate(model, task.dev, tokenizer, labels, { policy: { kind: 'full' } });
    const words = task.dev.reduce((a, s) => a + s.words.length, 0);
    assert.equal(r.words, words);
    assert.deepEqual(r.exitHistogram, [0, 0, 0, words]);
    assert.equal(r.meanExitLayer, LAYERS);
    assert.ok(r.speedup > 0.9 && r.speedup <= 1, `full speedup ${r.speedup}`);
    assert.ok(r.officialSpeedup > 0.9 && r.officialSpeedup <= 1, `official full speedup ${r.officialSpeedup}`);
    assert.ok(r.baselineFlops > 0 && r.flops >= r.baselineFlops);
    assert.equal(r.metric, 'f1');
    assert.ok(r.score !== null && r.score >= 0 && r.score <= 1);
    assert.equal(r.predictions.length, task.dev.length);
    r.predictions.forEach((p, i) => assert.equal(p.length, task.dev[i]!.words.length));
  } finally {
    model.dispose();
  }
});

test('evaluate: aggressive TOKEE exits everything at layer 1, speedup close to L; static(2) about L/2', async () => {
  const model = tinyModel(2);
  try {
    const r = await evaluate(model, task.dev, tokenizer, labels, { policy: { kind: 'tokee', halfWidth: 1, threshold: 1.01 } });
    assert.equal(r.exitHistogram[0], r.words);
    assert.ok(r.speedup > 3 && r.speedup <= LAYERS, `aggressive TOKEE speedup ${r.speedup}`);
    const s = await evaluate(model, task.dev, tokenizer, labels, { policy: { kind: 'static', layers: 2 } });
    assert.ok(s.speedup > 1.8 && s.speedup <= 2, `static(2) speedup ${s.speedup}`);
    assert.deepEqual(s.exitHistogram, [0, s.words, 0, 0]);
  } finally {
    model.dispose();
  }
});

test('evaluate agrees with labelBatch on one batch and does not depend on how sentences are batched', async () => {
  const model = tinyModel(3);
  const policy = { kind: 'tokee', halfWidth: 2, threshold: 0.3 } as const;
  try {
    const direct = await labelBatch(model, packBatch(task.dev, tokenizer, labels, { maxPositions: 64 }), policy);
    const one = await evaluate(model, task.dev, tokenizer, labels, { policy, batchPieces: 100000 });
    const many = await evaluate(model, task.dev, tokenizer, labels, { policy, batchPieces: 40 });
    assert.deepEqual(one.exitLayers.flat(), Array.from(direct.exitLayer));
    assert.deepEqual(one.predictions.flat(), Array.from(direct.labels, (id) => labels.label(id)));
    assert.deepEqual(many.exitLayers, one.exitLayers);
    assert.deepEqual(many.predictions, one.predictions);
    assert.equal(many.flops, one.flops);
    assert.ok(new Set(one.exitLayers.flat()).size > 1, 'exits should spread over layers for this test to mean something');
  } finally {
    model.dispose();
  }
});

test('evaluate: unlabelled and empty sentences are labelled but not scored', async () => {
  const model = tinyModel(4);
  try {
    const sentences = [{ words: ['alice', 'met', 'jordan'], labels: [] }, { words: [], labels: [] }];
    const r = await evaluate(model, sentences, tokenizer, labels, { policy: { kind: 'full' } });
    assert.equal(r.score, null);
    assert.equal(r.predictions[0]!.length, 3);
    assert.deepEqual(r.predictions[1], []);
    assert.equal(r.words, 3);
  } finally {
    model.dispose();
  }
});

for (const kind of ['sentee', 'tokee'] as const) {
  test(`calibrate ${kind}: finds a threshold whose dev speedup is within tolerance of the target`, async () => {
    const model = tinyModel(5);
    try {
      const policy = kind === 'sentee' ? { kind, threshold: 0 } : { kind, threshold: 0, halfWidth: 1 };
      const target = 1.6;
      const tolerance = 0.05;
      const c = await calibrate(model, task.dev, tokenizer, labels, { policy, target, tolerance, maxEvaluations: 24 });
      assert.ok(c.reached, `reached ${c.result.speedup} for target ${target}: ${JSON.stringify(c.steps)}`);
      assert.ok(Math.abs(c.result.speedup / target - 1) <= tolerance);
      // the reported result is what evaluating at that threshold gives
      const again = await evaluate(model, task.dev, tokenizer, labels, { policy: { ...policy, threshold: c.threshold } });
      assert.equal(again.speedup, c.result.speedup);
      // SENTEE is exactly monotone (whole sentences leave, nothing is copied); TOKEE only nearly so
      if (kind !== 'sentee') return;
      const sorted = [...c.steps].sort((a, b) => a.threshold - b.threshold);
      sorted.forEach((s, i) => i > 0 && assert.ok(s.speedup >= sorted[i - 1]!.speedup - 1e-12, JSON.stringify(sorted)));
    } finally {
      model.dispose();
    }
  });
}

test('calibrate: an unreachable target returns the most aggressive setting with reached = false', async () => {
  const model = tinyModel(6);
  try {
    const c = await calibrate(model, task.dev, tokenizer, labels, { policy: { kind: 'sentee', threshold: 0 }, target: 50 });
    assert.equal(c.reached, false);
    assert.ok(c.result.speedup > 3 && c.result.speedup < 50);
    await assert.rejects(calibrate(model, task.dev, tokenizer, labels, { policy: { kind: 'sentee', threshold: 0 }, target: 0.5 }), /target speedup/);
  } finally {
    model.dispose();
  }
});
