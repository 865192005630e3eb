// Finite-difference gradient checks (float64, CPU) for every differentiable op. The table is typed by
// GradOp, so an op added to `gradOps` does not compile until it has a check here; the last test
// also enumerates `gradOps` at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromArray, indices, Rng, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { gradOps, type GradOp } from '../../src/ops/index.js';
import { gradcheck, gradcheckRuns, type GradInput } from '../helpers/gradcheck.js';
import { attentionArb, axesArb, broadcastPairArb, distinctIndicesArb, indicesArb, inputArb, shapeArb, sizeOf, type Shape, type ValueKind } from '../helpers/arb.js';
import { cpuOnly } from '../helpers/suite.js';

interface GradCase {
  /** extra description for failure messages (axes, flags) */
  label: string;
  inputs: GradInput[];
  f: (xs: Tensor[]) => Tensor;
}

const f64 = (values: readonly number[], shape: Shape) => fromArray(Float64Array.from(values), shape);

function unaryCase(fn: (x: Tensor) => Tensor, kind: ValueKind): fc.Arbitrary<GradCase> {
  return shapeArb(0, 4)
    .chain((s) => inputArb(s, kind))
    .map((x) => ({ label: '', inputs: [x], f: ([a]) => fn(a!) }));
}

/** Tensor ⊕ tensor with broadcasting, or one side a JS number. */
function binaryCase(fn: (a: Tensor | number, b: Tensor | number) => Tensor, kindA: ValueKind, kindB: ValueKind, constB = 1.7): fc.Arbitrary<GradCase> {
  const both = broadcastPairArb()
    .chain(({ a, b }) => fc.tuple(inputArb(a, kindA), inputArb(b, kindB)))
    .map(([x, y]): GradCase => ({ label: 'tensor, tensor', inputs: [x, y], f: ([a, b]) => fn(a!, b!) }));
  const numRight = shapeArb(0, 3)
    .chain((s) => inputArb(s, kindA))
    .map((x): GradCase => ({ label: `tensor, ${constB}`, inputs: [x], f: ([a]) => fn(a!, constB) }));
  const numLeft = shapeArb(0, 3)
    .chain((s) => inputArb(s, kindB))
    .map((x): GradCase => ({ label: '0.8, tensor', inputs: [x], f: ([b]) => fn(0.8, b!) }));
  return fc.oneof({ arbitrary: both, weight: 4 }, numRight, numLeft);
}

/** A reduction over a random axis subset (or all axes), with keepdims. */
function reduceCase(fn: (x: Tensor, axes: number[] | undefined, keep: boolean) => Tensor, kind: ValueKind, minRank: number): fc.Arbitrary<GradCase> {
  return shapeArb(minRank, 4).chain((s) =>
    fc.tuple(inputArb(s, kind), s.length ? fc.option(axesArb(s.length), { nil: undefined }) : fc.constant(undefined), fc.boolean()).map(
      ([x, axes, keep]): GradCase => ({ label: `axes ${axes ? `[${axes}]` : 'all'} keepdims ${keep}`, inputs: [x], f: ([a]) => fn(a!, axes, keep) }),
    ),
  );
}

const permArb = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

/** A slice range [lo, hi) per axis of `shape`. */
const rangesArb = (shape: Shape) =>
  fc.tuple(...shape.map((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d })).map(([x, y]) => [Math.min(x, y), Math.max(x, y)] as const)));

const matmulArb: fc.Arbitrary<GradCase> = fc
  .record({
    m: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 3 }),
    batch: fc.constantFrom<Shape>([], [2], [3], [2, 2]),
    // which side carries the batch dims when there are any
    side: fc.constantFrom('both', 'a', 'b'),
    transA: fc.boolean(),
    transB: fc.boolean(),
  })
  .chain(({ m, k, n, batch, side, transA, transB }) => {
    const aBatch = side === 'b' ? [] : batch;
    const bBatch = side === 'a' ? [] : batch;
    const aShape = [...aBatch, ...(transA ? [k, m] : [m, k])];
    const bShape = [...bBatch, ...(transB ? [n, k] : [k, n])];
    return fc.tuple(inputArb(aShape), inputArb(bShape)).map(
      ([a, b]): GradCase => ({ label: `transA ${transA} transB ${transB}`, inputs: [a, b], f: ([x, y]) => O.matmul(x!, y!, { transA, transB }) }),
    );
  });

