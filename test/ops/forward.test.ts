// Forward values of every op against the independent plain-JS references in test/helpers/ref.ts,
// on random shapes and values (fast-check); then the error contract: shape, dtype and axis errors
// name the op and the shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromArray, indices, Rng, tensor, zeros, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { axesArb, broadcastPairArb, distinctIndicesArb, indicesArb, shapeArb, sizeOf, valuesArb, type Shape } from '../helpers/arb.js';
import * as R from '../helpers/ref.js';
import { cpuOnly, valueDtype, valueTols } from '../helpers/suite.js';

const runs = { numRuns: 100, includeErrorInReport: true };
const f32 = (shape: Shape) => valuesArb(sizeOf(shape)).map((v) => ({ shape, data: v.map(Math.fround) }));
const f64 = (shape: Shape) => valuesArb(sizeOf(shape)).map((v) => ({ shape, data: v }));
const t32 = (x: R.Nd) => tensor(x.data, x.shape, 'f32');
const t64 = (x: R.Nd) => tensor(x.data, x.shape, 'f64');
/** Values held exactly in the suite's value dtype (f64 on the CPU, f32 elsewhere: helpers/suite.ts). */
const values = valueDtype === 'f64' ? f64 : f32;
const tv = (x: R.Nd) => tensor(x.data, x.shape, valueDtype);

/** Exact values through an asynchronous read (so the test runs on every backend). */
async function sameOnAnyBackend(t: Tensor, expected: R.Nd, what: string): Promise<void> {
  assert.deepEqual(t.shape, expected.shape, `${what}: shape`);
  const z = (v: number) => (v === 0 ? 0 : v);
  assert.deepEqual([...(await t.data())].map(z), expected.data.map(z), `${what}: values`);
}

function close(t: Tensor, expected: R.Nd, tol: { atol: number; rtol: number }, what: string): void {
  assert.deepEqual(t.shape, expected.shape, `${what}: shape`);
  R.assertClose(t.dataSync(), expected.data, tol, what);
}

/** `close` through an asynchronous read, for the tests that run on every backend. */
async function closeOnAnyBackend(t: Tensor, expected: R.Nd, tol: { atol: number; rtol: number }, what: string): Promise<void> {
  assert.deepEqual(t.shape, expected.shape, `${what}: shape`);
  R.assertClose(await t.data(), expected.data, tol, what);
}

// One f32 operation is computed in double and rounded once: exactly fround(a ∘ b).
const binaries: [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number][] = [
  ['add', O.add, (a, b) => a + b],
  ['sub', O.sub, (a, b) => a - b],
  ['mul', O.mul, (a, b) => a * b],
  ['div', O.div, (a, b) => a / b],
  ['gt', O.gt, (a, b) => Number(a > b)],
  ['ge', O.ge, (a, b) => Number(a >= b)],
  ['eq', O.eq, (a, b) => Number(a === b)],
];

