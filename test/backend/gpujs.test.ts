// The gpu.js backend against the CPU oracle: every kernel on fast-check random shapes (odd sizes,
// size-1 dims, empty tensors), every op in gradOps forward and backward, and a few training steps
// of a small early-exit encoder.
//
// Kernels are called directly on both backends. Ops and autograd go through the engine's one global
// backend, so for those this file installs a mirror (below) as that global, through the same hook
// the CPU backend uses for lazy creation: every kernel runs on the CPU reference loops and on
// gpu.js from the same inputs, and `readBoth` gives both results of any tensor. No production code
// changes, no backend switch at run time, one process (a child process would have to serialise
// every input, dropout mask and gradient across the boundary). The mirror forwards kernels by name
// (a Proxy), so a kernel added to the interface is mirrored without editing this file. The mode
// under test is env OFFRAMP_GPUJS_MODE (default cpu); the last test checks `OFFRAMP_BACKEND=gpujs`
// through init() in a child process.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createGpujsBackend, type GpujsMode } from '../../src/backend/gpujs/index.js';
import { createCpuBackend } from '../../src/backend/cpu/index.js';
import type { Backend, BinaryOp, MatmulArgs, Storage, UnaryOp } from '../../src/backend/backend.js';
import { unaryTable, type UnaryEntry } from '../../src/backend/elementwise.js';
import { unaryGradOps } from '../../src/ops/elementwise.js';
import type { DType } from '../../src/backend/dtype.js';
import type { TypedArray } from '../../src/backend/dtype.js';
import { useBackend } from '../../src/tensor/engine.js';
import { broadcastStrides, stridesOf } from '../../src/tensor/shape.js';
import { Rng } from '../../src/tensor/random.js';
import { fromArray, indices, tidy, type Tensor } from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { gradOps, type GradOp } from '../../src/ops/index.js';
import { AdamW } from '../../src/optim/adamw.js';
import { ownsBackend } from '../helpers/suite.js';
import { paramGroups, defaultTrainOptions } from '../../src/earlyexit/train.js';
import { attentionArb, axesArb, broadcastPairArb, distinctIndicesArb, indicesArb, shapeArb, sizeOf, type Shape } from '../helpers/arb.js';
import { assertClose, TOL, type Tolerance, smallLabelerProblem } from './parity.js';

const mode = (process.env.OFFRAMP_GPUJS_MODE || 'cpu') as GpujsMode;
const gj = createGpujsBackend({ mode });
// the oracle: the plain reference loops (no wasm worker pool in a test process)
const cpu = createCpuBackend({ fast: false });

// tolerances and comparison: shared with the WebGPU suite (parity.ts)

// ---- the mirror: one Backend that runs every kernel on the oracle and on gpu.js ----

class Pair implements Storage {
  constructor(readonly ref: Storage, readonly test: Storage) {}
  get dtype(): DType {
    return this.ref.dtype;
  }
  get size(): number {
    return this.ref.size;
  }
}

/** Pair up two kernel results: storages, objects of storages ({ out, probs }) or nothing (in-place kernels). */
function pairUp(r: unknown, t: unknown): unknown {
  if (r === undefined || r === null) return r;
  if (typeof (r as Storage).dtype === 'string') return new Pair(r as Storage, t as Storage);
  return Object.fromEntries(Object.entries(r as object).map(([k, v]) => [k, pairUp(v, (t as Record<string, unknown>)[k])]));
}

function createMirror(reference: Backend, tested: Backend): Backend & { readBoth(x: Storage): Promise<[ArrayLike<number>, ArrayLike<number>]> } {
  const side = (args: unknown[], which: 'ref' | 'test') => args.map((a) => (a instanceof Pair ? a[which] : a));
  const own = {
    name: 'mirror',
    description: `${reference.name} and ${tested.name} side by side`,
    // gpu.js has no fused kernels: every fused op runs its composite on both backends
    fused: {},
    fromArray: (data: TypedArray) => new Pair(reference.fromArray(data.slice()), tested.fromArray(data.slice())),
    read: (x: Storage) => reference.read((x as Pair).ref),
    readBoth: async (x: Storage) => [await reference.read((x as Pair).ref), await tested.read((x as Pair).test)],
    free: (x: Storage) => {
      reference.free((x as Pair).ref);
      tested.free((x as Pair).test);
    },
    liveBuffers: () => tested.liveBuffers(),
    sync: () => tested.sync(),
    destroy: () => tested.destroy(),
  };
  return new Proxy(own, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target];
      const f = (reference as unknown as Record<PropertyKey, unknown>)[key];
      if (typeof f !== 'function') return undefined;
      // every other member is a kernel: run it on both, pair the results
      return (...args: unknown[]) => {
        const r = (f as (...a: unknown[]) => unknown).apply(reference, side(args, 'ref'));
        const t = ((tested as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[key]!).apply(tested, side(args, 'test'));
        return pairUp(r, t);
      };
    },
  }) as unknown as Backend & { readBoth(x: Storage): Promise<[ArrayLike<number>, ArrayLike<number>]> };
}