const checks: { [K in GradOp]: fc.Arbitrary<GradCase> } = {
  sparseQueryAttention: attentionArb.chain(({ heads, h, n, m, segments }) =>
    fc.tuple(inputArb([m, h]), inputArb([n, h]), inputArb([n, h])).map((inputs): GradCase => ({
      label: `heads ${heads} segments ${JSON.stringify(segments)}`,
      inputs,
      f: ([q, k, v]) => O.sparseQueryAttention(q!, k!, v!, segments, heads),
    })),
  ),
  add: binaryCase(O.add, 'any', 'any'),
  sub: binaryCase(O.sub, 'any', 'any'),
  mul: binaryCase(O.mul, 'any', 'any'),
  div: binaryCase(O.div, 'any', 'awayFromZero'),
  neg: unaryCase(O.neg, 'any'),
  exp: unaryCase(O.exp, 'any'),
  log: unaryCase(O.log, 'positive'),
  sqrt: unaryCase(O.sqrt, 'positive'),
  rsqrt: unaryCase(O.rsqrt, 'positive'),
  tanh: unaryCase(O.tanh, 'any'),
  pow: fc
    .constantFrom<[number, ValueKind]>([2, 'any'], [3, 'any'], [0, 'any'], [1, 'any'], [-1, 'awayFromZero'], [-2, 'awayFromZero'], [0.5, 'positive'], [1.5, 'positive'], [-0.5, 'positive'])
    .chain(([p, kind]) => unaryCase((x) => O.pow(x, p), kind).map((c) => ({ ...c, label: `p = ${p}` }))),
  relu: unaryCase(O.relu, 'awayFromZero'),
  abs: unaryCase(O.abs, 'awayFromZero'),
  erf: unaryCase(O.erf, 'any'),
  gelu: unaryCase(O.gelu, 'any'),
  where: broadcastPairArb(0, 3).chain((pair) =>
    fc
      .record({
        // cond broadcasts against both branches: the pair's result shape with some dims set to 1
        condOnes: fc.array(fc.boolean(), { minLength: pair.out.length, maxLength: pair.out.length }),
        scalarSide: fc.constantFrom('none', 'a', 'b'),
      })
      .chain(({ condOnes, scalarSide }) => {
        const condShape = pair.out.map((d, i) => (condOnes[i] ? 1 : d));
        return fc
          .tuple(inputArb(pair.a), inputArb(pair.b), fc.array(fc.boolean(), { minLength: sizeOf(condShape), maxLength: sizeOf(condShape) }))
          .map(([a, b, c]): GradCase => {
            const cond = () => f64(c.map(Number), condShape);
            if (scalarSide === 'a') return { label: `cond [${condShape}], 0.5, b`, inputs: [b], f: ([y]) => O.where(cond(), 0.5, y!) };
            if (scalarSide === 'b') return { label: `cond [${condShape}], a, -0.5`, inputs: [a], f: ([x]) => O.where(cond(), x!, -0.5) };
            return { label: `cond [${condShape}]`, inputs: [a, b], f: ([x, y]) => O.where(cond(), x!, y!) };
          });
      }),
  ),
  sum: reduceCase((x, axes, keep) => O.sum(x, axes, keep), 'any', 0),
  mean: reduceCase((x, axes, keep) => O.mean(x, axes, keep), 'any', 0),
  // distinct values: no ties, so max is differentiable at every generated point
  max: reduceCase((x, axes, keep) => O.max(x, axes, keep), 'distinct', 1),
  reshape: shapeArb(0, 4).chain((s) =>
    fc.tuple(inputArb(s), permArb(s.length), fc.boolean()).map(([x, perm, hole]): GradCase => {
      // a permutation of the dims has the same size; optionally one dim written as −1
      const target = perm.map((p) => s[p]!);
      if (hole && target.length) target[0] = -1;
      return { label: `to [${target}]`, inputs: [x], f: ([a]) => O.reshape(a!, target) };
    }),
  ),
  permute: shapeArb(0, 4).chain((s) =>
    fc.tuple(inputArb(s), permArb(s.length)).map(([x, perm]): GradCase => ({ label: `perm [${perm}]`, inputs: [x], f: ([a]) => O.permute(a!, perm) })),
  ),
  slice: shapeArb(1, 4, 4).chain((s) =>
    fc.tuple(inputArb(s), rangesArb(s), fc.integer({ min: 1, max: s.length })).map(([x, ranges, given]): GradCase => {
      const starts = ranges.slice(0, given).map((r) => r[0]);
      const ends = ranges.slice(0, given).map((r) => r[1]);
      return { label: `[${starts}]:[${ends}]`, inputs: [x], f: ([a]) => O.slice(a!, starts, ends) };
    }),
  ),
  pad: shapeArb(0, 3).chain((s) =>
    fc
      .tuple(inputArb(s), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.length, maxLength: s.length }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.length, maxLength: s.length }))
      .map(([x, before, after]): GradCase => {
        const shape = s.map((d, i) => d + before[i]! + after[i]!);
        return { label: `to [${shape}] at [${before}]`, inputs: [x], f: ([a]) => O.pad(a!, shape, before) };
      }),
  ),
  concat: shapeArb(1, 3).chain((s) =>
    fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), fc.boolean()).chain(([axis, sizes, negAxis]) =>
      fc.tuple(...sizes.map((d) => inputArb(s.map((x, i) => (i === axis ? d : x))))).map((inputs): GradCase => {
        const ax = negAxis ? axis - s.length : axis;
        return { label: `axis ${ax}`, inputs, f: (xs) => O.concat(xs, ax) };
      }),
    ),
  ),
  sumTo: broadcastPairArb().chain(({ a, out }) => inputArb(out).map((x): GradCase => ({ label: `[${out}] to [${a}]`, inputs: [x], f: ([t]) => O.sumTo(t!, a) }))),
  expand: broadcastPairArb().chain(({ a, out }) => inputArb(a).map((x): GradCase => ({ label: `to [${out}]`, inputs: [x], f: ([t]) => O.expand(t!, out) }))),
  matmul: matmulArb,
  gatherRows: shapeArb(0, 2).chain((rest) =>
    fc.integer({ min: 1, max: 4 }).chain((rows) =>
      fc.tuple(inputArb([rows, ...rest]), indicesArb(rows)).map(([x, idx]): GradCase => ({ label: `idx [${idx}]`, inputs: [x], f: ([t]) => O.gatherRows(t!, indices(idx)) })),
    ),
  ),
  scatterAddRows: shapeArb(0, 2).chain((rest) =>
    fc.integer({ min: 1, max: 4 }).chain((rows) =>
      indicesArb(rows).chain((idx) =>
        inputArb([idx.length, ...rest]).map((x): GradCase => ({ label: `idx [${idx}] rows ${rows}`, inputs: [x], f: ([t]) => O.scatterAddRows(t!, indices(idx), rows) })),
      ),
    ),
  ),
  scatterRows: shapeArb(0, 2).chain((rest) =>
    fc.integer({ min: 1, max: 5 }).chain((rows) =>
      distinctIndicesArb(rows).chain((idx) =>
        fc.tuple(inputArb([rows, ...rest]), inputArb([idx.length, ...rest])).map(([d, x]): GradCase => ({
          label: `idx [${idx}] rows ${rows}`, inputs: [d, x], f: ([a, b]) => O.scatterRows(a!, b!, indices(idx)),
        })),
      ),
    ),
  ),
  softmax: shapeArb(1, 4).chain((s) =>
    fc.tuple(inputArb(s), fc.integer({ min: -s.length, max: s.length - 1 })).map(([x, axis]): GradCase => ({ label: `axis ${axis}`, inputs: [x], f: ([t]) => O.softmax(t!, axis) })),
  ),
  logSoftmax: shapeArb(1, 4).chain((s) =>
    fc.tuple(inputArb(s), fc.integer({ min: -s.length, max: s.length - 1 })).map(([x, axis]): GradCase => ({ label: `axis ${axis}`, inputs: [x], f: ([t]) => O.logSoftmax(t!, axis) })),
  ),
  layerNorm: fc.tuple(shapeArb(0, 2), fc.integer({ min: 2, max: 5 }), fc.constantFrom(1e-12, 1e-5)).chain(([lead, h, eps]) =>
    fc
      // rows with values ≥ 0.15 apart: the variance stays well away from 0
      .tuple(inputArb([...lead, h], 'distinct'), inputArb([h]), inputArb([h]))
      .map((inputs): GradCase => ({ label: `eps ${eps}`, inputs, f: ([x, g, b]) => O.layerNorm(x!, g!, b!, eps) })),
  ),
  dropout: fc.tuple(shapeArb(0, 3), fc.double({ min: 0, max: 0.8, noNaN: true }), fc.integer({ min: 0, max: 1000 })).chain(([s, p, seed]) =>
    // a fresh Rng with the same seed on every call: the same mask for the analytic and the numeric pass
    inputArb(s).map((x): GradCase => ({ label: `p ${p} seed ${seed}`, inputs: [x], f: ([t]) => O.dropout(t!, p, new Rng(seed)) })),
  ),
  crossEntropy: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 5 }), fc.constantFrom(-100, -1, 0), fc.constantFrom('mean', 'none')).chain(([n, c, ignoreIndex, reduction]) =>
    fc
      .tuple(
        inputArb([n, c]),
        // each target a class or the ignore index (a class id itself when ignoreIndex = 0)
        fc.array(fc.oneof(fc.integer({ min: 0, max: c - 1 }), fc.constant(ignoreIndex)), { minLength: n, maxLength: n }),
      )
      .map(([x, targets]): GradCase => ({
        label: `targets [${targets}] ignore ${ignoreIndex} ${reduction}`,
        inputs: [x],
        f: ([t]) => O.crossEntropy(t!, targets, { ignoreIndex, reduction }),
      })),
  ),
};

