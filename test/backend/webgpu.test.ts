// The WebGPU backend against the CPU oracle: every kernel on random shapes, then forward and
// backward of every differentiable op, a leak check over a training loop, and process exit.
// Without an adapter the suite is skipped visibly; OFFRAMP_REQUIRE_WEBGPU=1 (CI) makes that a failure.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
// The device is opened first, before any other work; it stays valid however much CPU work follows
// because GpuDevice holds Dawn's instance (see docs/backends.md, "The native crash").
import { openWebGpuBackend, type WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { createCpuBackend } from '../../src/backend/cpu/index.js';
import type { Backend, BinaryOp, Storage, UnaryOp } from '../../src/backend/backend.js';
import { unaryTable, type UnaryEntry } from '../../src/backend/elementwise.js';
import type { DType, TypedArray } from '../../src/backend/dtype.js';
import { useBackend } from '../../src/tensor/engine.js';
import { broadcastStrides, sizeOf, stridesOf } from '../../src/tensor/shape.js';
import { Rng } from '../../src/tensor/random.js';
import { fromArray, randn, tidy, type Tensor } from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { gradOps } from '../../src/ops/index.js';
import { AdamW } from '../../src/optim/adamw.js';
import { attentionRef } from '../helpers/attention-ref.js';
import { ownsBackend } from '../helpers/suite.js';
import { layerNormBackwardRef, layerNormRef } from '../helpers/layernorm-ref.js';
import { defaultTrainOptions, paramGroups } from '../../src/earlyexit/train.js';
import { opGraph, values } from './opcases.js';
import { assertClose, assertCloseScaled, attentionCase, attentionCaseArb, attentionExamples, layerNormScales, MirrorBackend, scaled, TOL, type AttentionCase, type Tolerance, smallLabelerProblem } from './parity.js';

const gpu: WebGpuBackend | null = await openWebGpuBackend();
const cpu = createCpuBackend();
const required = process.env.OFFRAMP_REQUIRE_WEBGPU === '1';
const skip = gpu ? false : 'skipped: no WebGPU adapter';
if (!gpu) {
  console.error('webgpu tests: skipped: no WebGPU adapter');
  test('a WebGPU adapter is available (OFFRAMP_REQUIRE_WEBGPU=1)', { skip: required ? false : skip }, () => {
    assert.fail('no WebGPU adapter, and OFFRAMP_REQUIRE_WEBGPU=1 requires one (install Mesa 25: docs/backends.md)');
  });
}
// ops in this file run on the mirror (CPU oracle + WebGPU), see parity.ts
const mirror = gpu && !ownsBackend ? new MirrorBackend(cpu, gpu) : null;
if (mirror) useBackend(mirror);

after(() => gpu?.destroy());

const RUNS = 12; // fast-check runs per property: keeps the whole file a few seconds on 2 cores

// ---- generators ----

/** A dimension: mostly small (incl. 0 and 1), sometimes just past a workgroup (256). */
const dim = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 7 }) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }) });
const shapeArb = (maxRank = 4, maxSize = 3000) => fc.array(dim, { minLength: 0, maxLength: maxRank }).filter((s) => sizeOf(s.map((d) => Math.max(d, 1))) <= maxSize); // operands broadcast a 0-length dim from 1: bound them too
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** Run a kernel on both backends from the same host inputs and compare the results. */
async function same(what: string, tol: Tolerance, run: (be: Backend, input: (a: TypedArray) => Storage) => Storage): Promise<void> {
  const frees: [Backend, Storage][] = [];
  const go = async (be: Backend) => {
    const input = (a: TypedArray) => {
      const s = be.fromArray(a.slice());
      frees.push([be, s]);
      return s;
    };
    const out = run(be, input);
    const data = await be.read(out);
    be.free(out);
    return data;
  };
  const want = await go(cpu);
  const got = await go(gpu!);
  for (const [be, s] of frees) be.free(s);
  assertClose(what, got, want, tol);
}

