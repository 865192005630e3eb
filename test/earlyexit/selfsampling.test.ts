// Self-sampling (stage 2): exit simulation, the halt-and-copy training loss, and a short run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packBatch, type PackedBatch } from '../../src/data/batch.js';
import { LabelSet, type Sentence } from '../../src/data/sentence.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';
import type { TokeePolicy } from '../../src/earlyexit/policy.js';
import { layerStats, sampleBatchExits, selfSamplingLoss, simulateExits, trainSelfSampling, officialSelfSampling } from '../../src/earlyexit/selfsampling.js';
import { tidy } from '../../src/tensor/engine.js';
import { Rng } from '../../src/tensor/random.js';

const LABELS = ['B-X', 'I-X', 'O'];
const labelSet = new LabelSet(LABELS);
const tokenizer = { clsId: 1, sepId: 2, tokenizeWord: (w: string) => Array.from({ length: 1 + (w.length % 2) }, (_, i) => 3 + ((w.charCodeAt(0) + i) % 15)) };
const sentences: Sentence[] = [
  { words: ['a', 'bb', 'c', 'dd', 'e'], labels: ['O', 'B-X', 'I-X', 'O', 'O'] },
  { words: ['ff', 'g'], labels: ['B-X', 'O'] },
  { words: ['h', 'ii', 'j'], labels: ['O', 'O', 'B-X'] },
];

