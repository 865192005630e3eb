// The CPU backend's SIMD row kernels (wasm-rows.ts, rows-fast.ts) on its wasm heap against the
// reference loops: exact where the f32 operations are the same (binary ops, simple unary maps, AdamW),
// within stated tolerances where the kernel approximates (erf, GELU, softmax, layerNorm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AdamWArgs, BinaryOp, Storage, UnaryOp } from '../../src/backend/backend.js';
import { unaryTable, type UnaryEntry } from '../../src/backend/elementwise.js';
import { createCpuBackend } from '../../src/backend/cpu/index.js';
import { wasmHeap } from '../../src/backend/cpu/heap.js';
import { softmaxRowsFast } from '../../src/backend/cpu/rows-fast.js';
import { binaryRef, erfRef, unaryRef } from '../../src/backend/cpu/reference/elementwise.js';
import { layerNormBackwardRef, layerNormRef } from '../helpers/layernorm-ref.js';
import { adamwRef } from '../../src/backend/cpu/reference/adamw.js';
import { broadcastShapes, broadcastStrides, sizeOf } from '../../src/tensor/shape.js';

const be = createCpuBackend({ fast: true });
const read = (s: Storage) => be.readSync!(s) as Float32Array;

function rand(n: number, seed: number, scale = 4): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

/** Bitwise equality that treats every NaN as the same value. */
function sameF32(got: Float32Array, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) assert.fail(`${what}[${i}]: fast ${g} vs ref ${w}`);
  }
}

test('backend: f32 results live on the heap and free returns them; liveBuffers stays exact', () => {
  const heap = wasmHeap();
  const blocks = heap.liveBlocks;
  const live = be.liveBuffers();
  const a = be.fromArray(rand(300, 1));
  const b = be.fromArray(rand(300, 2));
  const c = be.binary('add', a, b, [300], [1], [1]);
  const d = be.unary('gelu', c, 0);
  const e = be.reduce('sum', d, 1, 300, 1); // a reference loop, through the allocArray hook
  const f = be.matmul(a, b, { batch: 1, m: 10, k: 30, n: 10, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
  for (const s of [a, b, c, d, e, f]) assert.ok(heap.owns((s as unknown as { data: Float32Array }).data));
  assert.equal(be.liveBuffers(), live + 6);
  for (const s of [a, b, c, d, e, f]) be.free(s);
  assert.equal(be.liveBuffers(), live);
  assert.equal(heap.liveBlocks, blocks, 'every heap block went back');
});

const binaryOps: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'gt', 'ge', 'eq'];

/** Two shapes that broadcast together (ranks 0–4, sizes 0–5 with many 1s), possibly transposed operands. */
const broadcastPair = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 })), { maxLength: 4 })
  .map((axes) => {
    const a: number[] = [];
    const b: number[] = [];
    for (const [size, mode] of axes) {
      a.push(mode === 1 ? 1 : size);
      b.push(mode === 2 ? 1 : size);
    }
    return { a, b: mode0Drop(b) };
  });
function mode0Drop(b: number[]): number[] {
  // sometimes a lower-rank b (numpy-style leading broadcast)
  return b.length > 0 && b[0] === 1 ? b.slice(1) : b;
}

test('binary ops: bit-identical to binaryRef on broadcast shapes (scalars, rows, columns, empty, rank ≤ 4)', () => {
  fc.assert(
    fc.property(broadcastPair, fc.constantFrom(...binaryOps), fc.nat(), fc.boolean(), ({ a: sa, b: sb }, op, seed, transposeA) => {
      const shape = broadcastShapes(op, sa, sb);
      const av = rand(sizeOf(sa), seed);
      const bv = rand(sizeOf(sb), seed + 1);
      // equal values and NaNs so comparisons and max/min see ties and NaN
      if (av.length > 2 && bv.length > 2) {
        bv[0] = av[0]!;
        av[1] = NaN;
      }
      let as = broadcastStrides(sa, shape);
      if (transposeA && sa.length >= 2) {
        // read a through non-contiguous strides (a transposed view of its last two axes)
        const r = sa.length;
        const st = [...as];
        if (sa[r - 1]! > 1 && sa[r - 2]! > 1) {
          st[r - 1] = sa[r - 2]!;
          st[r - 2] = 1;
          for (let d = 0; d < r - 2; d++) st[d] = as[d]!;
          as = st;
        }
      }
      const bs = broadcastStrides(sb, shape);
      const A = be.fromArray(av);
      const B = be.fromArray(bv);
      const got = be.binary(op, A, B, shape, as, bs);
      sameF32(read(got), binaryRef(op, av, bv, shape, as, bs), `${op} ${JSON.stringify({ sa, sb, as })}`);
      for (const s of [A, B, got]) be.free(s);
    }),
    { numRuns: 400 },
  );
});

