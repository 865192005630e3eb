// Hugging Face BERT import from a small fake checkpoint directory written here (no download).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath, readVocabFile } from '../../src/data/index.js';
import { bertConfigFromHf, guessLowercase, labelerFromHf, mapHfName, readHfBert } from '../../src/io/hf.js';
import { writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/random.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';

const H = 8;
const F = 16;
const LAYERS = 2;
const tinyVocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', '##s', 'on', 'mat', '.'];
const realUncased = dataPath('bert-vocab', 'google_uncased_en_vocab.txt');
const realCased = dataPath('bert-vocab', 'google_cased_en_vocab.txt');
const haveReal = existsSync(realUncased) && existsSync(realCased);
if (!haveReal) console.log(`# hf.test: ${realUncased} not found; using a tiny vocabulary (set OFFRAMP_DATA to test with BERT's)`);

interface FakeOptions {
  prefix: string;
  oldLayerNorm: boolean;
  vocab: readonly string[];
  tokenizerConfig?: Record<string, unknown>;
  drop?: string;
  reshape?: string;
  /** a tensor whose element 2 becomes NaN */
  nan?: string;
}

/** Writes a BERT-shaped checkpoint with HF names; returns the tensors under their file names. */
async function writeFakeHf(dir: string, o: FakeOptions): Promise<Map<string, TensorToWrite>> {
  const rng = new Rng(5);
  const t = new Map<string, TensorToWrite>();
  const put = (name: string, shape: number[]): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    t.set(name, { shape, data: Float32Array.from({ length: n }, () => rng.normal()) });
  };
  const p = o.prefix;
  const [w, b] = o.oldLayerNorm ? ['gamma', 'beta'] : ['weight', 'bias'];
  put(`${p}embeddings.word_embeddings.weight`, [o.vocab.length, H]);
  put(`${p}embeddings.position_embeddings.weight`, [32, H]);
  put(`${p}embeddings.token_type_embeddings.weight`, [2, H]);
  put(`${p}embeddings.LayerNorm.${w}`, [H]);
  put(`${p}embeddings.LayerNorm.${b}`, [H]);
  t.set(`${p}embeddings.position_ids`, { shape: [1, 32], data: Int32Array.from({ length: 32 }, (_, i) => i) });
  for (let l = 0; l < LAYERS; l++) {
    const q = `${p}encoder.layer.${l}`;
    for (const m of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) {
      put(`${q}.${m}.weight`, [H, H]);
      put(`${q}.${m}.bias`, [H]);
    }
    put(`${q}.attention.output.LayerNorm.${w}`, [H]);
    put(`${q}.attention.output.LayerNorm.${b}`, [H]);
    put(`${q}.intermediate.dense.weight`, [F, H]);
    put(`${q}.intermediate.dense.bias`, [F]);
    put(`${q}.output.dense.weight`, [H, F]);
    put(`${q}.output.dense.bias`, [H]);
    put(`${q}.output.LayerNorm.${w}`, [H]);
    put(`${q}.output.LayerNorm.${b}`, [H]);
  }
  put(`${p}pooler.dense.weight`, [H, H]);
  put(`${p}pooler.dense.bias`, [H]);
  if (p) put('cls.predictions.bias', [o.vocab.length]);
  if (o.drop) t.delete(o.drop);
  if (o.reshape) t.set(o.reshape, { shape: [3], data: new Float32Array(3) });
  if (o.nan) t.get(o.nan)!.data[2] = NaN;
  const config = {
    architectures: ['BertForMaskedLM'], model_type: 'bert', vocab_size: o.vocab.length, hidden_size: H, num_hidden_layers: LAYERS,
    num_attention_heads: 2, intermediate_size: F, max_position_embeddings: 32, type_vocab_size: 2, hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1, layer_norm_eps: 1e-12, hidden_act: 'gelu',
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'vocab.txt'), o.vocab.map((v) => `${v}\n`).join(''));
  if (o.tokenizerConfig) writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(o.tokenizerConfig));
  await writeSafetensors(join(dir, 'model.safetensors'), t);
  return t;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'offramp-hf-'));
}

