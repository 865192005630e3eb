// The numerics contract (docs/numerics.md): each clause has a test here, named after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromArray, Rng, tensor, tidy, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { valuesArb } from '../helpers/arb.js';
import * as R from '../helpers/ref.js';
import { cpuOnly, suiteBackend, valueDtype, valueTol } from '../helpers/suite.js';

const vals = async (t: Tensor) => [...(await t.data())];
const allFinite = (xs: ArrayLike<number>) => Array.from(xs).every(Number.isFinite);

test('softmax: rows with values ±1e4 are finite and sum to 1 (f32)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 8 }).chain((n) => fc.array(fc.oneof(fc.constantFrom(1e4, -1e4), fc.double({ min: -1e4, max: 1e4, noNaN: true })), { minLength: n, maxLength: n })),
      async (row) => {
        const y = O.softmax(tensor(row, [1, row.length]));
        const p = await vals(y);
        assert.ok(allFinite(p), `softmax of [${row}] = [${p}]`);
        // f32 rounding of n terms: within n·2^-24 of 1
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) <= row.length * 2 ** -23, `sum ${p.reduce((a, b) => a + b, 0)}`);
        R.assertClose(p, R.softmaxRow(row.map(Math.fround)), { atol: 1e-6, rtol: 1e-5 }, 'softmax vs float64');
        assert.ok(allFinite(await vals(O.logSoftmax(tensor(row, [1, row.length])))), 'logSoftmax finite');
      },
    ),
    { numRuns: 200, includeErrorInReport: true },
  );
});

test('softmax subtracts a detached row max: shifting a row changes nothing, and no gradient flows through the max', async () => {
  const x = tensor([1, 2, 3, -1, 0, 5], [2, 3], valueDtype);
  const shifted = O.add(x, tensor([1e3, -1e3], [2, 1], valueDtype));
  R.assertClose(await vals(O.softmax(shifted)), await vals(O.softmax(x)), valueTol, 'shift invariance');
  // the recorded graph of softmax contains no max node
  const p = tensor([1, 2, 3], [3], valueDtype).param();
  const ops = new Set<string>();
  const visit = (t: Tensor) => {
    if (!t.node) return;
    ops.add(t.node.op);
    t.node.inputs.forEach(visit);
  };
  visit(O.softmax(p));
  visit(O.logSoftmax(p));
  assert.ok(!ops.has('max'), `ops recorded: ${[...ops].join(', ')}`);
});

test('cross-entropy on extreme logits (±1e4; f32, and f64 on the CPU) is finite and correct', async () => {
  const logits = [1e4, -1e4, 0, -1e4, 1e4, 1e4, 0, 0, -1e4];
  for (const dtype of suiteBackend === 'cpu' ? (['f32', 'f64'] as const) : (['f32'] as const)) {
    for (const targets of [[0, 1, 2], [1, 0, 2]]) {
      const x = tensor(logits, [3, 3], dtype).param();
      const loss = O.crossEntropy(x, targets, { reduction: 'none' });
      // float64 reference: logsumexp(row) − row[target]
      const expected = targets.map((t, i) => R.logSumExp(logits.slice(3 * i, 3 * i + 3)) - logits[3 * i + t]!);
      R.assertClose(await vals(loss), expected, { atol: 1e-3, rtol: 1e-6 }, `${dtype} targets ${targets}`);
      O.sum(loss).backward();
      const g = await vals(x.grad!);
      assert.ok(allFinite(g), `grad ${g}`);
      // d loss_i / d logits_i = softmax(row) − onehot(target)
      const eg = targets.flatMap((t, i) => R.softmaxRow(logits.slice(3 * i, 3 * i + 3)).map((p, c) => p - (c === t ? 1 : 0)));
      R.assertClose(g, eg, { atol: 1e-6, rtol: 0 }, `${dtype} grad`);
    }
  }
});