/** The table's ops with a wasm SIMD version, split by whether the JavaScript loop rounds the same way. */
const wasmOps = (Object.entries(unaryTable) as [UnaryOp, UnaryEntry][]).filter(([, e]) => e.wasm);
const wasmExact = wasmOps.filter(([, e]) => e.tol !== 'transcendental').map(([op]) => op);
const wasmApprox = wasmOps.filter(([, e]) => e.tol === 'transcendental').map(([op]) => op);

test('exactly rounded unary maps with a wasm version: bit-identical to unaryRef (odd sizes, 1, empty, NaN, ±0)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...wasmExact), fc.integer({ min: 0, max: 41 }), fc.nat(), (op, n, seed) => {
      const x = rand(n, seed);
      if (n > 3) {
        x[0] = NaN;
        x[1] = -0;
        x[2] = 0;
      }
      const X = be.fromArray(x);
      const got = be.unary(op, X, 0);
      sameF32(read(got), unaryRef(op, x, 0), `${op} n=${n}`);
      be.free(X);
      be.free(got);
    }),
    { numRuns: 200 },
  );
});

test('approximated unary maps with a wasm version: within 2e-7·(1 + |x|) of unaryRef in f64', () => {
  fc.assert(
    fc.property(fc.constantFrom(...wasmApprox), fc.integer({ min: 0, max: 41 }), fc.nat(), (op, n, seed) => {
      const x = rand(n, seed, 6).map((v) => (unaryTable[op].domain === 'positive' ? Math.abs(v) : v));
      const err = maxError(op, x, (v) => unaryRef(op, Float64Array.of(v), 0)[0]!, (v) => 1 + Math.abs(v));
      assert.ok(err < 2e-7, `${op} n=${n}: ${err}`);
    }),
    { numRuns: 100 },
  );
});

/** The dense grid every approximation is checked on, in f32. */
function grid(lo: number, hi: number, n: number): Float32Array {
  return Float32Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

function maxError(op: UnaryOp, x: Float32Array, exact: (x: number) => number, weight: (x: number) => number = () => 1): number {
  const X = be.fromArray(x);
  const out = be.unary(op, X, 0);
  const got = read(out);
  be.free(X);
  be.free(out);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(got[i]! - exact(x[i]!)) / weight(x[i]!));
  return worst;
}

test('erf: |error| < 2e-7 against the f64 erf over [-8, 8] (SIMD lanes and scalar tail)', () => {
  const x = grid(-8, 8, 400_001);
  const err = maxError('erf', x, erfRef);
  assert.ok(err < 2e-7, `max |erf error| ${err}`);
  assert.ok(maxError('erf', Float32Array.of(0, -0, 1e-30, -1e-30, 30, -30), erfRef) < 2e-7);
});

test('gelu and its derivative: within 2e-7·(1 + |x|) of the f64 formulas', () => {
  const x = grid(-12, 12, 300_001);
  const gelu = (v: number) => 0.5 * v * (1 + erfRef(v * Math.SQRT1_2));
  const geluGrad = (v: number) => 0.5 * (1 + erfRef(v * Math.SQRT1_2)) + v * Math.exp(-0.5 * v * v) * 0.3989422804014327;
  const w = (v: number) => 1 + Math.abs(v);
  const e1 = maxError('gelu', x, gelu, w);
  const e2 = maxError('geluGrad', x, geluGrad, w);
  assert.ok(e1 < 2e-7, `gelu: ${e1}`);
  assert.ok(e2 < 2e-7, `geluGrad: ${e2}`);
});