const mirror = createMirror(cpu, gj);
if (!ownsBackend) useBackend(mirror);
after(() => gj.destroy());

/** fast-check runs per property: small, the machine is shared (env OFFRAMP_PROPERTY_RUNS for more) */
const RUNS = Number(process.env.OFFRAMP_PROPERTY_RUNS ?? 15);
const prop = <T>(arb: fc.Arbitrary<T>, check: (v: T) => Promise<void> | void) =>
  fc.assert(fc.asyncProperty(arb, async (v) => check(v)), { numRuns: RUNS, includeErrorInReport: true });


// ---- generators ----

/** A dimension: mostly 1–7 (odd sizes, size 1), sometimes 0 (empty), sometimes a few hundred. */
const dim = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 7 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 300 }) },
);
const dims = (min: number, max: number, maxSize = 4000) => fc.array(dim, { minLength: min, maxLength: max }).filter((s) => sizeOf(s) <= maxSize);
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });

function values(rng: Rng, n: number, f: (r: Rng) => number = (r) => r.normal() * 2): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = f(rng);
  return a;
}
const positive = (r: Rng) => 0.2 + 3 * r.uniform();

/** Broadcast strides of `from` (numpy rules, leading dims dropped and size-1 dims) to `out`. */
const bstrides = (from: Shape, out: Shape) => broadcastStrides(from, out) as number[];

/** Run one kernel on both backends from the same host inputs and compare the results. */
async function same(what: string, tol: Tolerance, k: (be: Backend, input: (a: TypedArray) => Storage) => Storage): Promise<TypedArray> {
  const run = async (be: Backend) => {
    const made: Storage[] = [];
    const input = (a: TypedArray) => {
      const s = be.fromArray(a.slice());
      made.push(s);
      return s;
    };
    const out = k(be, input);
    const v = await be.read(out);
    for (const s of [...made, out]) be.free(s);
    return v;
  };
  const want = await run(cpu);
  const got = await run(gj);
  assert.equal(got.constructor, want.constructor, `${what}: dtype`);
  assertClose(what, got, want, tol);
  return got;
}

// ---- kernels ----

const binaryTol: Record<BinaryOp, Tolerance> = {
  add: TOL.arithmetic, sub: TOL.arithmetic, mul: TOL.arithmetic, div: TOL.arithmetic,
  max: TOL.exact, min: TOL.exact, gt: TOL.exact, ge: TOL.exact, eq: TOL.exact,
};

