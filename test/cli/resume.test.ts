// --resume continues exactly: a run stopped after epoch 1 and resumed from its run directory ends
// with the same weights, bit for bit, as the same run done without a stop (weights, AdamW moments,
// schedule step and rng all restored). A resume with other settings is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildVocab, LabelSet, makeSyntheticTask, WordPiece } from '../../src/data/index.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { RunDir } from '../../src/io/rundir.js';
import { loadResume, runTraining, type Resumed } from '../../src/cli/trainer.js';

const task = makeSyntheticTask(8, { train: 12, dev: 6, test: 0 });
const tokenizer = new WordPiece(buildVocab(task.train, { maxWords: 200, lowercase: true }), { lowercase: true }, 'test vocabulary');
const labels = LabelSet.fromSentences(task.train);
const settings = { epochs: 3, seed: 4 };

function newModel(): EarlyExitModel {
  return new EarlyExitModel({
    bert: { vocabSize: tokenizer.size, hidden: 8, layers: 2, heads: 2, ffn: 16, maxPositions: 64, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
    numLabels: labels.size,
    offRampDropout: 0.1,
  }, 4);
}

async function train(run: RunDir, model: EarlyExitModel, resume: Resumed | null, stopAfterEpoch?: number): Promise<void> {
  await runTraining({
    model, tokenizer, labels, train: task.train, dev: task.dev, metric: 'f1', batchPieces: 60, run, settings, resume,
    options: { epochs: 3, lr: 3e-3, warmup: 2, seed: 4 }, info: {}, quiet: true,
    log: (line) => {
      if (stopAfterEpoch !== undefined && line.startsWith(`epoch ${stopAfterEpoch}/`)) throw new Error('stopped');
    },
  });
}

async function weights(model: EarlyExitModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of model.store.params) out.set(name, Float32Array.from(await t.data() as Float32Array));
  return out;
}

test('train, stop after epoch 1, resume: the same final weights and best checkpoint as an uninterrupted run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'offramp-resume-'));
  try {
    const straight = newModel();
    const runA = RunDir.open(join(root, 'a'), 'new');
    await train(runA, straight, null);
    runA.release();
    const expected = await weights(straight);
    straight.dispose();

    const first = newModel();
    const runB = RunDir.open(join(root, 'b'), 'new');
    await assert.rejects(train(runB, first, null, 1), /stopped/);
    first.dispose();
    runB.release();

    const again = RunDir.open(join(root, 'b'), 'resume');
    await assert.rejects(loadResume(again, { ...settings, seed: 5 }), /started with seed 4, this command asks for 5; --resume needs the same settings/);
    const resumed = await loadResume(again, settings);
    assert.ok(resumed);
    assert.equal(resumed.state.epochs, 1);
    await train(again, resumed.checkpoint.model, resumed);
    const got = await weights(resumed.checkpoint.model);
    resumed.checkpoint.model.dispose();
    again.release();
    for (const [name, w] of expected) assert.deepEqual(got.get(name), w, name);

    // the best checkpoints agree too (same epoch, same weights)
    const [a, b] = [await loadCheckpoint(join(root, 'a')), await loadCheckpoint(join(root, 'b'))];
    assert.equal(b.config.info.epoch, a.config.info.epoch);
    for (const [name, t] of a.model.store.params) assert.deepEqual(await b.model.store.get(name).data(), await t.data(), name);
    a.model.dispose();
    b.model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