test('cross-entropy: ignored rows give 0 loss and 0 gradient and are not counted in the mean', async () => {
  const x = tensor([1, 2, 3, 4, 5, 6, 0, 0, 9], [3, 3], valueDtype).param();
  const loss = O.crossEntropy(x, [2, -100, 0]);
  const row0 = R.logSumExp([1, 2, 3]) - 3;
  const row2 = R.logSumExp([0, 0, 9]) - 0;
  R.assertClose(await vals(loss), [(row0 + row2) / 2], valueTol, 'mean over 2 counted rows');
  loss.backward();
  assert.deepEqual((await vals(x.grad!)).slice(3, 6), [0, 0, 0]); // exact: the ignored row's one-hot is 0
  // all rows ignored: loss 0 (not NaN), gradient 0
  const y = tensor([1, 2], [1, 2], valueDtype).param();
  const l2 = O.crossEntropy(y, [-100]);
  assert.deepEqual(await vals(l2), [0]);
  l2.backward();
  assert.deepEqual(await vals(y.grad!), [0, 0]);
});

test('layerNorm of inputs with mean 1e4 and std 1e-2 (f32) matches float64; one-pass variance would not', async () => {
  const rows = 8;
  const h = 64;
  const rng = new Rng(11);
  const x32 = Float32Array.from({ length: rows * h }, () => 1e4 + 1e-2 * rng.normal());
  const xs = Array.from(x32); // the exact f32 inputs, as doubles
  const ones = tensor(new Array(h).fill(1), [h]);
  const zeros = tensor(new Array(h).fill(0), [h]);
  const eps = 1e-12;
  const x = fromArray(x32.slice(), [rows, h]);

  const twoPass = await vals(O.layerNorm(x, ones, zeros, eps));
  // one pass: var = E[x²] − E[x]², composed from the same f32 ops
  const onePassT = tidy(() => {
    const m = O.mean(x, -1, true);
    const v = O.sub(O.mean(O.mul(x, x), -1, true), O.mul(m, m));
    return O.mul(O.sub(x, m), O.rsqrt(O.add(v, eps)));
  });
  const onePass = await vals(onePassT);

  // Tolerance. The mean (≈1e4) is stored in f32, whose spacing at 1e4 is 2^-10 ≈ 9.8e-4: the
  // computed mean is off by δ ≤ 2^-10 (reduction rounded once, then the division). x − mean is
  // exact (Sterbenz), so every normalised value is off by about δ/σ ≤ 2^-10/σ (≈ 0.1 for σ = 1e-2),
  // plus δ²/σ² relative in rstd. tol = 2·2^-10/σ_row + 1e-3 bounds both with margin.
  let worstTwo = 0;
  let worstOne = 0;
  for (let r = 0; r < rows; r++) {
    const row = xs.slice(r * h, (r + 1) * h);
    const ref = R.layerNormRow(row, new Array(h).fill(1), new Array(h).fill(0), eps);
    const mu = row.reduce((a, b) => a + b, 0) / h;
    const sigma = Math.sqrt(row.reduce((a, b) => a + (b - mu) ** 2, 0) / h);
    const tolRow = 2 * 2 ** -10 / sigma + 1e-3;
    for (let i = 0; i < h; i++) {
      worstTwo = Math.max(worstTwo, Math.abs(twoPass[r * h + i]! - ref[i]!) / tolRow);
      const e1 = Math.abs(onePass[r * h + i]! - ref[i]!) / tolRow;
      worstOne = Math.max(worstOne, Number.isNaN(e1) ? Infinity : e1);
    }
  }
  assert.ok(worstTwo <= 1, `two-pass error/tolerance ${worstTwo}`);
  // E[x²] ≈ 1e8 has f32 spacing 8, so its cancellation leaves a variance error of order 1–10 against 1e-4
  assert.ok(worstOne > 1, `one-pass would have passed too (error/tolerance ${worstOne})`);
});