describe(`gpujs kernels match the CPU backend (mode ${mode})`, () => {
  test('fill, f32 and i32', () =>
    prop(fc.tuple(dims(0, 3), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -1000, max: 1000 })), async ([s, v, iv]) => {
      await same('fill f32', TOL.exact, (be) => be.fill('f32', sizeOf(s), v));
      await same('fill i32', TOL.exact, (be) => be.fill('i32', sizeOf(s), iv));
    }));

  // every op of the elementwise table, on its domain and to its tolerance class
  for (const [op, e] of Object.entries(unaryTable) as [UnaryOp, UnaryEntry][]) {
    test(`unary ${op}`, () =>
      prop(fc.tuple(dims(0, 4), seedArb, fc.constantFrom(2, 3, 0, 1, -1, 0.5, 1.5, -0.5)), async ([s, seed, p]) => {
        const domainPositive = e.domain === 'positive' || (op === 'pow' && !Number.isInteger(p));
        const x = values(new Rng(seed), sizeOf(s), domainPositive ? positive : (r) => r.normal() * 2);
        await same(`${op}(p ${p}) [${s}]`, TOL[e.tol], (be, i) => be.unary(op, i(x), p));
      }));
  }

  for (const op of Object.keys(binaryTol) as BinaryOp[]) {
    test(`binary ${op}, broadcast`, () =>
      prop(fc.tuple(broadcastPairArb(0, 4, 5), seedArb), async ([{ a, b, out }, seed]) => {
        const r = new Rng(seed);
        // small integers half the time, so eq/ge see equal values
        const f = (q: Rng) => (q.uniform() < 0.5 ? Math.floor(q.uniform() * 3) : q.normal() * 2);
        const av = values(r, sizeOf(a), f);
        const bv = values(r, sizeOf(b), op === 'div' ? (q) => (q.uniform() < 0.5 ? -1 : 1) * (0.1 + q.uniform()) : f);
        await same(`${op} [${a}] [${b}]`, binaryTol[op], (be, i) => be.binary(op, i(av), i(bv), out, bstrides(a, out), bstrides(b, out)));
      }));
  }

  test('binary on empty and large shapes', () =>
    prop(fc.tuple(dims(0, 3), seedArb), async ([s, seed]) => {
      const r = new Rng(seed);
      const [av, bv] = [values(r, sizeOf(s)), values(r, sizeOf(s))];
      const st = stridesOf(s);
      await same(`add [${s}]`, TOL.arithmetic, (be, i) => be.binary('add', i(av), i(bv), s, st, st));
    }));

  test('where, broadcast (NaN condition counts as true)', () =>
    prop(fc.tuple(broadcastPairArb(0, 4, 5), fc.array(fc.boolean(), { maxLength: 4 }), seedArb), async ([{ a, b, out }, ones, seed]) => {
      const cShape = out.map((d, i) => (ones[i] ? 1 : d));
      const r = new Rng(seed);
      const c = values(r, sizeOf(cShape), (q) => [0, 1, -2, NaN][Math.floor(q.uniform() * 4)]!);
      const [av, bv] = [values(r, sizeOf(a)), values(r, sizeOf(b))];
      await same(`where [${cShape}] [${a}] [${b}]`, TOL.exact, (be, i) =>
        be.where(i(c), i(av), i(bv), out, bstrides(cShape, out), bstrides(a, out), bstrides(b, out)));
    }));

  test('reduce sum and max over [outer, n, inner] (max propagates NaN)', () =>
    prop(fc.tuple(dims(3, 3, 6000), seedArb, fc.boolean()), async ([[outer, n, inner], seed, nan]) => {
      const x = values(new Rng(seed), outer! * n! * inner!);
      if (nan && x.length) x[Math.floor(x.length / 2)] = NaN;
      await same(`sum [${outer}, ${n}, ${inner}]`, TOL.reduction, (be, i) => be.reduce('sum', i(x), outer!, n!, inner!));
      await same(`max [${outer}, ${n}, ${inner}]`, TOL.exact, (be, i) => be.reduce('max', i(x), outer!, n!, inner!));
    }));

  // strided: a permuted, sliced and partly broadcast view of a contiguous source
  const viewArb = dims(0, 4).chain((src) =>
    fc.record({
      perm: fc.shuffledSubarray([...src.keys()], { minLength: src.length, maxLength: src.length }),
      lo: fc.tuple(...src.map((d) => fc.integer({ min: 0, max: d }))),
      len: fc.tuple(...src.map((d) => fc.integer({ min: 0, max: d }))),
      bcast: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
      seed: seedArb,
    }).map((v) => ({ src, ...v })),
  );

  test('strided: permute, slice, expand (f32 and i32)', () =>
    prop(viewArb, async ({ src, perm, lo, len, bcast, seed }) => {
      const ss = stridesOf(src);
      const sliceLen = src.map((d, i) => Math.min(len[i]!, d - lo[i]!));
      const shape = [...bcast, ...perm.map((p) => sliceLen[p]!)];
      const strides = [...bcast.map(() => 0), ...perm.map((p) => ss[p]!)];
      const offset = sizeOf(shape) === 0 ? 0 : src.reduce((o, _, i) => o + lo[i]! * ss[i]!, 0);
      const x = values(new Rng(seed), sizeOf(src));
      await same(`strided [${shape}] of [${src}]`, TOL.exact, (be, i) => be.strided(i(x), shape, strides, offset));
      const xi = Int32Array.from(x, (v) => Math.round(v * 1000));
      await same(`strided i32 [${shape}]`, TOL.exact, (be, i) => be.strided(i(xi), shape, strides, offset));
    }));

  test('writeArray: host values at an offset, the rest keeps the fill (f32, i32)', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 300 }), seedArb), async ([n, seed]) => {
      const r = new Rng(seed);
      const len = r.int(n + 1);
      const offset = r.int(n - len + 1);
      const v = values(r, len);
      await same(`writeArray f32 ${len} at ${offset} of ${n}`, TOL.exact, (be) => {
        const d = be.fill('f32', n, 3);
        be.writeArray(d, v, offset);
        return d;
      });
      await same(`writeArray i32 ${len} at ${offset} of ${n}`, TOL.exact, (be) => {
        const d = be.fill('i32', n, 3);
        be.writeArray(d, Int32Array.from(v, Math.round), offset);
        return d;
      });
    }));

  test('writeStrided: x into a permuted sub-box of dst (pad, concat)', () =>
    prop(viewArb, async ({ src: dst, perm, lo, len, seed }) => {
      const ds = stridesOf(dst);
      const box = dst.map((d, i) => Math.min(len[i]!, d - lo[i]!));
      const xShape = perm.map((p) => box[p]!);
      const strides = perm.map((p) => ds[p]!);
      const offset = sizeOf(xShape) === 0 ? 0 : dst.reduce((o, _, i) => o + lo[i]! * ds[i]!, 0);
      const r = new Rng(seed);
      const d0 = values(r, sizeOf(dst));
      const x = values(r, sizeOf(xShape));
      await same(`writeStrided [${xShape}] into [${dst}]`, TOL.exact, (be, i) => {
        const d = i(d0);
        be.writeStrided(d, i(x), xShape, strides, offset);
        return be.cast(d, 'f32');
      });
    }));

  test('writeStrided with overlapping strides keeps the last write, as the CPU loop does', async () => {
    const x = Float32Array.from({ length: 6 }, (_, i) => i + 1);
    await same('writeStrided overlapping', TOL.exact, (be, i) => {
      const d = i(new Float32Array(10));
      be.writeStrided(d, i(x), [2, 3], [1, 1], 0);
      return be.cast(d, 'f32');
    });
  });

  test('writeStrided outside the destination throws', () => {
    const d = gj.fill('f32', 4, 0);
    const x = gj.fill('f32', 6, 1);
    assert.throws(() => gj.writeStrided(d, x, [2, 3], [3, 1], 0), /writeStrided: the write reaches outside the destination of 4 elements/);
    gj.free(d);
    gj.free(x);
  });

  const matmulArb = fc.record({
    batch: fc.constantFrom(1, 1, 2, 3),
    m: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 30, max: 70 })),
    k: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 30, max: 70 })),
    n: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 30, max: 70 })),
    transA: fc.boolean(),
    transB: fc.boolean(),
    side: fc.constantFrom('both', 'a', 'b'),
    seed: seedArb,
  });

  test('matmul: transposes, batch and broadcast batch', () =>
    prop(matmulArb, async ({ batch, m, k, n, transA, transB, side, seed }) => {
      const args: MatmulArgs = {
        batch, m, k, n, transA, transB,
        aBatchStride: side === 'b' ? 0 : m * k,
        bBatchStride: side === 'a' ? 0 : k * n,
      };
      const r = new Rng(seed);
      const a = values(r, (side === 'b' ? 1 : batch) * m * k);
      const b = values(r, (side === 'a' ? 1 : batch) * k * n);
      await same(`matmul ${JSON.stringify(args)}`, TOL.matmul, (be, i) => be.matmul(i(a), i(b), args));
    }));

  test('gatherRows and scatterAddRows (repeated indices, empty index lists, zero columns)', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 12 }), seedArb), async ([rows, cols, nIdx, seed]) => {
      const r = new Rng(seed);
      const idx = Int32Array.from({ length: nIdx }, () => Math.floor(r.uniform() * rows));
      const x = values(r, rows * cols);
      const src = values(r, nIdx * cols);
      await same(`gatherRows rows ${rows} cols ${cols} idx [${idx}]`, TOL.exact, (be, i) => be.gatherRows(i(x), i(idx), nIdx, cols));
      await same(`scatterAddRows rows ${rows} cols ${cols} idx [${idx}]`, TOL.reduction, (be, i) => be.scatterAddRows(i(src), i(idx), nIdx, rows, cols));
    }));

  test('scatterRows (distinct indices in any order, none, zero columns)', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 40 }), seedArb), async ([rows, cols, seed]) => {
      const r = new Rng(seed);
      const idx = Int32Array.from([...Array(rows).keys()].filter(() => r.uniform() < 0.5).sort(() => r.uniform() - 0.5));
      const [dst, src] = [values(r, rows * cols), values(r, idx.length * cols)];
      await same(`scatterRows rows ${rows} cols ${cols} idx [${idx}]`, TOL.exact, (be, i) => be.scatterRows(i(dst), i(src), i(idx), idx.length, cols));
    }));

  test('scatterRows rejects a repeated or out-of-range index', () => {
    const x = gj.fill('f32', 6, 1);
    const idx = gj.fromArray(new Int32Array([1, 1]));
    assert.throws(() => gj.scatterRows(x, x, idx, 2, 2), /scatterRows: row 1 is written twice \(position 1\)/);
    const far = gj.fromArray(new Int32Array([3]));
    assert.throws(() => gj.scatterRows(x, x, far, 1, 2), /scatterRows: index 3 at position 0 is out of range \[0, 3\)/);
    for (const s of [x, idx, far]) gj.free(s);
  });

  test('gatherRows and scatterAddRows reject an out-of-range index', () => {
    const x = gj.fill('f32', 6, 1);
    const idx = gj.fromArray(new Int32Array([0, 3]));
    assert.throws(() => gj.gatherRows(x, idx, 2, 2), /gatherRows: index 3 at position 1 is out of range \[0, 3\)/);
    assert.throws(() => gj.scatterAddRows(x, idx, 2, 3, 3), /scatterAddRows: index 3 at position 1 is out of range \[0, 3\)/);
    for (const s of [x, idx]) gj.free(s);
  });

  test('cast f32 ↔ i32', () =>
    prop(fc.tuple(dims(0, 2), seedArb), async ([s, seed]) => {
      const x = values(new Rng(seed), sizeOf(s), (r) => r.normal() * 1000);
      const got = await same(`cast i32 [${s}]`, TOL.exact, (be, i) => be.cast(i(x), 'i32'));
      assert.ok(got instanceof Int32Array);
      const xi = Int32Array.from(x);
      await same(`cast f32 [${s}]`, TOL.exact, (be, i) => be.cast(i(xi), 'f32'));
      await same(`cast copy [${s}]`, TOL.exact, (be, i) => be.cast(i(x), 'f32'));
    }));

  test('f64 is refused with a clear error', () => {
    assert.throws(() => gj.fromArray(new Float64Array(3)), /gpujs backend: fromArray: f64 is not supported/);
    assert.throws(() => gj.fill('f64', 3, 0), /gpujs backend: fill: f64 is not supported/);
    const x = gj.fill('f32', 3, 1);
    assert.throws(() => gj.cast(x, 'f64'), /gpujs backend: cast: f64 is not supported/);
    gj.free(x);
  });

  test('one compiled kernel per identity, whatever the shape; the description names the mode', () => {
    const fresh = createGpujsBackend({ mode });
    for (const n of [1, 5, 17, 300]) {
      const a = fresh.fill('f32', n, 2);
      const y = fresh.binary('mul', a, a, [n], [1], [1]);
      const z = fresh.matmul(a, a, { batch: 1, m: 1, k: n, n: 1, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      for (const s of [a, y, z]) fresh.free(s);
    }
    assert.equal(fresh.compiledKernels(), 3, 'fill, binary:mul, matmul');
    assert.equal(fresh.liveBuffers(), 0);
    assert.match(fresh.description, new RegExp(`gpu\\.js .* in '${mode}' mode`));
    fresh.destroy();
  });
});