/** Plain-loop results as storage of `be`. */
const fromRef = (be: Backend, r: Record<string, TypedArray>): Record<string, Storage> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, be.fromArray(v)]));

type Check = Tolerance | ((what: string, got: TypedArray, want: TypedArray) => void);

/** Like `same` for a kernel with several outputs, each compared with its own tolerance or check (all must be named). */
async function sameEach(what: string, tols: Record<string, Check>, run: (be: Backend, input: (a: TypedArray) => Storage) => Record<string, Storage>): Promise<void> {
  const frees: [Backend, Storage][] = [];
  const go = async (be: Backend) => {
    const input = (a: TypedArray) => {
      const s = be.fromArray(a.slice());
      frees.push([be, s]);
      return s;
    };
    const data: Record<string, TypedArray> = {};
    for (const [name, out] of Object.entries(run(be, input))) {
      data[name] = await be.read(out);
      be.free(out);
    }
    return data;
  };
  const want = await go(cpu);
  const got = await go(gpu!);
  for (const [be, s] of frees) be.free(s);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(tols).sort(), `${what}: every output has a tolerance`);
  for (const [name, tol] of Object.entries(tols)) {
    if (typeof tol === 'function') tol(`${what}: ${name}`, got[name]!, want[name]!);
    else assertClose(`${what}: ${name}`, got[name]!, want[name]!, tol);
  }
}

const prop = <T>(arb: fc.Arbitrary<T>, body: (v: T) => Promise<void>, examples: T[] = []) =>
  fc.assert(fc.asyncProperty(arb, body), { numRuns: RUNS, includeErrorInReport: true, examples: examples.map((e): [T] => [e]) });

// ---- kernels ----