test('a fully masked attention row gives output 0 and gradient 0 (f32)', async () => {
  // T = 4 queries and keys, hs = 3; query row 2 sees no key, the others see keys 0..1 or all
  const [t, hs] = [4, 3];
  const rng = new Rng(5);
  const mk = (shape: number[]) => fromArray(Float32Array.from({ length: shape[0]! * shape[1]! }, () => rng.normal()), shape).param();
  const q = mk([t, hs]);
  const k = mk([t, hs]);
  const v = mk([t, hs]);
  const keyMask = [
    [1, 1, 0, 0],
    [1, 1, 1, 1],
    [0, 0, 0, 0], // fully masked
    [1, 0, 1, 0],
  ];
  const additive = tensor(keyMask.flat().map((m) => (m ? 0 : -1e9)), [t, t]);
  const rowValid = tensor(keyMask.map((row) => (row.some((m) => m) ? 1 : 0)), [t, 1]);
  const attend = (qq: Tensor, kk: Tensor, vv: Tensor) => {
    const scores = O.add(O.mul(O.matmul(qq, kk, { transB: true }), 1 / Math.sqrt(hs)), additive); // [T, T]
    const p = O.mul(O.softmax(scores), rowValid); // [T, T], row 2 all zero
    return O.matmul(p, vv); // [T, hs]
  };
  const out = attend(q, k, v);
  const o = await vals(out);
  assert.ok(allFinite(o), `output ${o}`);
  assert.deepEqual(o.slice(2 * hs, 3 * hs), [0, 0, 0]);

  // gradient of a loss that weights every output element: the masked query row gets exactly 0
  const w = fromArray(Float32Array.from({ length: t * hs }, () => rng.normal()), [t, hs]);
  O.sum(O.mul(out, w)).backward();
  const dq = await vals(q.grad!);
  assert.ok(allFinite(dq) && allFinite(await vals(k.grad!)) && allFinite(await vals(v.grad!)), 'finite gradients');
  assert.deepEqual(dq.slice(2 * hs, 3 * hs), [0, 0, 0]);
  assert.ok(dq.some((g) => g !== 0), 'other rows do get gradient');

  // and the masked row contributes nothing to dK, dV: same as the problem without it
  const keep = O.detach; // fresh leaves for the comparison
  const q2 = keep(q).param();
  const k2 = keep(k).param();
  const v2 = keep(v).param();
  const wNo2 = O.mul(w, tensor([1, 1, 0, 1], [t, 1])); // drop row 2 from the loss instead
  O.sum(O.mul(attend(q2, k2, v2), wNo2)).backward();
  R.assertClose(await vals(k.grad!), await vals(k2.grad!), { atol: 1e-7, rtol: 1e-6 }, 'dK');
  R.assertClose(await vals(v.grad!), await vals(v2.grad!), { atol: 1e-7, rtol: 1e-6 }, 'dV');
});

test('fp32 in, fp32 out: ops keep the dtype', () => {
  const x = tensor([0.1, 0.2, 0.3], [1, 3]);
  for (const y of [O.softmax(x), O.logSoftmax(x), O.layerNorm(x, tensor([1, 1, 1]), tensor([0, 0, 0])), O.crossEntropy(x, [1]), O.gelu(x), O.mean(x)]) {
    assert.equal(y.dtype, 'f32');
  }
});

test('mixing f32 with f64 throws, naming the op', { skip: cpuOnly }, () => {
  assert.throws(() => O.add(tensor([0.1, 0.2, 0.3], [1, 3]), tensor([1, 2, 3], [1, 3], 'f64')), /add: dtypes differ/);
});

test('softmax of f32 rows matches float64 to f32 accuracy on random moderate inputs', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 16 }).chain((n) => valuesArb(n).map((v) => v.map((x) => Math.fround(x * 20)))), async (row) => {
      R.assertClose(await vals(O.softmax(tensor(row, [row.length]))), R.softmaxRow(row), { atol: 1e-7, rtol: 1e-5 }, 'softmax');
    }),
    { numRuns: 100, includeErrorInReport: true },
  );
});