// ---- every differentiable op, forward and backward, through the mirror ----

type Kind = 'any' | 'positive' | 'away';
interface OpCase {
  label: string;
  inputs: { shape: Shape; kind?: Kind }[];
  f: (xs: Tensor[]) => Tensor;
}
const gen: Record<Kind, (r: Rng) => number> = {
  any: (r) => r.normal() * 1.5,
  positive,
  away: (r) => (r.uniform() < 0.5 ? -1 : 1) * (0.1 + 1.9 * r.uniform()),
};
const sh = (minRank = 0, maxRank = 3) => shapeArb(minRank, maxRank, 5);
const unaryOp = (f: (x: Tensor) => Tensor, kind: Kind = 'any') => sh().map((s): OpCase => ({ label: `[${s}]`, inputs: [{ shape: s, kind }], f: ([x]) => f(x!) }));
const binaryOp = (f: (a: Tensor, b: Tensor) => Tensor, kindB: Kind = 'any') =>
  broadcastPairArb(0, 3, 5).map(({ a, b }): OpCase => ({ label: `[${a}] [${b}]`, inputs: [{ shape: a }, { shape: b, kind: kindB }], f: ([x, y]) => f(x!, y!) }));
const reduceOp = (f: (x: Tensor, axes: number[] | undefined, keep: boolean) => Tensor) =>
  sh(1, 4).chain((s) => fc.tuple(fc.option(axesArb(s.length), { nil: undefined }), fc.boolean()).map(([axes, keep]): OpCase => ({
    label: `[${s}] axes ${axes ? `[${axes}]` : 'all'} keep ${keep}`, inputs: [{ shape: s }], f: ([x]) => f(x!, axes, keep),
  })));