for (const op of Object.keys(checks) as GradOp[]) {
  test(`gradcheck ${op}`, { skip: cpuOnly }, () => {
    fc.assert(
      fc.property(checks[op], (c) => {
        const r = gradcheck(`${op} (${c.label})`, c.f, c.inputs);
        assert.ok(r.ok, r.message);
      }),
      { numRuns: gradcheckRuns(), includeErrorInReport: true },
    );
  });
}

test('every op in gradOps has a gradient check', () => {
  const missing = gradOps.filter((op) => !(op in checks));
  assert.deepEqual(missing, [], `ops without a gradcheck: ${missing.join(', ')}`);
  assert.equal(new Set(gradOps).size, gradOps.length, 'gradOps lists an op twice');
});

test('gradcheck detects a wrong gradient rule', { skip: cpuOnly }, () => {
  // a deliberately wrong rule (d/dx x² taken as x instead of 2x) must fail the check, naming the op
  const wrong = (xs: Tensor[]) => {
    const x = xs[0]!;
    const y = O.mul(x, x);
    y.node = { op: 'square', inputs: [x], backward: (g) => [O.mul(g, x)] };
    return y;
  };
  const r = gradcheck('square', wrong, [{ shape: [3], values: [0.5, -1, 2] }]);
  assert.equal(r.ok, false);
  assert.match(r.message, /gradcheck square: inputs \[3\]/);
  assert.match(r.message, /MISMATCH; worst: input 0 \[3\] element \d: autograd .*, finite difference /);
  assert.ok(r.worstRatio > 1e3, `a wrong rule is off by O(1), far beyond the tolerance (ratio ${r.worstRatio})`);
});