function model(layers = 3, seed = 1): EarlyExitModel {
  return new EarlyExitModel({
    bert: { vocabSize: 20, hidden: 8, layers, heads: 2, ffn: 16, maxPositions: 32, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
    numLabels: 3,
    offRampDropout: 0.1,
  }, seed);
}

function pack(s: Sentence[]): PackedBatch {
  return packBatch(s, tokenizer, labelSet, { maxPositions: 32 });
}

test('simulateExits: windowed TOKEE on given uncertainties, by hand', () => {
  // 3 words × 3 layers, u[j * L + l]
  const u = Float32Array.from([
    0.05, 0.02, 0.0, // word 0: confident early
    0.5, 0.08, 0.0, // word 1: confident at layer 2
    0.3, 0.3, 0.3, // word 2: never below 0.1 before the last layer
  ]);
  const tokee = (halfWidth: number, threshold: number, more: Partial<TokeePolicy> = {}): TokeePolicy => ({ kind: 'tokee', halfWidth, threshold, ...more });
  // k = 0: each word alone; layer 3 takes whatever is left
  assert.deepEqual([...simulateExits(u, 3, 3, tokee(0, 0.1))], [1, 2, 3]);
  // k = 1: word 0's window includes word 1 (0.5 at layer 1, 0.08 at layer 2)
  assert.deepEqual([...simulateExits(u, 3, 3, tokee(1, 0.1))], [2, 3, 3]);
  // doubled threshold in the upper half (layer 2 > 3/2): word 1's window max at layer 2 is 0.3 < 2·0.2
  assert.deepEqual([...simulateExits(u, 3, 3, tokee(1, 0.2, { doubleUpper: true }))], [2, 2, 2]);
  // …unless the cap stops it
  assert.deepEqual([...simulateExits(u, 3, 3, tokee(1, 0.2, { doubleUpper: true, maxThreshold: 0.25 }))], [2, 3, 3]);
  // the cap bounds every layer's threshold, not only the doubled ones (official min(max_threshold_2, ·) over the list)
  assert.deepEqual([...simulateExits(u, 3, 3, tokee(0, 0.4))], [1, 2, 1]);
  assert.deepEqual([...simulateExits(u, 3, 3, tokee(0, 0.4, { maxThreshold: 0.25 }))], [1, 2, 3]);
});

test('sandwich rule: shares of full-depth and aggressive sentences per batch', () => {
  const m = model(4);
  const batch = pack([...sentences, ...sentences, ...sentences, sentences[0]!]); // 10 sentences
  const stats = { u: new Float32Array(batch.firstPiece.length * 4), ce: new Float32Array(batch.firstPiece.length * 4) }; // u = 0: everyone may leave at layer 1
  const exits = sampleBatchExits(batch, stats, 4, { ...officialSelfSampling, aggressive: 0.2, full: 0.4 }, new Rng(3));
  let full = 0;
  for (let s = 0; s < 10; s++) {
    const e = [...exits.subarray(batch.cuWords[s]!, batch.cuWords[s + 1]!)];
    if (e.every((l) => l === 4)) full++;
    else assert.ok(e.every((l) => l === 1), `sentence ${s}: ${e}`);
  }
  assert.equal(full, 4);
  m.dispose();
});

test('stage-2 loss with nobody leaving early and no flooding equals the joint loss (same dropout masks)', async () => {
  const m = model(3);
  const batch = pack(sentences);
  const exits = new Int32Array(batch.firstPiece.length).fill(3);
  const la = tidy(() => selfSamplingLoss(m, batch, exits, null, 'output', new Rng(9)).keep());
  const lb = tidy(() => m.jointLoss(batch, new Rng(9)).keep());
  const [a, b] = [(await la.data())[0]!, (await lb.data())[0]!];
  la.dispose();
  lb.dispose();
  assert.ok(Math.abs(a - b) < 1e-5 * Math.abs(b), `${a} vs ${b}`);
  m.dispose();
});

test('gradients flow through the copies: words halted after layer 1 train layer 1 through every later off-ramp, and layers above get none', async () => {
  for (const copy of ['output', 'preNorm'] as const) {
    const m = model(3);
    const batch = pack(sentences);
    const exits = new Int32Array(batch.firstPiece.length).fill(1);
    tidy(() => selfSamplingLoss(m, batch, exits, null, copy, new Rng(2)).backward());
    const norm = async (name: string) => {
      const g = m.store.get(name).grad;
      return g ? Math.hypot(...(await g.data())) : 0;
    };
    assert.ok((await norm('bert.encoder.layer.0.attention.self.query.weight')) > 0, `${copy}: layer 1 gets gradient`);
    assert.ok((await norm('offramps.2.weight')) > 0, `${copy}: the last off-ramp is trained on the copied states`);
    // layers 2 and 3 only update [CLS]/[SEP], which no loss reads once every word has halted
    assert.equal(await norm('bert.encoder.layer.1.attention.self.query.weight'), 0, `${copy}: layer 2 attention`);
    assert.equal(await norm('bert.encoder.layer.2.intermediate.dense.weight'), 0, `${copy}: layer 3 FFN`);
    // the pre-LayerNorm copy is re-normalised by every later layer's LayerNorm
    const ln = await norm('bert.encoder.layer.2.output.LayerNorm.weight');
    assert.ok(copy === 'preNorm' ? ln > 0 : ln === 0, `${copy}: layer 3 output LayerNorm gradient ${ln}`);
    m.dispose();
  }
});

test('short self-sampling runs: finite losses; without flooding the CE loss decreases; flooding starts near 0 (model = stage 1)', async () => {
  for (const exitSource of ['stage1', 'current', 'random'] as const) {
    const m = model(3);
    const batches = [pack(sentences.slice(0, 2)), pack(sentences.slice(2))];
    const stats = await layerStats(m, batches[0]!);
    assert.equal(stats.u.length, batches[0]!.firstPiece.length * 3);
    assert.ok([...stats.u].every((u) => u >= 0 && u <= 1));
    const losses = await trainSelfSampling(m, batches, { exitSource, flooding: exitSource !== 'random' }, { epochs: 6, lr: 3e-3, warmup: 1 });
    assert.ok(losses.every(Number.isFinite), `${exitSource}: ${losses}`);
    // |CE − CE_stage1| is 0 up to dropout noise at the start, since the model is the stage-1 model
    if (exitSource === 'random') assert.ok(losses[losses.length - 1]! < losses[0]!, `${exitSource}: loss did not decrease: ${losses}`);
    else assert.ok(losses[0]! < 0.2, `${exitSource}: flooding loss at the start ${losses[0]}`);
    m.dispose();
  }
});