test('mapHfName: bert. prefix or none, gamma/beta, unused tensors', () => {
  assert.equal(mapHfName('bert.encoder.layer.3.output.dense.weight'), 'bert.encoder.layer.3.output.dense.weight');
  assert.equal(mapHfName('encoder.layer.3.output.dense.weight'), 'bert.encoder.layer.3.output.dense.weight');
  assert.equal(mapHfName('embeddings.LayerNorm.gamma'), 'bert.embeddings.LayerNorm.weight');
  assert.equal(mapHfName('bert.encoder.layer.0.attention.output.LayerNorm.beta'), 'bert.encoder.layer.0.attention.output.LayerNorm.bias');
  assert.equal(mapHfName('bert.embeddings.position_ids'), null);
  assert.equal(mapHfName('bert.pooler.dense.weight'), null);
  assert.equal(mapHfName('cls.predictions.transform.dense.weight'), null);
  assert.equal(mapHfName('classifier.weight'), null);
});

test('bertConfigFromHf reads the BERT keys and rejects what the model cannot run', () => {
  const c = bertConfigFromHf({ vocab_size: 100, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2, hidden_dropout_prob: 0.1, layer_norm_eps: 1e-12 }, 'c.json');
  assert.deepEqual(c, { vocabSize: 100, hidden: 768, layers: 12, heads: 12, ffn: 3072, maxPositions: 512, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 });
  assert.throws(() => bertConfigFromHf({ vocab_size: 100, hidden_size: 10, num_hidden_layers: 2, num_attention_heads: 3 }, 'c.json'), /c\.json: hidden_size 10 is not divisible/);
  assert.throws(() => bertConfigFromHf({ vocab_size: 100, num_hidden_layers: 2, num_attention_heads: 2 }, 'c.json'), /"hidden_size" must be a positive integer/);
  assert.throws(() => bertConfigFromHf({ model_type: 'roberta', vocab_size: 1, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2 }, 'c.json'), /only "bert"/);
  assert.throws(() => bertConfigFromHf({ hidden_act: 'relu', vocab_size: 1, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2 }, 'c.json'), /hidden_act "relu"/);
});

test('guessLowercase: [unused] slots and no upper case mean uncased', () => {
  assert.equal(guessLowercase(['[PAD]', '[unused0]', '[UNK]', 'the', '##s']), true);
  assert.equal(guessLowercase(['[PAD]', '[unused0]', 'The', 'the']), false);
  assert.equal(guessLowercase(['[PAD]', '[UNK]', 'the']), false);
  if (!haveReal) return;
  assert.equal(guessLowercase(readVocabFile(realUncased)), true);
  assert.equal(guessLowercase(readVocabFile(realCased)), false);
});