describe('webgpu kernels match the CPU backend', { skip }, () => {
  test('fill (f32, i32; empty)', () =>
    prop(fc.tuple(fc.constantFrom<DType>('f32', 'i32'), fc.integer({ min: 0, max: 700 }), fc.oneof(fc.constant(0), fc.integer({ min: -9, max: 9 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }))), async ([dt, n, v]) => {
      await same(`fill ${dt} ${n} ${v}`, TOL.exact, (be) => be.fill(dt, n, v));
    }));

  // every op of the elementwise table, on its domain and to its tolerance class; small and large inputs
  for (const [op, e] of Object.entries(unaryTable) as [UnaryOp, UnaryEntry][]) {
    const gen = e.domain === 'positive' ? (r: Rng) => Math.exp(r.normal() * 3) : (r: Rng) => r.normal() * (r.uniform() < 0.3 ? 0.1 : 3);
    test(`unary ${op}`, () =>
      prop(fc.tuple(fc.integer({ min: 0, max: 1100 }), seedArb), async ([n, seed]) => {
        const x = values(new Rng(seed), n, gen);
        await same(`${op}(x)`, TOL[e.tol], (be, input) => be.unary(op, input(x), 0));
      }));
  }
  test('unary pow with integer exponents', () =>
    prop(fc.tuple(fc.integer({ min: 0, max: 600 }), seedArb, fc.constantFrom(2, 3, -1, 4, 0, 1)), async ([n, seed, p]) => {
      const x = values(new Rng(seed), n, (r) => r.normal() * 2);
      await same(`pow(x, ${p})`, TOL.transcendental, (be, input) => be.unary('pow', input(x), p));
    }));
  test('unary pow with a fractional exponent (x > 0)', () =>
    prop(fc.tuple(fc.integer({ min: 0, max: 600 }), seedArb, fc.constantFrom(0.5, -1.5, 2.7, -0.25)), async ([n, seed, p]) => {
      const x = values(new Rng(seed), n, (r) => Math.exp(r.normal()));
      await same(`pow(x, ${p})`, TOL.transcendental, (be, input) => be.unary('pow', input(x), p));
    }));

  /** out shape and an operand shape broadcastable to it (leading axes dropped, some axes set to 1) */
  const operand = (out: number[], r: Rng) => out.slice(r.int(out.length + 1)).map((d) => (r.uniform() < 0.3 ? 1 : d));

  const binaryTol: Record<BinaryOp, Tolerance> = { add: TOL.arithmetic, sub: TOL.arithmetic, mul: TOL.arithmetic, div: TOL.arithmetic, max: TOL.exact, min: TOL.exact, gt: TOL.exact, ge: TOL.exact, eq: TOL.exact };
  test('binary, all ops, broadcast strides up to rank 6', () =>
    prop(fc.tuple(fc.constantFrom(...(Object.keys(binaryTol) as BinaryOp[])), shapeArb(6), seedArb), async ([op, shape, seed]) => {
      const r = new Rng(seed);
      const as = operand(shape, r);
      const bs = operand(shape, r);
      // small integers make ties for max/min/eq/ge; b stays away from 0 for div
      const a = values(r, sizeOf(as), (q) => Math.round(q.normal() * 2));
      const b = values(r, sizeOf(bs), (q) => (op === 'div' ? (q.uniform() + 0.5) * (q.uniform() < 0.5 ? -1 : 1) : Math.round(q.normal() * 2)));
      await same(`${op} [${as}]∘[${bs}]→[${shape}]`, binaryTol[op], (be, input) => be.binary(op, input(a), input(b), shape, broadcastStrides(as, shape), broadcastStrides(bs, shape)));
    }));

  test('where with broadcast cond, a, b', () =>
    prop(fc.tuple(shapeArb(5), seedArb), async ([shape, seed]) => {
      const r = new Rng(seed);
      const [cs, as, bs] = [operand(shape, r), operand(shape, r), operand(shape, r)];
      const c = values(r, sizeOf(cs), (q) => (q.uniform() < 0.5 ? 0 : q.normal()));
      const a = values(r, sizeOf(as));
      const b = values(r, sizeOf(bs));
      await same(`where [${cs}] [${as}] [${bs}]`, TOL.exact, (be, input) =>
        be.where(input(c), input(a), input(b), shape, broadcastStrides(cs, shape), broadcastStrides(as, shape), broadcastStrides(bs, shape)));
    }));

  test('reduce sum/max over [outer, n, inner] (per-output loop and workgroup tree)', () =>
    prop(fc.tuple(fc.constantFrom('sum' as const, 'max' as const), fc.integer({ min: 0, max: 5 }), fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 256, max: 1500 })), fc.integer({ min: 0, max: 5 }), seedArb), async ([op, outer, n, inner, seed]) => {
      const x = values(new Rng(seed), outer * n * inner);
      const tol = op === 'max' ? TOL.exact : { rtol: TOL.reduction.rtol, atol: TOL.reduction.atol * Math.sqrt(n) };
      await same(`${op} [${outer}, ${n}, ${inner}]`, tol, (be, input) => be.reduce(op, input(x), outer, n, inner));
    }));

  test('strided copy (permute, slice, expand) on f32 and i32', () =>
    prop(fc.tuple(shapeArb(6), seedArb, fc.boolean()), async ([shape, seed, asInt]) => {
      const r = new Rng(seed);
      const strides = shape.map(() => r.int(4)); // 0 = an expanded axis
      const offset = r.int(5);
      const size = offset + shape.reduce((s, d, i) => s + (d - 1) * strides[i]!, 0) + 1;
      const base = values(r, Math.max(size, 1));
      const x = asInt ? Int32Array.from(base, (v) => Math.round(v * 100)) : base;
      await same(`strided [${shape}] by [${strides}] +${offset}`, TOL.exact, (be, input) => be.strided(input(x), shape, strides, offset));
    }));

  test('writeArray after a recorded fill: the host values land at their offset, the rest keeps the fill (f32, i32)', () =>
    prop(fc.tuple(fc.constantFrom<DType>('f32', 'i32'), fc.integer({ min: 1, max: 700 }), seedArb), async ([dt, n, seed]) => {
      const r = new Rng(seed);
      const len = r.int(n + 1);
      const offset = r.int(n - len + 1);
      const v = dt === 'f32' ? values(r, len) : Int32Array.from(values(r, len), Math.round);
      await same(`writeArray ${dt} ${len} values at ${offset} of ${n}`, TOL.exact, (be) => {
        const d = be.fill(dt, n, 3);
        be.writeArray(d, v, offset);
        return d;
      });
    }));

  test('writeStrided into a larger tensor (pad, concat)', () =>
    // the destination, up to 2 larger per axis, stays small too (an empty x may have long axes)
    prop(fc.tuple(shapeArb(5, 1500).filter((s) => sizeOf(s.map((d) => d + 2)) <= 20000), seedArb), async ([shape, seed]) => {
      const r = new Rng(seed);
      const outer = shape.map((d) => d + r.int(3));
      const at = shape.map((d, i) => r.int(outer[i]! - d + 1));
      const strides = stridesOf(outer);
      const offset = at.reduce((s, a, i) => s + a * strides[i]!, 0);
      const x = values(r, sizeOf(shape));
      const dst = values(r, sizeOf(outer));
      await same(`writeStrided [${shape}] into [${outer}] at [${at}]`, TOL.exact, (be, input) => {
        const d = input(dst);
        be.writeStrided(d, input(x), shape, strides, offset);
        return be.strided(d, [sizeOf(outer)], [1], 0);
      });
    }));

  test('matmul: tiles, both transposes, batch strides (incl. broadcast), both kernel variants', () =>
    prop(
      fc.record({
        variant: fc.constantFrom('tiled' as const, 'direct' as const),
        batch: fc.integer({ min: 1, max: 3 }),
        m: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 60, max: 140 })),
        k: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 15, max: 70 })),
        n: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 60, max: 140 })),
        transA: fc.boolean(),
        transB: fc.boolean(),
        shareA: fc.boolean(),
        shareB: fc.boolean(),
        seed: seedArb,
      }),
      async ({ variant, batch, m, k, n, transA, transB, shareA, shareB, seed }) => {
        const r = new Rng(seed);
        const args = { batch, m, k, n, transA, transB, aBatchStride: shareA ? 0 : m * k, bBatchStride: shareB ? 0 : k * n };
        const a = values(r, (shareA ? 1 : batch) * m * k);
        const b = values(r, (shareB ? 1 : batch) * k * n);
        const tol = { rtol: TOL.matmul.rtol, atol: TOL.matmul.atol * Math.sqrt(k) };
        const chosen = gpu!.matmulVariant;
        gpu!.matmulVariant = variant;
        try {
          await same(`matmul ${variant} ${JSON.stringify(args)}`, tol, (be, input) => be.matmul(input(a), input(b), args));
        } finally {
          gpu!.matmulVariant = chosen;
        }
      },
    ));

  const rowsCase = fc.record({ rows: fc.integer({ min: 1, max: 20 }), cols: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 250, max: 270 })), nIdx: fc.integer({ min: 0, max: 40 }), seed: seedArb });
  test('gatherRows', () =>
    prop(rowsCase, async ({ rows, cols, nIdx, seed }) => {
      const r = new Rng(seed);
      const x = values(r, rows * cols);
      const idx = Int32Array.from({ length: nIdx }, () => r.int(rows));
      await same(`gatherRows ${rows}×${cols} by ${nIdx}`, TOL.exact, (be, input) => be.gatherRows(input(x), input(idx), nIdx, cols));
    }));

  test('scatterAddRows with repeated indices (summed in index order: bit-exact)', () =>
    prop(rowsCase, async ({ rows, cols, nIdx, seed }) => {
      const r = new Rng(seed);
      const src = values(r, nIdx * cols);
      const idx = Int32Array.from({ length: nIdx }, () => r.int(Math.min(rows, 4)));
      await same(`scatterAddRows ${nIdx}×${cols} into ${rows}`, TOL.exact, (be, input) => be.scatterAddRows(input(src), input(idx), nIdx, rows, cols));
    }));

  test('scatterRows: distinct indices in any order (exact)', () =>
    prop(rowsCase, async ({ rows, cols, seed }) => {
      const r = new Rng(seed);
      const idx = Int32Array.from([...Array(rows).keys()].filter(() => r.uniform() < 0.5).sort(() => r.uniform() - 0.5));
      const [dst, src] = [values(r, rows * cols), values(r, idx.length * cols)];
      await same(`scatterRows ${idx.length}×${cols} into ${rows}`, TOL.exact, (be, input) => be.scatterRows(input(dst), input(src), input(idx), idx.length, cols));
    }));

  test('cast f32 → i32 (truncation), i32 → f32, same type', () =>
    prop(fc.tuple(fc.integer({ min: 0, max: 600 }), seedArb, fc.constantFrom('f32>i32', 'i32>f32', 'f32>f32', 'i32>i32')), async ([n, seed, how]) => {
      const r = new Rng(seed);
      const [from, to] = how.split('>') as [DType, DType];
      const x = from === 'i32' ? Int32Array.from({ length: n }, () => r.int(1 << 26) - (1 << 25)) : values(r, n, (q) => q.normal() * 1000);
      await same(`cast ${how}`, TOL.exact, (be, input) => be.cast(input(x), to));
    }));

  test('adamw updates param, m and v in place', () =>
    prop(fc.tuple(fc.integer({ min: 0, max: 900 }), seedArb, fc.integer({ min: 1, max: 50 })), async ([n, seed, step]) => {
      const r = new Rng(seed);
      const [p, g, m] = [values(r, n), values(r, n), values(r, n, (q) => q.normal() * 0.1)];
      const v = values(r, n, (q) => q.uniform() * 0.01);
      const args = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, bc1: 1 - 0.9 ** step, bc2: 1 - 0.999 ** step };
      for (const which of [0, 2, 3]) {
        await same(`adamw ${['param', 'grad', 'm', 'v'][which]}`, TOL.optimizer, (be, input) => {
          const s = [input(p), input(g), input(m), input(v)];
          be.fused.adamw!(s[0]!, s[1]!, s[2]!, s[3]!, args);
          return be.strided(s[which]!, [n], [1], 0);
        });
      }
    }));

  // ---- fused kernels (kernels/layernorm, kernels/attention) ----

  /** rows and widths: mostly small, sometimes just past the 64-wide row workgroups or the 256-wide 1-D ones */
  const layerNormCase = fc
    .record({
      rows: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }) }, { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }) }),
      h: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }) }, { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }) }, { weight: 1, arbitrary: fc.constant(768) }),
      offset: fc.constantFrom(0, 10),
      eps: fc.constantFrom(1e-12, 1e-5),
      seed: seedArb,
    })
    .filter(({ rows, h }) => rows * h <= 60000);
  /** always run: BERT's width over rows past a 256-wide dispatch, a width just past the 64-wide workgroup */
  const layerNormExamples = [
    { rows: 70, h: 768, offset: 10, eps: 1e-12, seed: 9 },
    { rows: 257, h: 65, offset: 0, eps: 1e-5, seed: 4 },
  ];

  test('layerNorm forward: y, mean, rstd (rows and widths past the workgroup, a mean far from 0)', () =>
    prop(layerNormCase, async ({ rows, h, offset, eps, seed }) => {
      const r = new Rng(seed);
      const x = values(r, rows * h, (q) => offset + q.normal() * 2);
      const [g, b] = [values(r, h), values(r, h)];
      // mean and rstd are sums of h terms reduced in another order; y is checked against the size of
      // its terms (narrow rows with a tiny spread amplify the rounding of the mean: layerNormScales)
      const tol = scaled(TOL.fused, h);
      const scale = layerNormScales(x, g, new Float32Array(rows * h), layerNormRef(x, g, b, rows, h, eps).rstd, rows, h);
      const y = (what: string, got: TypedArray, want: TypedArray) => assertCloseScaled(what, got, want, TOL.fused, scale.y);
      await sameEach(`layerNorm [${rows}, ${h}] +${offset} eps ${eps}`, { y, mean: tol, rstd: tol }, (be, input) => {
        // the CPU's fused kernel takes only widths that are multiples of 4: the plain loop is the oracle
        if (be === cpu) return fromRef(be, layerNormRef(x, g, b, rows, h, eps));
        const o = be.fused.layerNorm!.forward(input(x), input(g), input(b), rows, h, eps)!;
        return { ...o };
      });
    }, layerNormExamples));

  test('layerNormBackward: dx, dgamma, dbeta (column sums over rows, race-free) from the same saved statistics', () =>
    prop(layerNormCase, async ({ rows, h, offset, eps, seed }) => {
      const r = new Rng(seed);
      const x = values(r, rows * h, (q) => offset + q.normal() * 2);
      const [g, b, dy] = [values(r, h), values(r, h), values(r, rows * h)];
      const { mean, rstd } = layerNormRef(x, g, b, rows, h, eps);
      // dx is a difference of terms that cancel (exactly, for rows of 2): checked against their size
      const scale = layerNormScales(x, g, dy, rstd, rows, h);
      const dx = (what: string, got: TypedArray, want: TypedArray) => assertCloseScaled(what, got, want, TOL.fused, scale.dx);
      await sameEach(`layerNormBackward [${rows}, ${h}] +${offset}`, { dx, dgamma: scaled(TOL.fused, rows), dbeta: scaled(TOL.fused, rows) }, (be, input) => {
        if (be === cpu) return fromRef(be, layerNormBackwardRef(dy, x, g, mean, rstd, rows, h));
        const o = be.fused.layerNorm!.backward(input(dy), input(x), input(g), input(mean), input(rstd), rows, h);
        return { ...o };
      });
    }, layerNormExamples));

  const attnLabel = (c: AttentionCase) => `attention M ${c.m} N ${c.n} heads ${c.heads}×${c.d} segments ${JSON.stringify(c.segments.map((s) => [s.qStart, s.qEnd, s.kStart, s.kEnd]))}`;
  const attnInputs = (c: AttentionCase) => {
    const r = new Rng(c.seed);
    return { q: values(r, c.m * c.h), k: values(r, c.n * c.h), v: values(r, c.n * c.h), dOut: values(r, c.m * c.h) };
  };

  test('attention forward: random segment tables (empty query segments, segments without keys, odd head widths, past the workgroup)', () =>
    prop(attentionCaseArb, async (c) => {
      const { q, k, v } = attnInputs(c);
      await sameEach(attnLabel(c), { out: scaled(TOL.fused, c.maxKeys), probs: TOL.fused }, (be, input) => {
        const o = be.fused.attention!.forward(input(q), input(k), input(v), input(c.table), c.args);
        return { ...o };
      });
    }, attentionExamples));

  test('attentionBackward: dq, dk, dv (dk/dv summed over each segment\'s queries, race-free) from the same probabilities', () =>
    prop(attentionCaseArb, async (c) => {
      const { q, k, v, dOut } = attnInputs(c);
      const { probs } = attentionRef(q, k, v, c.table, c.args);
      // dq sums over a segment's keys, dk and dv over the queries of every segment holding the key row;
      // dS = p·(dP − Σ p·dP) cancels, with dP a d-term dot product, so dq and dk scale with d too
      const tols = { dq: scaled(TOL.fused, c.maxKeys * c.d), dk: scaled(TOL.fused, c.maxQueries * c.maxKeys * c.d), dv: scaled(TOL.fused, c.maxQueries) };
      await sameEach(`${attnLabel(c)} backward`, tols, (be, input) => {
        const o = be.fused.attention!.backward(input(dOut), input(q), input(k), input(v), input(probs), input(c.table), c.args);
        return { ...o };
      });
    }, attentionExamples));

  test('attention covers every output word: stale pool contents never leak into out, dq, dk, dv', async () => {
    // fill the pool with NaN-poisoned buffers of the sizes about to be allocated, free them, then run
    const c = attentionCase(2, 3, 6, [{ qStart: 0, qEnd: 0, kStart: 1, kEnd: 4 }, { qStart: 0, qEnd: 3, kStart: 2, kEnd: 2 }, { qStart: 3, qEnd: 5, kStart: 0, kEnd: 3 }], 3);
    const poison = [30, 36, 36, 36, 30, 30, 36].map((n) => gpu!.fill('f32', n, NaN));
    for (const x of poison) gpu!.free(x);
    const { q, k, v, dOut } = attnInputs(c);
    const { probs } = attentionRef(q, k, v, c.table, c.args);
    await sameEach(`${attnLabel(c)} on poisoned buffers`, { out: TOL.fused, probs: TOL.fused, dq: TOL.fused, dk: TOL.fused, dv: TOL.fused }, (be, input) => {
      const f = be.fused.attention!.forward(input(q), input(k), input(v), input(c.table), c.args);
      const b = be.fused.attention!.backward(input(dOut), input(q), input(k), input(v), input(probs), input(c.table), c.args);
      return { ...f, ...b };
    });
  });

  test('f64 is refused with an error naming the op', () => {
    assert.throws(() => gpu!.fill('f64', 3, 1), /webgpu fill: f64 is not supported/);
    assert.throws(() => gpu!.fromArray(new Float64Array(2)), /webgpu fromArray: f64 is not supported/);
    const x = gpu!.fill('f32', 2, 1);
    assert.throws(() => gpu!.cast(x, 'f64'), /webgpu cast: f64 is not supported/);
    gpu!.free(x);
  });

  test('a tensor larger than one storage binding is refused with a clear error', () => {
    const limit = gpu!.gpu.device.limits.maxStorageBufferBindingSize;
    assert.throws(() => gpu!.fill('f32', Math.floor(limit / 4) + 1, 0), /webgpu fill: .* exceed the device's maxStorageBufferBindingSize/);
  });

  test('pipelines are cached by kernel identity, not by shape', async () => {
    const before = gpu!.stats().pipelines;
    for (const n of [3, 300, 3000]) {
      const x = gpu!.fill('f32', n, 1.5);
      const y = gpu!.unary('exp', x, 0);
      gpu!.free(x);
      gpu!.free(y);
    }
    await gpu!.sync();
    assert.ok(gpu!.stats().pipelines - before <= 2, 'one pipeline each for fill and exp, whatever the size');
  });
});