/** Every differentiable unary op of the elementwise table on its domain, away from 0 (relu's and abs's kink). */
const tableUnaryCases = Object.fromEntries(unaryGradOps.map((op) =>
  [op, unaryOp((x) => ops.unary(op, x), unaryTable[op].domain === 'positive' ? 'positive' : 'away')])) as Record<(typeof unaryGradOps)[number], fc.Arbitrary<OpCase>>;

const opCases: { [K in GradOp]: fc.Arbitrary<OpCase> } = {
  ...tableUnaryCases,
  add: binaryOp(ops.add),
  sub: binaryOp(ops.sub),
  mul: binaryOp(ops.mul),
  div: binaryOp(ops.div, 'away'),
  pow: fc.constantFrom<[number, Kind]>([2, 'any'], [3, 'any'], [0, 'any'], [-1, 'away'], [0.5, 'positive'], [-1.5, 'positive'])
    .chain(([p, kind]) => unaryOp((x) => ops.pow(x, p), kind).map((c) => ({ ...c, label: `${c.label} p ${p}` }))),
  where: broadcastPairArb(0, 3, 5).chain(({ a, b, out }) =>
    fc.tuple(fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }), seedArb).map(([ones, seed]): OpCase => {
      const cShape = out.map((d, i) => (ones[i] ? 1 : d));
      const c = values(new Rng(seed), sizeOf(cShape), (r) => (r.uniform() < 0.5 ? 1 : 0));
      return { label: `cond [${cShape}] [${a}] [${b}]`, inputs: [{ shape: a }, { shape: b }], f: ([x, y]) => ops.where(fromArray(c.slice(), cShape), x!, y!) };
    })),
  sum: reduceOp((x, a, k) => ops.sum(x, a, k)),
  mean: reduceOp((x, a, k) => ops.mean(x, a, k)),
  max: reduceOp((x, a, k) => ops.max(x, a, k)),
  reshape: sh().chain((s) => fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }).map((perm): OpCase => {
    const target = perm.map((p) => s[p]!);
    return { label: `[${s}] → [${target}]`, inputs: [{ shape: s }], f: ([x]) => ops.reshape(x!, target) };
  })),
  permute: sh(0, 4).chain((s) => fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }).map((perm): OpCase => ({
    label: `[${s}] perm [${perm}]`, inputs: [{ shape: s }], f: ([x]) => ops.permute(x!, perm),
  }))),
  slice: sh(1, 3).chain((s) => fc.tuple(...s.map((d) => fc.tuple(fc.integer({ min: 0, max: d - 1 }), fc.integer({ min: 1, max: d })))).map((r): OpCase => {
    const lo = r.map(([a], i) => Math.min(a, s[i]! - 1));
    const hi = r.map(([, b], i) => Math.max(b, lo[i]! + 1));
    return { label: `[${s}] [${lo}]:[${hi}]`, inputs: [{ shape: s }], f: ([x]) => ops.slice(x!, lo, hi) };
  })),
  pad: sh(0, 3).chain((s) => fc.tuple(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.length, maxLength: s.length }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.length, maxLength: s.length })).map(([before, after]): OpCase => {
    const to = s.map((d, i) => d + before[i]! + after[i]!);
    return { label: `[${s}] → [${to}] at [${before}]`, inputs: [{ shape: s }], f: ([x]) => ops.pad(x!, to, before) };
  })),
  concat: sh(1, 3).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })).map(([axis, sizes]): OpCase => ({
    label: `axis ${axis} sizes [${sizes}] of [${s}]`,
    inputs: sizes.map((d) => ({ shape: s.map((x, i) => (i === axis ? d : x)) })),
    f: (xs) => ops.concat(xs, axis),
  }))),
  sumTo: broadcastPairArb(0, 3, 5).map(({ a, out }): OpCase => ({ label: `[${out}] → [${a}]`, inputs: [{ shape: out }], f: ([x]) => ops.sumTo(x!, a) })),
  expand: broadcastPairArb(0, 3, 5).map(({ a, out }): OpCase => ({ label: `[${a}] → [${out}]`, inputs: [{ shape: a }], f: ([x]) => ops.expand(x!, out) })),
  matmul: fc.record({
    m: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }),
    batch: fc.constantFrom<Shape>([], [2], [3], [2, 2]), side: fc.constantFrom('both', 'a', 'b'), transA: fc.boolean(), transB: fc.boolean(),
  }).map(({ m, k, n, batch, side, transA, transB }): OpCase => {
    const aShape = [...(side === 'b' ? [] : batch), ...(transA ? [k, m] : [m, k])];
    const bShape = [...(side === 'a' ? [] : batch), ...(transB ? [n, k] : [k, n])];
    return { label: `[${aShape}]${transA ? 'ᵀ' : ''} @ [${bShape}]${transB ? 'ᵀ' : ''}`, inputs: [{ shape: aShape }, { shape: bShape }], f: ([a, b]) => ops.matmul(a!, b!, { transA, transB }) };
  }),
  gatherRows: fc.tuple(sh(0, 2), fc.integer({ min: 1, max: 6 })).chain(([rest, rows]) => indicesArb(rows).map((idx): OpCase => ({
    label: `[${rows}, ${rest}] idx [${idx}]`, inputs: [{ shape: [rows, ...rest] }], f: ([x]) => ops.gatherRows(x!, indices(idx)),
  }))),
  scatterRows: fc.tuple(sh(0, 2), fc.integer({ min: 1, max: 6 })).chain(([rest, rows]) => distinctIndicesArb(rows).map((idx): OpCase => ({
    label: `rows ${rows} idx [${idx}] rest [${rest}]`, inputs: [{ shape: [rows, ...rest] }, { shape: [idx.length, ...rest] }], f: ([d, x]) => ops.scatterRows(d!, x!, indices(idx)),
  }))),
  scatterAddRows: fc.tuple(sh(0, 2), fc.integer({ min: 1, max: 6 })).chain(([rest, rows]) => indicesArb(rows).map((idx): OpCase => ({
    label: `rows ${rows} idx [${idx}] rest [${rest}]`, inputs: [{ shape: [idx.length, ...rest] }], f: ([x]) => ops.scatterAddRows(x!, indices(idx), rows),
  }))),
  softmax: sh(1, 3).chain((s) => fc.integer({ min: -s.length, max: s.length - 1 }).map((axis): OpCase => ({
    label: `[${s}] axis ${axis}`, inputs: [{ shape: s }], f: ([x]) => ops.softmax(x!, axis),
  }))),
  logSoftmax: sh(1, 3).chain((s) => fc.integer({ min: -s.length, max: s.length - 1 }).map((axis): OpCase => ({
    label: `[${s}] axis ${axis}`, inputs: [{ shape: s }], f: ([x]) => ops.logSoftmax(x!, axis),
  }))),
  layerNorm: fc.tuple(sh(0, 2), fc.integer({ min: 2, max: 9 }), fc.constantFrom(1e-12, 1e-5)).map(([lead, h, eps]): OpCase => ({
    label: `[${lead}, ${h}] eps ${eps}`, inputs: [{ shape: [...lead, h] }, { shape: [h] }, { shape: [h] }], f: ([x, g, b]) => ops.layerNorm(x!, g!, b!, eps),
  })),
  dropout: fc.tuple(sh(0, 3), fc.double({ min: 0, max: 0.8, noNaN: true }), seedArb).map(([s, p, seed]): OpCase => ({
    label: `[${s}] p ${p} seed ${seed}`, inputs: [{ shape: s }], f: ([x]) => ops.dropout(x!, p, new Rng(seed)),
  })),
  sparseQueryAttention: attentionArb.map(({ heads, h, n, m, segments }): OpCase => ({
    label: `heads ${heads} segments ${JSON.stringify(segments)}`,
    inputs: [{ shape: [m, h] }, { shape: [n, h] }, { shape: [n, h] }],
    f: ([q, k, v]) => ops.sparseQueryAttention(q!, k!, v!, segments, heads),
  })),
  crossEntropy: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom<'mean' | 'none'>('mean', 'none')).chain(([n, c, reduction]) =>
    fc.array(fc.oneof(fc.integer({ min: 0, max: c - 1 }), fc.constant(-100)), { minLength: n, maxLength: n }).map((targets): OpCase => ({
      label: `[${n}, ${c}] targets [${targets}] ${reduction}`, inputs: [{ shape: [n, c] }], f: ([x]) => ops.crossEntropy(x!, targets, { reduction }),
    }))),
};