test('softmax rows: within the f32 rounding of scale·x, plus 8 ulp, of an f64 softmax', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 12 }), fc.nat(), fc.double({ min: 0.01, max: 3, noNaN: true }), (rows, n4, seed, scale) => {
      const n = n4 * 4;
      const x = wasmHeap().f32(rows * n);
      x.set(rand(rows * n, seed, 20));
      const src = x.slice();
      assert.ok(softmaxRowsFast(x, rows, n, scale));
      for (let r = 0; r < rows; r++) {
        const row = Array.from(src.subarray(r * n, r * n + n), (v) => v * scale);
        const mx = Math.max(...row);
        const sum = row.reduce((s, v) => s + Math.exp(v - mx), 0);
        for (let j = 0; j < n; j++) {
          const want = Math.exp(row[j]! - mx) / sum;
          // scale·x and max are rounded to f32 (2^-24·|·| each, twice over), then their difference
          // (2^-24·|scale·x − max|): absolute errors in the exponent
          const tol = want * (8 * 2 ** -24 + 2 ** -23 * (Math.abs(row[j]!) + Math.abs(mx)) + 2 ** -24 * Math.abs(row[j]! - mx)) + 1e-37;
          assert.ok(Math.abs(x[r * n + j]! - want) <= tol, `row ${r} col ${j}: ${x[r * n + j]} vs ${want}`);
        }
      }
      wasmHeap().release(x);
    }),
    { numRuns: 100 },
  );
  const x = wasmHeap().f32(6);
  assert.equal(softmaxRowsFast(x, 1, 6, 1), false, 'rows not a multiple of 4 go to the JS loop');
  wasmHeap().release(x);
});

test('adamw: bit-identical to adamwRef (odd sizes, 1, empty)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 37 }), fc.nat(), fc.integer({ min: 1, max: 50 }), (n, seed, t) => {
      const a: AdamWArgs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, bc1: 1 - 0.9 ** t, bc2: 1 - 0.999 ** t };
      const init = [rand(n, seed), rand(n, seed + 1), rand(n, seed + 2, 0.2), rand(n, seed + 3, 0.01).map(Math.abs)];
      const ref = init.map((x) => x.slice());
      adamwRef(ref[0]!, ref[1]!, ref[2]!, ref[3]!, a);
      const S = init.map((x) => be.fromArray(x));
      assert.ok(be.fused.adamw!(S[0]!, S[1]!, S[2]!, S[3]!, a));
      ['param', 'grad', 'm', 'v'].forEach((name, i) => sameF32(read(S[i]!), ref[i]!, `${name} n=${n}`));
      for (const s of S) be.free(s);
    }),
    { numRuns: 200 },
  );
});

test('fused layerNorm forward and backward (h a multiple of 4; others are declined): close to the reference', () => {
  const declined = be.fromArray(new Float32Array(6));
  assert.equal(be.fused.layerNorm!.forward(declined, declined, declined, 1, 6, 1e-5), null, 'h = 6 runs the composite');
  be.free(declined);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 18 }).map((q) => 4 * q), fc.nat(), fc.double({ min: -50, max: 50, noNaN: true }), (rows, h, seed, offset) => {
      const x = rand(rows * h, seed).map((v) => v + offset);
      const gamma = rand(h, seed + 1);
      const beta = rand(h, seed + 2);
      const dy = rand(rows * h, seed + 3);
      const [X, G, B, DY] = [x, gamma, beta, dy].map((v) => be.fromArray(v)) as [Storage, Storage, Storage, Storage];
      const f = be.fused.layerNorm!.forward(X, G, B, rows, h, 1e-5)!;
      const ref = layerNormRef(x, gamma, beta, rows, h, 1e-5);
      // f32 sums over h elements: relative error ~h·2^-24 on the mean, amplified by |offset|/σ
      const tol = 2e-6 * (1 + Math.abs(offset)) * Math.sqrt(h);
      const close = (got: Float32Array, want: ArrayLike<number>, what: string, scale = 1) => {
        assert.equal(got.length, want.length);
        for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol * scale * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]} (h=${h})`);
      };
      close(read(f.y), ref.y, 'y', 4);
      close(read(f.mean), ref.mean, 'mean');
      close(read(f.rstd), ref.rstd, 'rstd');
      const d = be.fused.layerNorm!.backward(DY, X, G, f.mean, f.rstd, rows, h);
      const dref = layerNormBackwardRef(dy, x, gamma, read(f.mean), read(f.rstd), rows, h);
      close(read(d.dx), dref.dx, 'dx', 4 * h);
      close(read(d.dgamma), dref.dgamma, 'dgamma', 4 * (rows + 1) * h);
      close(read(d.dbeta), dref.dbeta, 'dbeta', rows + 1);
      for (const s of [X, G, B, DY, f.y, f.mean, f.rstd, d.dx, d.dgamma, d.dbeta]) be.free(s);
    }),
    { numRuns: 150 },
  );
});
