// Checkpoint directories: round trip, and errors that name the offending tensor or file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabelSet, makeSyntheticTask, packBatch, WordPiece } from '../../src/data/index.js';
import { labelBatch } from '../../src/earlyexit/infer.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';
import { loadCheckpoint, saveCheckpoint, writeCheckpointFiles } from '../../src/io/checkpoint.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/random.js';

const task = makeSyntheticTask(3, { train: 0, dev: 12, test: 0 });
const labels = new LabelSet(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG']);

function tinyModel(seed: number, vocabSize: number): EarlyExitModel {
  const model = new EarlyExitModel({
    bert: { vocabSize, hidden: 8, layers: 3, heads: 2, ffn: 16, maxPositions: 40, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
    numLabels: labels.size,
    offRampDropout: 0.2,
  }, seed);
  const rng = new Rng(seed + 7);
  for (let l = 0; l < 3; l++) model.store.set(`offramps.${l}.weight`, Float32Array.from({ length: labels.size * 8 }, () => 3 * rng.normal()), [labels.size, 8]);
  return model;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'offramp-ckpt-'));
}

async function rewrite(dir: string, edit: (m: Map<string, TensorToWrite>) => void): Promise<void> {
  const path = join(resolveCheckpoint(dir), 'model.safetensors');
  const st = await readSafetensors(path);
  const m = new Map<string, TensorToWrite>([...st.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
  edit(m);
  await writeSafetensors(path, m, st.metadata);
}

test('checkpoint round trip: same config, parameters, tokenizer, labels and predictions after reload', async () => {
  const dir = tempDir();
  const tokenizer = new WordPiece(task.vocab, { lowercase: true });
  const model = tinyModel(11, tokenizer.size);
  try {
    await saveCheckpoint(dir, model, tokenizer, labels, { metric: 'f1', note: 'round trip' });
    const first = resolveCheckpoint(dir);
    assert.deepEqual(readdirSync(dir).map((n) => n.replace(/-[0-9a-f]+$/, '-ID')).sort(), ['CURRENT', 'ckpt-000001-ID']);
    assert.deepEqual(readdirSync(first).sort(), ['config.json', 'labels.txt', 'model.safetensors', 'vocab.txt']);
    const ck = await loadCheckpoint(dir);
    try {
      assert.deepEqual(ck.model.cfg, model.cfg);
      assert.deepEqual(ck.tokenizer.vocab, tokenizer.vocab);
      assert.equal(ck.tokenizer.lowercase, true);
      assert.deepEqual(ck.labels.labels, labels.labels);
      assert.equal(ck.config.info.note, 'round trip');
      assert.deepEqual(ck.extraTensors, []);
      for (const [name, t] of model.store.params) {
        assert.deepEqual(await ck.model.store.get(name).data(), await t.data(), name);
      }
      const batch = packBatch(task.dev, tokenizer, labels, { maxPositions: 40 });
      const policy = { kind: 'tokee', halfWidth: 1, threshold: 0.4 } as const;
      const before = await labelBatch(model, batch, policy);
      const after = await labelBatch(ck.model, packBatch(task.dev, ck.tokenizer, ck.labels, { maxPositions: 40 }), policy);
      assert.deepEqual(after.labels, before.labels);
      assert.deepEqual(after.exitLayer, before.exitLayer);
      assert.ok(new Set(before.exitLayer).size > 1, 'exits should differ across words for the comparison to mean something');
    } finally {
      ck.model.dispose();
    }
    // saving again over the same directory replaces it as a whole and leaves no temporary files or lock
    await saveCheckpoint(dir, model, tokenizer, labels);
    assert.deepEqual(readdirSync(dir).map((n) => n.replace(/-[0-9a-f]+$/, '-ID')).sort(), ['CURRENT', 'ckpt-000002-ID']);
    assert.equal(readdirSync(resolveCheckpoint(dir)).length, 4);
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint load: a missing tensor, a wrong shape or an integer tensor is an error naming it; extra tensors are reported', async () => {
  const dir = tempDir();
  const tokenizer = new WordPiece(task.vocab, { lowercase: true });
  const model = tinyModel(12, tokenizer.size);
  try {
    await saveCheckpoint(dir, model, tokenizer, labels);
    await rewrite(dir, (m) => m.delete('bert.encoder.layer.1.attention.self.key.weight'));
    await assert.rejects(loadCheckpoint(dir), /model\.safetensors: missing tensor 'bert\.encoder\.layer\.1\.attention\.self\.key\.weight'/);

    await saveCheckpoint(dir, model, tokenizer, labels);
    await rewrite(dir, (m) => m.set('offramps.2.weight', { shape: [labels.size, 4, 2], data: m.get('offramps.2.weight')!.data }));
    await assert.rejects(loadCheckpoint(dir), /tensor 'offramps\.2\.weight' has shape \[7, 4, 2\], the model expects \[7, 8\]/);

    await saveCheckpoint(dir, model, tokenizer, labels);
    await rewrite(dir, (m) => m.set('offramps.0.bias', { shape: [labels.size], data: new Int32Array(labels.size) }));
    await assert.rejects(loadCheckpoint(dir), /tensor 'offramps\.0\.bias' has integer dtype I32/);

    await saveCheckpoint(dir, model, tokenizer, labels);
    await rewrite(dir, (m) => m.set('pooler.dense.bias', { shape: [8], data: new Float32Array(8) }));
    const ck = await loadCheckpoint(dir);
    assert.deepEqual(ck.extraTensors, ['pooler.dense.bias']);
    ck.model.dispose();
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint load: inconsistent or damaged directories are errors naming the file', async () => {
  const dir = tempDir();
  const other = tempDir();
  const tokenizer = new WordPiece(task.vocab, { lowercase: false });
  const model = tinyModel(13, tokenizer.size);
  try {
    await saveCheckpoint(dir, model, tokenizer, labels);
    await saveCheckpoint(other, model, tokenizer, labels);
    // weights from one save, config from another: detected by the shared id
    writeFileSync(join(resolveCheckpoint(dir), 'model.safetensors'), readFileSync(join(resolveCheckpoint(other), 'model.safetensors')));
    await assert.rejects(loadCheckpoint(dir), /come from different saves/);

    await saveCheckpoint(dir, model, tokenizer, labels);
    writeFileSync(join(resolveCheckpoint(dir), 'labels.txt'), 'O\nB-PER\n');
    await assert.rejects(loadCheckpoint(dir), /labels\.txt/);

    await saveCheckpoint(dir, model, tokenizer, labels);
    writeFileSync(join(resolveCheckpoint(dir), 'vocab.txt'), '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n');
    await assert.rejects(loadCheckpoint(dir), /vocab\.txt: 5 tokens, but config\.json says vocabSize/);

    await saveCheckpoint(dir, model, tokenizer, labels);
    writeFileSync(join(resolveCheckpoint(dir), 'config.json'), '{"format": "offramp-labeler", "version": 1,');
    await assert.rejects(loadCheckpoint(dir), /config\.json: invalid JSON/);
    writeFileSync(join(resolveCheckpoint(dir), 'config.json'), JSON.stringify({ hidden_size: 8 }));
    await assert.rejects(loadCheckpoint(dir), /config\.json: "format" is undefined.*Hugging Face/);
    await assert.rejects(loadCheckpoint(join(dir, 'nope')), /nope: no such checkpoint directory/);
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
});

test('checkpoint load: a directory with the four files at its top (older offramp) still loads; CURRENT wins over them', async () => {
  const dir = tempDir();
  const tokenizer = new WordPiece(task.vocab, { lowercase: true });
  const model = tinyModel(14, tokenizer.size);
  try {
    await writeCheckpointFiles(dir, model, tokenizer, labels, { note: 'old layout' });
    const old = await loadCheckpoint(dir);
    assert.equal(old.config.info.note, 'old layout');
    assert.equal(old.dir, dir);
    old.model.dispose();
    await saveCheckpoint(dir, model, tokenizer, labels, { note: 'new layout' });
    const fresh = await loadCheckpoint(dir);
    assert.equal(fresh.config.info.note, 'new layout');
    fresh.model.dispose();
    // the commit removed the old top-level files
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.')), []);
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint load: NaN or infinite weights are an error naming the tensor, or warnings with nonFinite: warn', async () => {
  const dir = tempDir();
  const tokenizer = new WordPiece(task.vocab, { lowercase: true });
  const model = tinyModel(15, tokenizer.size);
  try {
    await saveCheckpoint(dir, model, tokenizer, labels);
    await rewrite(dir, (m) => {
      const t = m.get('offramps.1.bias')!;
      const data = Float32Array.from(t.data);
      data[3] = NaN;
      data[5] = Infinity;
      m.set('offramps.1.bias', { shape: t.shape, data });
    });
    await assert.rejects(loadCheckpoint(dir), /model\.safetensors: tensor 'offramps\.1\.bias' has 2 non-finite value\(s\) of 7 \(first: NaN at index 3\)/);
    const ck = await loadCheckpoint(dir, { nonFinite: 'warn' });
    assert.equal(ck.warnings.length, 1);
    assert.match(ck.warnings[0]!, /offramps\.1\.bias/);
    ck.model.dispose();
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