async function assertMirrored(what: string, t: Tensor, tol: Tolerance): Promise<void> {
  const [want, got] = await mirror.readBoth(t.storage);
  assertClose(what, got, want, tol);
}

describe(`gpujs ops match the CPU backend, forward and backward (mode ${mode})`, { skip: ownsBackend }, () => {
  for (const name of gradOps) {
    test(name, () =>
      prop(fc.tuple(opCases[name], seedArb), async ([c, seed]) => {
        const r = new Rng(seed);
        const params = c.inputs.map((x) => fromArray(values(r, sizeOf(x.shape), gen[x.kind ?? 'any']), x.shape).param());
        const out = c.f(params);
        // a random linear functional of the output, so every output element gets its own gradient
        const w = fromArray(values(r, out.size), out.shape);
        const loss = ops.sum(ops.mul(out, w));
        loss.backward();
        await assertMirrored(`${name} ${c.label} forward`, out, TOL.graph);
        for (const [i, q] of params.entries()) {
          // an input the graph never reads (keys of a segment without queries) gets no gradient
          if (q.grad) await assertMirrored(`${name} ${c.label} d/dinput${i}`, q.grad, TOL.graph);
          else assert.ok(q.size === 0 || name === 'sparseQueryAttention', `${name} ${c.label}: input ${i} got no gradient`);
          q.zeroGrad();
          q.dispose();
        }
        for (const t of [out, w, loss]) t.dispose();
      }));
  }

  test('every op in gradOps has a case here', () => {
    assert.deepEqual(gradOps.filter((op) => !(op in opCases)), []);
  });
});