for (const variant of [{ prefix: 'bert.', oldLayerNorm: false }, { prefix: '', oldLayerNorm: true }]) {
  test(`HF import (${variant.prefix ? 'bert. prefix' : 'no prefix'}, ${variant.oldLayerNorm ? 'gamma/beta' : 'weight/bias'}): encoder weights land under the mapped names`, async () => {
    const dir = tempDir();
    const vocab = haveReal ? readVocabFile(realUncased) : [...tinyVocab, '[unused0]'];
    try {
      const file = await writeFakeHf(dir, { ...variant, vocab });
      const hf = await readHfBert(dir);
      assert.equal(hf.lowercase, true);
      assert.equal(hf.caseSource, 'vocabulary');
      assert.equal(hf.config.layers, LAYERS);
      assert.equal(hf.config.vocabSize, vocab.length);
      assert.ok(hf.skipped.includes(`${variant.prefix}embeddings.position_ids`));
      assert.ok(hf.skipped.includes(`${variant.prefix}pooler.dense.weight`));
      const model = labelerFromHf(hf, 5, 0.1, 1);
      try {
        const ln = variant.oldLayerNorm ? 'gamma' : 'weight';
        const pairs: [string, string][] = [
          [`${variant.prefix}embeddings.word_embeddings.weight`, 'bert.embeddings.word_embeddings.weight'],
          [`${variant.prefix}encoder.layer.1.output.LayerNorm.${ln}`, 'bert.encoder.layer.1.output.LayerNorm.weight'],
          [`${variant.prefix}encoder.layer.0.attention.self.query.bias`, 'bert.encoder.layer.0.attention.self.query.bias'],
        ];
        for (const [hfName, ours] of pairs) {
          assert.deepEqual(await model.store.get(ours).data(), file.get(hfName)!.data, `${hfName} → ${ours}`);
        }
        // off-ramps are new: BERT-style init, one per layer, of the requested width
        assert.deepEqual(model.store.get('offramps.1.weight').shape, [5, H]);
        assert.ok(!model.store.params.has('offramps.2.weight'));
        // BERT's own tokenization, uncased
        const ids = hf.tokenizer.tokenizeWord(haveReal ? 'Playing' : 'Cats');
        assert.deepEqual(ids.map((i) => hf.tokenizer.vocab[i]), haveReal ? ['playing'] : ['cat', '##s']);
      } finally {
        model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('HF import casing: tokenizer_config.json do_lower_case wins over the guess, a flag over both', async () => {
  const dir = tempDir();
  try {
    const vocab = haveReal ? readVocabFile(realCased) : [...tinyVocab, 'The'];
    await writeFakeHf(dir, { prefix: 'bert.', oldLayerNorm: false, vocab });
    let hf = await readHfBert(dir);
    assert.equal(hf.lowercase, false);
    assert.equal(hf.caseSource, 'vocabulary');
    if (haveReal) assert.deepEqual(hf.tokenizer.tokenize('Hello'), ['Hello']);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
    hf = await readHfBert(dir);
    assert.equal(hf.lowercase, true);
    assert.equal(hf.caseSource, 'tokenizer_config.json');
    hf = await readHfBert(dir, { lowercase: false });
    assert.equal(hf.lowercase, false);
    assert.equal(hf.caseSource, 'flag');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HF import errors name the file and tensor', async () => {
  const dir = tempDir();
  try {
    await writeFakeHf(dir, { prefix: 'bert.', oldLayerNorm: false, vocab: tinyVocab, drop: 'bert.encoder.layer.1.intermediate.dense.bias' });
    let hf = await readHfBert(dir);
    assert.throws(() => labelerFromHf(hf, 3, 0.1, 1), /model\.safetensors: missing tensor 'encoder\.layer\.1\.intermediate\.dense\.bias'/);
    await writeFakeHf(dir, { prefix: '', oldLayerNorm: true, vocab: tinyVocab, reshape: 'encoder.layer.0.output.LayerNorm.gamma' });
    hf = await readHfBert(dir);
    assert.throws(() => labelerFromHf(hf, 3, 0.1, 1), /tensor 'encoder\.layer\.0\.output\.LayerNorm\.gamma' has shape \[3\], config\.json implies \[8\]/);
    rmSync(join(dir, 'vocab.txt'));
    await assert.rejects(readHfBert(dir), /vocab\.txt: cannot read/);
    await assert.rejects(readHfBert(join(dir, 'missing')), /missing: no such directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HF import: the off-ramps get the values a model built from scratch with the seed has; NaN in the encoder is an error naming the file\'s tensor, or a warning', async () => {
  const dir = tempDir();
  try {
    await writeFakeHf(dir, { prefix: '', oldLayerNorm: true, vocab: tinyVocab, nan: 'encoder.layer.1.output.LayerNorm.gamma' });
    const hf = await readHfBert(dir);
    const bad = /model\.safetensors: tensor 'encoder\.layer\.1\.output\.LayerNorm\.gamma' has 1 non-finite value\(s\) of 8 \(first: NaN at index 2\)/;
    assert.throws(() => labelerFromHf(hf, 5, 0.1, 7), bad);
    const warnings: string[] = [];
    const model = labelerFromHf(hf, 5, 0.1, 7, 'warn', warnings);
    const scratch = new EarlyExitModel({ bert: hf.config, numLabels: 5, offRampDropout: 0.1 }, 7);
    try {
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, bad);
      for (const l of [0, 1]) {
        for (const p of ['weight', 'bias']) assert.deepEqual(await model.store.get(`offramps.${l}.${p}`).data(), await scratch.store.get(`offramps.${l}.${p}`).data(), `offramps.${l}.${p}`);
      }
      assert.ok((await model.store.get('offramps.1.weight').data()).some((v) => v !== 0), 'the off-ramps are drawn, not zero');
    } finally {
      model.dispose();
      scratch.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