// ---- ops: forward and backward on both backends through the mirror ----

async function assertMirrored(what: string, t: Tensor, tol: Tolerance): Promise<void> {
  const [want, got] = await mirror!.readBoth(t.storage);
  assertClose(what, got, want, tol);
}

describe('webgpu ops match the CPU backend, forward and backward', { skip: skip || ownsBackend }, () => {
  for (const name of gradOps) {
    test(name, () =>
      prop(seedArb, async (seed) => {
        const g = opGraph(name, seed);
        await assertMirrored(`${name} forward`, g.out, TOL.graph);
        for (const [i, q] of g.params.entries()) {
          assert.ok(q.grad, `${name}: input ${i} got no gradient`);
          await assertMirrored(`${name} d/dinput${i}`, q.grad, TOL.graph);
        }
        g.dispose();
      }));
  }
});

// ---- a small early-exit model ----

describe('webgpu trains a small early-exit encoder like the CPU backend', { skip: skip || ownsBackend }, () => {
  test('2 joint-loss training steps (attention, layerNorm, AdamW with clipping): losses and every parameter match', async () => {
    const { model, batch } = smallLabelerProblem();
    const opt = new AdamW(paramGroups(model, { ...defaultTrainOptions, lr: 1e-2 }));
    const rng = new Rng(5);
    const losses: [number, number][] = [];
    for (let step = 0; step < 2; step++) {
      const loss = tidy(() => {
        const l = model.jointLoss(batch, rng);
        l.backward();
        return l;
      });
      const [want, got] = await mirror!.readBoth(loss.storage);
      losses.push([want[0]!, got[0]!]);
      loss.dispose();
      await opt.stepAsync();
      opt.zeroGrad();
    }
    for (const [i, [want, got]] of losses.entries()) assertClose(`loss at step ${i + 1}`, [got], [want], TOL.graph);
    for (const [name, q] of model.store.params) await assertMirrored(`trained ${name}`, q, TOL.graph);
    opt.dispose();
    model.dispose();
  });
});