for (const [name, op, ref] of binaries) {
  test(`${name} broadcasts like numpy (f32, exact)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        broadcastPairArb().chain(({ a, b }) => fc.tuple(f32(a), f32(b))),
        async ([a, b]) => {
          // fast-check favours boundary values (0, ±2), so ties for eq/ge do occur
          const y = op(t32(a), t32(b));
          assert.equal(y.dtype, 'f32');
          await sameOnAnyBackend(y, R.zip(a, b, (x, z) => Math.fround(ref(x, z))), name);
        },
      ),
      runs,
    );
  });
}

test('binary ops accept JS numbers on either side and keep the tensor dtype', async () => {
  const x = tensor([1, 2, 3], [3], valueDtype);
  assert.deepEqual([...(await O.sub(10, x).data())], [9, 8, 7]);
  assert.deepEqual([...(await O.div(x, 2).data())], [0.5, 1, 1.5]);
  assert.equal(O.add(x, 1).dtype, valueDtype);
  assert.deepEqual([...(await O.eq(tensor([1, 2, 2]), tensor([2])).data())], [0, 1, 1]);
});

const unaries: [string, (x: Tensor) => Tensor, (x: number) => number, 'any' | 'positive'][] = [
  ['neg', O.neg, (x) => -x, 'any'],
  ['exp', O.exp, Math.exp, 'any'],
  ['log', O.log, Math.log, 'positive'],
  ['sqrt', O.sqrt, Math.sqrt, 'positive'],
  ['rsqrt', O.rsqrt, (x) => 1 / Math.sqrt(x), 'positive'],
  ['tanh', O.tanh, Math.tanh, 'any'],
  ['relu', O.relu, (x) => (x > 0 ? x : 0), 'any'],
  ['step', O.step, (x) => (x > 0 ? 1 : 0), 'any'],
  ['abs', O.abs, Math.abs, 'any'],
  ['pow 3', (x) => O.pow(x, 3), (x) => x ** 3, 'any'],
  ['pow -0.5', (x) => O.pow(x, -0.5), (x) => x ** -0.5, 'positive'],
  ['erf', O.erf, (x) => R.erfSimpson(x), 'any'],
  ['gelu', O.gelu, (x) => 0.5 * x * (1 + R.erfSimpson(x / Math.SQRT2)), 'any'],
];

for (const [name, op, ref, kind] of unaries) {
  test(`${name} matches Math (f64)`, { skip: cpuOnly }, () => {
    fc.assert(
      fc.property(
        shapeArb(0, 4).chain((s) => valuesArb(sizeOf(s), kind).map((data) => ({ shape: s, data }))),
        (x) => {
          const y = op(t64(x));
          assert.equal(y.dtype, 'f64');
          // Simpson with 2000 steps is accurate to ~1e-13; everything else is one libm call
          close(y, R.map(x, ref), { atol: 1e-12, rtol: 1e-12 }, name);
        },
      ),
      runs,
    );
  });
}

test('erf at large |x| and known values', { skip: cpuOnly }, () => {
  // erf(0) = 0, odd symmetry, erf(±6) = ±1 to double precision, erf(0.5) = 0.5204998778130465 (A&S table 7.1)
  const y = [...O.erf(tensor([0, 0.5, -0.5, 3.5, -6, 6], [6], 'f64')).dataSync()];
  assert.equal(y[0], 0);
  assert.ok(Math.abs(y[1]! - 0.5204998778130465) < 1e-15);
  assert.equal(y[2], -y[1]!);
  R.assertClose([y[3]!], [R.erfSimpson(3.5, 20000)], { atol: 1e-13, rtol: 0 }, 'erf(3.5)');
  assert.deepEqual([y[4], y[5]], [-1, 1]);
});

test('where broadcasts condition and both branches', async () => {
  await fc.assert(
    fc.asyncProperty(
      broadcastPairArb().chain(({ a, b, out }) =>
        fc.tuple(values(a), values(b), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }).chain((ones) => {
          const cs = out.map((d, i) => (ones[i] ? 1 : d));
          return fc.array(fc.boolean(), { minLength: sizeOf(cs), maxLength: sizeOf(cs) }).map((c) => ({ shape: cs, data: c.map(Number) }));
        })),
      ),
      async ([a, b, c]) => {
        const expected = R.zip(R.zip(c, a, (cv, av) => (cv ? av : NaN)), b, (v, bv) => (Number.isNaN(v) ? bv : v));
        await sameOnAnyBackend(O.where(tv(c), tv(a), tv(b)), expected, 'where');
      },
    ),
    runs,
  );
});

const reductions: [string, (x: Tensor, axes: number[] | undefined, keep: boolean) => Tensor, (x: R.Nd, axes: number[], keep: boolean) => R.Nd][] = [
  ['sum', (x, a, k) => O.sum(x, a, k), (x, a, k) => R.reduce(x, a, k, (s, v) => s + v, 0)],
  ['max', (x, a, k) => O.max(x, a, k), (x, a, k) => R.reduce(x, a, k, Math.max, -Infinity)],
  [
    'mean',
    (x, a, k) => O.mean(x, a, k),
    (x, a, k) => {
      const n = a.reduce((m, ax) => m * x.shape[ax]!, 1);
      return R.map(R.reduce(x, a, k, (s, v) => s + v, 0), (v) => v / n);
    },
  ],
];

for (const [name, op, ref] of reductions) {
  test(`${name} over axis subsets with and without keepdims`, async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeArb(0, 4).chain((s) => fc.tuple(values(s), s.length ? fc.option(axesArb(s.length), { nil: undefined }) : fc.constant(undefined), fc.boolean())),
        async ([x, axes, keep]) => {
          const pos = (axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + x.shape.length : a));
          await closeOnAnyBackend(op(tv(x), axes, keep), ref(x, pos, keep), valueTols.sum, `${name} axes ${axes} keepdims ${keep}`);
        },
      ),
      runs,
    );
  });
}

test('max gradient is shared equally among ties', async () => {
  const x = tensor([1, 3, 3, 2, 2, 0], [2, 3], valueDtype).param();
  O.sum(O.max(x, 1)).backward();
  // row 0: 3 twice; row 1: 2 twice
  assert.deepEqual([...(await x.grad!.data())], [0, 0.5, 0.5, 0.5, 0.5, 0]);
});

test('reshape, permute, transpose, slice, pad, concat and expand move values like the reference', async () => {
  await fc.assert(
    fc.asyncProperty(
      shapeArb(1, 4).chain((s) =>
        fc.tuple(
          f32(s),
          fc.shuffledSubarray([...Array(s.length).keys()], { minLength: s.length, maxLength: s.length }),
          fc.tuple(...s.map((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d })))),
          fc.integer({ min: 0, max: s.length - 1 }),
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.length, maxLength: s.length }),
        ),
      ),
      async ([x, perm, ranges, axis, padBefore]) => {
        const t = t32(x);
        await sameOnAnyBackend(O.reshape(t, [-1]), { shape: [sizeOf(x.shape)], data: x.data }, 'reshape');
        await sameOnAnyBackend(O.permute(t, perm), R.permute(x, perm), `permute [${perm}]`);
        const swap = x.shape.map((_, i) => i);
        [swap[0], swap[axis]] = [swap[axis]!, swap[0]!];
        await sameOnAnyBackend(O.transpose(t, 0, axis), R.permute(x, swap), `transpose 0 ${axis}`);
        const lo = ranges.map(([a, b]) => Math.min(a, b));
        const hi = ranges.map(([a, b]) => Math.max(a, b));
        await sameOnAnyBackend(O.slice(t, lo, hi), R.slice(x, lo, hi), `slice [${lo}]:[${hi}]`);
        const big = x.shape.map((d, i) => d + padBefore[i]! + 1);
        const padded = O.pad(t, big, padBefore);
        // pad is the adjoint of slice: slicing the written block back gives x, the rest is 0
        await sameOnAnyBackend(O.slice(padded, padBefore, padBefore.map((p, i) => p + x.shape[i]!)), x, 'pad then slice');
        assert.equal([...(await padded.data())].filter((v) => v !== 0).length, x.data.filter((v) => v !== 0).length, 'pad writes zeros elsewhere');
        const other = { shape: x.shape.map((d, i) => (i === axis ? 2 : d)), data: Array.from({ length: (sizeOf(x.shape) / x.shape[axis]!) * 2 }, (_, i) => i) };
        await sameOnAnyBackend(O.concat([t, t32(other), t], axis - x.shape.length), R.concat([x, other, x], axis), `concat axis ${axis}`);
        const target = [2, ...x.shape.map((d) => (d === 1 ? 3 : d))];
        await sameOnAnyBackend(O.expand(t, target), R.expandTo(x, target), `expand to [${target}]`);
      },
    ),
    runs,
  );
});

test('reshape shares storage with its source (no copy)', () => {
  const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const y = O.reshape(x, [3, -1]);
  assert.deepEqual(y.shape, [3, 2]);
  assert.equal(y.storage, x.storage);
});

test('matmul with transposes and batch broadcast matches the triple loop', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .record({
          m: fc.integer({ min: 1, max: 4 }),
          k: fc.integer({ min: 1, max: 5 }),
          n: fc.integer({ min: 1, max: 4 }),
          batch: fc.constantFrom<Shape>([], [3], [2, 2]),
          side: fc.constantFrom('both', 'a', 'b'),
          transA: fc.boolean(),
          transB: fc.boolean(),
        })
        .chain((p) => {
          const a = [...(p.side === 'b' ? [] : p.batch), ...(p.transA ? [p.k, p.m] : [p.m, p.k])];
          const b = [...(p.side === 'a' ? [] : p.batch), ...(p.transB ? [p.n, p.k] : [p.k, p.n])];
          return fc.tuple(fc.constant(p), values(a), values(b));
        }),
      async ([p, a, b]) => {
        await closeOnAnyBackend(O.matmul(tv(a), tv(b), p), R.matmul(a, b, p.transA, p.transB), valueTols.sum, `matmul ${JSON.stringify(p)}`);
      },
    ),
    runs,
  );
});

test('matmul propagates NaN and Inf from b even where a is 0 (IEEE 0·NaN = NaN)', async () => {
  const y = await O.matmul(tensor([0, 1], [1, 2]), tensor([NaN, 1], [2, 1])).data();
  assert.ok(Number.isNaN(y[0]!), `got ${y[0]}`);
});

test('scatterRows replaces the indexed rows and keeps the others', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.integer({ min: 1, max: 5 }), shapeArb(0, 2)).chain(([rows, rest]) =>
        distinctIndicesArb(rows).chain((idx) => fc.tuple(values([rows, ...rest]), values([idx.length, ...rest]), fc.constant(idx)))),
      async ([dst, src, idx]) => {
        const cols = sizeOf(dst.shape.slice(1));
        const want = [...dst.data];
        idx.forEach((r, i) => want.splice(r * cols, cols, ...src.data.slice(i * cols, (i + 1) * cols)));
        await sameOnAnyBackend(O.scatterRows(tv(dst), tv(src), indices(idx)), { shape: dst.shape, data: want }, 'scatterRows');
      },
    ),
    runs,
  );
  throwsNaming(() => O.scatterRows(zeros([3, 2]), zeros([2, 3]), indices([0, 1])), Error, 'scatterRows', '[2, 3]');
});

// the CPU kernel reads the indices and checks them; a GPU kernel would need a readback to do so
test('scatterRows refuses a row written twice (CPU index check)', { skip: cpuOnly }, () => {
  throwsNaming(() => O.scatterRows(zeros([3, 2]), zeros([2, 2]), indices([1, 1])), RangeError, 'scatterRows', 'row 1 is written twice');
});

test('gatherRows and scatterAddRows (repeated indices accumulate)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.integer({ min: 1, max: 5 }), shapeArb(0, 2)).chain(([rows, rest]) => fc.tuple(values([rows, ...rest]), indicesArb(rows), fc.constant(rest))),
      async ([x, idx, rest]) => {
        const cols = sizeOf(rest);
        const rows = x.shape[0]!;
        const gathered = idx.flatMap((r) => x.data.slice(r * cols, (r + 1) * cols));
        await sameOnAnyBackend(O.gatherRows(tv(x), indices(idx)), { shape: [idx.length, ...rest], data: gathered }, 'gatherRows');
        const src = { shape: [idx.length, ...rest], data: gathered };
        const scattered = new Array<number>(rows * cols).fill(0);
        idx.forEach((r, i) => {
          for (let c = 0; c < cols; c++) scattered[r * cols + c]! += src.data[i * cols + c]!;
        });
        await closeOnAnyBackend(O.scatterAddRows(tv(src), indices(idx), rows), { shape: [rows, ...rest], data: scattered }, valueTols.sum, 'scatterAddRows');
      },
    ),
    runs,
  );
});

test('softmax and logSoftmax along any axis', async () => {
  await fc.assert(
    fc.asyncProperty(
      shapeArb(1, 4).chain((s) => fc.tuple(values(s), fc.integer({ min: -s.length, max: s.length - 1 }))),
      async ([x, axis]) => {
        const ax = axis < 0 ? axis + x.shape.length : axis;
        await closeOnAnyBackend(O.softmax(tv(x), axis), R.alongAxis(x, ax, R.softmaxRow), valueTols.transcendental, `softmax axis ${axis}`);
        const logSoftmax = R.alongAxis(x, ax, (row) => row.map((v) => v - R.logSumExp(row)));
        await closeOnAnyBackend(O.logSoftmax(tv(x), axis), logSoftmax, valueTols.transcendental, `logSoftmax axis ${axis}`);
      },
    ),
    runs,
  );
});

// eps 1e-12 only in f64: in f32, 1/σ up to 1e6 would amplify the rounding of x − mean past any useful tolerance
const layerNormEps = valueDtype === 'f64' ? [1e-12, 1e-5] : [1e-5];

test('layerNorm over the last axis (two-pass reference)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 6 }), fc.constantFrom(...layerNormEps)).chain(([lead, h, eps]) => fc.tuple(values([...lead, h]), values([h]), values([h]), fc.constant(eps))),
      async ([x, g, b, eps]) => {
        const expected = R.alongAxis(x, x.shape.length - 1, (row) => R.layerNormRow(row, g.data, b.data, eps));
        await closeOnAnyBackend(O.layerNorm(tv(x), tv(g), tv(b), eps), expected, valueTols.layerNorm, `layerNorm eps ${eps}`);
      },
    ),
    runs,
  );
});

test('crossEntropy: per-row losses, mean over non-ignored rows, ignore index', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 5 }), fc.constantFrom(-100, 2)).chain(([n, c, ignore]) =>
        fc.tuple(values([n, c]), fc.array(fc.oneof(fc.integer({ min: 0, max: c - 1 }), fc.constant(ignore)), { minLength: n, maxLength: n }), fc.constant(ignore)),
      ),
      async ([x, targets, ignoreIndex]) => {
        const c = x.shape[1]!;
        const rows = targets.map((t, i) => {
          const row = x.data.slice(i * c, (i + 1) * c);
          return t === ignoreIndex ? 0 : R.logSumExp(row) - row[t]!;
        });
        const counted = targets.filter((t) => t !== ignoreIndex).length;
        await closeOnAnyBackend(O.crossEntropy(tv(x), targets, { ignoreIndex, reduction: 'none' }), { shape: [targets.length], data: rows }, valueTols.transcendental, 'crossEntropy none');
        const mean = counted ? rows.reduce((a, b) => a + b, 0) / counted : 0;
        await closeOnAnyBackend(O.crossEntropy(tv(x), targets, { ignoreIndex }), { shape: [], data: [mean] }, valueTols.transcendental, 'crossEntropy mean');
      },
    ),
    runs,
  );
});

test('dropout: zero or x/(1−p), reproducible from the seed, identity at p = 0', async () => {
  // x·(1/(1−p)): one rounding of the scale, one of the product (2 ulp of the value dtype)
  const rel = valueDtype === 'f64' ? 1e-12 : 3e-7;
  await fc.assert(
    fc.asyncProperty(fc.tuple(shapeArb(1, 3, 5), fc.double({ min: 0.05, max: 0.9, noNaN: true }), fc.integer()), async ([s, p, seed]) => {
      const x = tensor(Array.from({ length: sizeOf(s) }, (_, i) => i + 1), s, valueDtype);
      const y = [...(await O.dropout(x, p, new Rng(seed)).data())];
      y.forEach((v, i) => assert.ok(v === 0 || Math.abs(v - (i + 1) / (1 - p)) < rel * (i + 1) / (1 - p), `element ${i}: ${v}`));
      assert.deepEqual([...(await O.dropout(x, p, new Rng(seed)).data())], y, 'same seed, same mask');
      assert.equal(O.dropout(x, 0, new Rng(seed)), x, 'p = 0 returns the input');
    }),
    runs,
  );
});

test('dropout drops about a fraction p (seeded, 10 000 elements)', async () => {
  // binomial(10000, 0.3): standard deviation 46, so ±300 is more than 6 sigma for this fixed seed
  const y = await O.dropout(fromArray(new Float32Array(10000).fill(1)), 0.3, new Rng(7)).data();
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros - 3000) < 300, `${zeros} zeros`);
});

// ---- the error contract ----

function throwsNaming(fn: () => unknown, type: ErrorConstructor, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `message "${(e as Error).message}" does not mention "${p}"`);
    return true;
  });
}

test('shape errors name the op and the shapes', () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  throwsNaming(() => O.add(a, tensor([1, 2, 3, 4], [4])), Error, 'add', '[2, 3]', '[4]', 'broadcast');
  throwsNaming(() => O.mul(tensor([1, 2, 3, 4, 5, 6], [3, 1, 2]), a), Error, 'mul', '[3, 1, 2]', '[2, 3]');
  throwsNaming(() => O.where(tensor([1, 0, 1, 0], [4]), a, 0), Error, 'where', '[4]', '[2, 3]');
  throwsNaming(() => O.matmul(a, a), Error, 'matmul', 'inner', '[2, 3]');
  throwsNaming(() => O.matmul(tensor(new Array(12).fill(1), [2, 2, 3]), tensor(new Array(18).fill(1), [3, 3, 2])), Error, 'matmul', 'batch', '[2, 2, 3]', '[3, 3, 2]');
  throwsNaming(() => O.matmul(tensor([1, 2, 3]), a), Error, 'matmul', '[3]', '[2, 3]');
  throwsNaming(() => O.reshape(a, [4, -1]), Error, 'reshape', '[2, 3]', '[4, -1]');
  throwsNaming(() => O.expand(a, [3, 3]), Error, 'expand', '[2, 3]', '[3, 3]');
  throwsNaming(() => O.concat([a, tensor([1, 2], [1, 2])], 0), Error, 'concat', '[2, 3]', '[1, 2]');
  throwsNaming(() => O.permute(a, [0, 0]), Error, 'permute', '[0, 0]', '[2, 3]');
  throwsNaming(() => O.slice(a, [0, 1], [2, 4]), Error, 'slice', '1:4', '[2, 3]');
  throwsNaming(() => O.layerNorm(a, tensor([1, 1, 1, 1]), tensor([0, 0, 0])), Error, 'layerNorm', '[4]', '[2, 3]');
  throwsNaming(() => O.crossEntropy(a, [0]), Error, 'crossEntropy', '[2, 3]');
  throwsNaming(() => O.scatterAddRows(a, indices([0]), 4), Error, 'scatterAddRows', '[2, 3]');
  throwsNaming(() => tensor([1, 2, 3], [2, 2]), Error, 'tensor', '[2, 2]');
});

test('dtype errors name the op, the dtypes and the shapes', { skip: cpuOnly }, () => {
  const a = tensor([1, 2, 3], [3]);
  throwsNaming(() => O.add(a, tensor([1, 2, 3], [3], 'i32')), TypeError, 'add', 'i32', '[3]');
  throwsNaming(() => O.mul(a, tensor([1, 2, 3], [3], 'f64')), TypeError, 'mul', 'f32 [3]', 'f64 [3]');
  throwsNaming(() => O.exp(indices([1, 2])), TypeError, 'exp', 'i32', '[2]');
  throwsNaming(() => O.sum(indices([1, 2])), TypeError, 'sum', 'i32');
  throwsNaming(() => O.gatherRows(tensor([1, 2, 3, 4], [2, 2]), tensor([0, 1])), TypeError, 'gatherRows', 'i32', 'f32 [2]');
  throwsNaming(() => O.concat([a, tensor([1], [1], 'f64')]), TypeError, 'concat', 'f32', 'f64');
});

test('axis and target errors name the op, the axis and the rank or range', () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  throwsNaming(() => O.sum(a, 2), Error, 'sum', 'axis 2', 'rank 2');
  throwsNaming(() => O.max(a, -3), Error, 'max', 'axis -3', 'rank 2');
  throwsNaming(() => O.mean(a, [1, -1]), Error, 'mean', 'repeated axis', '[2, 3]');
  throwsNaming(() => O.softmax(a, 2), Error, 'softmax', 'axis 2');
  throwsNaming(() => O.logSoftmax(a, -3), Error, 'logSoftmax', 'axis -3');
  throwsNaming(() => O.concat([a, a], 2), Error, 'concat', 'axis 2');
  throwsNaming(() => O.transpose(a, 0, 5), Error, 'transpose', 'axis 5');
  throwsNaming(() => O.crossEntropy(a, [0, 3]), RangeError, 'crossEntropy', 'target 3', 'row 1');
  throwsNaming(() => O.dropout(a, 1, new Rng(0)), RangeError, 'dropout', 'p');
});

test('index errors name the op, the index and the range (CPU index check)', { skip: cpuOnly }, () => {
  throwsNaming(() => O.gatherRows(tensor([1, 2, 3, 4, 5, 6], [2, 3]), indices([0, 2])), RangeError, 'gatherRows', 'index 2', '[0, 2)');
});
