import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromArray, indices, tensor, tidy, type Tensor } from '../../src/index.js';
import { gatherRows } from '../../src/ops/index.js';
import { maskBatch, maskVocab } from '../../src/data/mlm.js';
import { WordPiece } from '../../src/data/wordpiece.js';
import { preset } from '../../src/nn/bert.js';
import { MaskedLm, mlmLogits, mlmLoss, type MlmHeadParams } from '../../src/nn/mlm.js';
import { Rng } from '../../src/tensor/random.js';
import { gradcheck, gradcheckRuns, type GradInput } from '../helpers/gradcheck.js';
import * as R from '../helpers/ref.js';
import { cpuOnly, valueDtype, valueTols } from '../helpers/suite.js';

const values = (n: number, rng: Rng, scale = 1): number[] => Array.from({ length: n }, () => scale * (rng.uniform() * 2 - 1));

/** Random head sizes and f64 values: h, dense W, dense b, LN γ, LN β, word embeddings, output bias. */
const caseArb = fc.record({ m: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 2, max: 5 }), v: fc.integer({ min: 2, max: 6 }), seed: fc.integer({ min: 0, max: 1e6 }) }).map(({ m, h, v, seed }) => {
  const rng = new Rng(seed);
  const inputs: GradInput[] = [
    { shape: [m, h], values: values(m * h, rng) },
    { shape: [h, h], values: values(h * h, rng) },
    { shape: [h], values: values(h, rng, 0.5) },
    { shape: [h], values: values(h, rng).map((x) => 1 + 0.5 * x) },
    { shape: [h], values: values(h, rng, 0.5) },
    { shape: [v, h], values: values(v * h, rng) },
    { shape: [v], values: values(v, rng, 0.5) },
  ];
  const targets = Int32Array.from({ length: m }, () => rng.int(v));
  return { inputs, targets, m, h, v };
});

const head = ([dw, db, nw, nb, word, bias]: Tensor[]): MlmHeadParams => ({ denseWeight: dw!, denseBias: db!, normWeight: nw!, normBias: nb!, word: word!, bias: bias!, eps: 1e-12 });

test('gradcheck: MLM head loss (dense, GELU, LayerNorm, tied projection, bias, log-sum-exp − target) in f64', { skip: cpuOnly }, () => {
  fc.assert(
    fc.property(caseArb, ({ inputs, targets }) => {
      const r = gradcheck('mlm head loss', ([h, ...p]) => mlmLoss(mlmLogits(head(p), h!), targets).loss, inputs);
      assert.ok(r.ok, r.message);
    }),
    { numRuns: gradcheckRuns(40) },
  );
});

test('gradcheck: tied word embeddings get the gradient of both uses (input lookup and output projection)', { skip: cpuOnly }, () => {
  fc.assert(
    fc.property(caseArb, ({ inputs, targets, m, v }) => {
      const ids = Int32Array.from({ length: m }, (_, i) => (i * 7 + 1) % v);
      const r = gradcheck('tied mlm', ([word, ...p]) => {
        const h = gatherRows(word!, indices(ids)); // the embedding lookup: [M, H]
        const [dw, db, nw, nb, , bias] = p;
        return mlmLoss(mlmLogits(head([dw!, db!, nw!, nb!, word!, bias!]), h), targets).loss;
      }, [inputs[5]!, ...inputs.slice(1)]);
      assert.ok(r.ok, r.message);
    }),
    { numRuns: gradcheckRuns(40) },
  );
});

test('mlmLoss: mean cross-entropy and arg-max accuracy match a direct computation', async () => {
  const logits = [[2, 0, -1], [0.5, 3, 0.1], [1, 1, 4], [-2, 0, -1]];
  const targets = Int32Array.from([0, 2, 2, 0]);
  const r = tidy(() => mlmLoss(tensor(logits.flat().map(Math.fround), [4, 3], valueDtype), targets));
  const ce = logits.map((row, i) => Math.log(row.reduce((s, z) => s + Math.exp(Math.fround(z)), 0)) - Math.fround(row[targets[i]!]!));
  R.assertClose(await r.loss.data(), [ce.reduce((a, b) => a + b) / 4], valueTols.transcendental, 'mean cross-entropy');
  assert.equal((await r.correct.data())[0], 2);
});

test('MaskedLm: the word-embedding gradient is the sum of the lookup and the projection gradients; both are non-zero', async () => {
  const letters = 'abcdefgh'.split('');
  const tokenizer = new WordPiece(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...letters], { lowercase: false });
  const model = new MaskedLm({ ...preset('tiny', tokenizer.size), hidden: 8, heads: 2, ffn: 16, layers: 2, dropout: 0 }, 5);
  const rng = new Rng(2);
  const seqs = Array.from({ length: 3 }, () => Int32Array.from({ length: 10 }, () => 5 + rng.int(8)));
  const batch = maskBatch(seqs, maskVocab(tokenizer), { prob: 0.3, wholeWord: false }, rng);
  const word = model.head.word;
  tidy(() => model.forward(batch, null).loss.backward());
  const tied = Float32Array.from(await word.grad!.data());
  for (const p of model.parameters()) p.zeroGrad();
  // the same computation with the projection reading an untied copy
  const copy = fromArray(Float32Array.from(await word.data()), word.shape).param('copy').keep();
  tidy(() => {
    const masked = gatherRows(model.encode(batch, null), indices(batch.maskedRows));
    mlmLoss(mlmLogits({ ...model.head, word: copy }, masked), batch.targets).loss.backward();
  });
  const lookup = await word.grad!.data();
  const projection = await copy.grad!.data();
  const norm = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((s, a) => s + a * a, 0));
  assert.ok(norm(lookup) > 0 && norm(projection) > 0, 'both uses must contribute');
  tied.forEach((g, i) => assert.ok(Math.abs(g - (lookup[i]! + projection[i]!)) <= 1e-6 + 1e-4 * Math.abs(g), `element ${i}: ${g} vs ${lookup[i]} + ${projection[i]}`));
  copy.zeroGrad();
  copy.dispose();
  model.dispose();
});