// ---- memory and lifetime ----

describe('webgpu memory and lifetime', { skip: skip || ownsBackend }, () => {
  test('live GPU buffers stay flat over 20 steps of a training loop (and it trains alike on both)', async () => {
    const r = new Rng(7);
    const x = fromArray(values(r, 16 * 6), [16, 6]);
    const targets = Array.from({ length: 16 }, (_, i) => i % 3);
    const w1 = randn([6, 8], r, 0.5).param('w1');
    const w2 = randn([8, 3], r, 0.5).param('w2');
    const b2 = randn([3], r, 0.1).param('b2');
    const opt = new AdamW([{ params: [w1, w2, b2], lr: 0.05, weightDecay: 0.01 }]);
    const live: number[] = [];
    const created: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const loss = tidy(() => {
        const h = ops.gelu(ops.matmul(x, w1));
        const l = ops.crossEntropy(ops.add(ops.matmul(h, w2), b2), targets);
        l.backward();
        return l;
      });
      opt.update();
      opt.zeroGrad();
      losses.push(await loss.item());
      loss.dispose();
      await gpu!.sync();
      live.push(gpu!.liveBuffers());
      created.push(gpu!.stats().created);
    }
    assert.ok(losses[19]! < losses[0]!, `the loss falls: ${losses[0]} → ${losses[19]}`);
    assert.deepEqual(live.slice(2), live.slice(2).map(() => live[2]), `live storages per step: ${live.join(' ')}`);
    assert.equal(created[19], created[2], `GPU buffers created per step: ${created.join(' ')}`);
    for (const q of [w1, w2, b2]) await assertMirrored(`trained ${q.name}`, q, TOL.graph);
    opt.dispose();
    for (const t of [x, w1, w2, b2]) t.dispose();
  });

  test('a process that does heavy JS work, then GPU work, exits by itself after destroy()', () => {
    // The pattern that crashed before the fix: a top-level busy loop (V8 optimises the module body,
    // whose liveness then drops Dawn's instance), forced GCs, then dispatches and readbacks.
    const entry = fileURLToPath(new URL('../../src/backend/webgpu/index.js', import.meta.url));
    const script = `
      const t0 = Date.now(); let x = 0; while (Date.now() - t0 < 1500) x += Math.sqrt(x + 1);
      const { createWebGpuBackend } = await import(${JSON.stringify(entry)});
      const be = await createWebGpuBackend();
      for (let i = 0; i < 5; i++) {
        globalThis.gc(); await new Promise((r) => setTimeout(r, 20));
        const a = be.fill('f32', 4096, 2);
        const y = be.matmul(a, a, { batch: 1, m: 64, k: 64, n: 64, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
        const v = await be.read(y);
        if (v[0] !== 256) throw new Error('wrong result ' + v[0]);
        be.free(a); be.free(y);
      }
      be.destroy();
      console.log('ok', x > 0);`;
    const res = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(res.signal, null, `child killed by ${res.signal}: ${res.stderr}`);
    assert.equal(res.status, 0, `child exit ${res.status}: ${res.stderr}`);
    assert.match(res.stdout, /^ok true$/m);
  });
});