// ---- training ----

describe(`gpujs trains a small early-exit encoder like the CPU backend (mode ${mode})`, { skip: ownsBackend }, () => {
  test('4 steps of joint-loss training with AdamW and clipping: losses and every parameter match; live buffers stay flat', async () => {
    const { model, batch } = smallLabelerProblem();
    const opt = new AdamW(paramGroups(model, { ...defaultTrainOptions, lr: 1e-2 }));
    const rng = new Rng(5);
    const losses: [number, number][] = [];
    const live: number[] = [];
    for (let step = 0; step < 4; step++) {
      const loss = tidy(() => {
        const l = model.jointLoss(batch, rng);
        l.backward();
        return l;
      });
      const [want, got] = await mirror.readBoth(loss.storage);
      losses.push([want[0]!, got[0]!]);
      loss.dispose();
      await opt.stepAsync();
      opt.zeroGrad();
      live.push(gj.liveBuffers());
    }
    for (const [i, [want, got]] of losses.entries()) assertClose(`loss at step ${i + 1}`, [got], [want], TOL.graph);
    assert.ok(losses[3]![1] < losses[0]![1], `the loss falls on gpu.js: ${losses.map((l) => l[1]).join(' → ')}`);
    assert.deepEqual(live.slice(1), live.slice(1).map(() => live[1]), `live gpu.js storages after each step: ${live.join(' ')}`);
    for (const [name, p] of model.store.params) await assertMirrored(`trained ${name}`, p, TOL.graph);
    opt.dispose();
    model.dispose();
  });
});

// ---- the engine entry ----

test('OFFRAMP_BACKEND=gpujs: init() chooses the gpu.js backend and ops run on it', () => {
  const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const script = `
    const o = await import(${JSON.stringify(entry)});
    const be = await o.init({ log: false });
    const a = o.tensor([1, 2, 3, 4], [2, 2]);
    const y = o.ops.matmul(a, a);
    console.log(be.name, JSON.stringify(Array.from(await y.data())), be.description);`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, OFFRAMP_BACKEND: 'gpujs', OFFRAMP_GPUJS_MODE: mode },
  });
  assert.equal(res.status, 0, `child exit ${res.status}: ${res.stderr}`);
  assert.match(res.stdout, new RegExp(`^gpujs \\[7,10,15,22\\] gpu\\.js .* '${mode}' mode`, 'm'));
});
