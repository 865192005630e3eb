// The CPU backend's fast kernels against their reference loops (the oracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { MatmulArgs } from '../../src/backend/backend.js';
import { createCpuBackend } from '../../src/backend/cpu/index.js';
import { fastMatmulOptions, fastMatmulReady, matmulFast, peakLoop } from '../../src/backend/cpu/matmul-fast.js';
import { KC, MC } from '../../src/backend/cpu/gemm.js';
import { kernelModule } from '../../src/backend/cpu/wasm-kernels.js';
import { cpuFma } from '../../src/backend/cpu/fma.js';
import { wasmHeap } from '../../src/backend/cpu/heap.js';
import { matmulRef } from '../../src/backend/cpu/reference/matmul.js';

/** f32 unit roundoff */
const EPS32 = 2 ** -24;
/**
 * Both results are f32 sums of k products in different orders; each is within k·u·Σ|a||b| of the
 * exact value (the standard γ_k bound), so they differ by at most 2·k·u·Σ|a||b|.
 */
const MATMUL_TOL_PER_K = 2 * EPS32;

function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 4;
  }
  return out;
}

function assertMatmulClose(a: Float32Array, b: Float32Array, args: MatmulArgs, got: Float32Array, what: string): void {
  const want = matmulRef(a, b, args);
  const abs = matmulRef(Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), args);
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = MATMUL_TOL_PER_K * args.k * abs[i]!;
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= tol)) assert.fail(`${what}: element ${i}: fast ${got[i]} vs ref ${want[i]} (|d| = ${d} > tol ${tol})`);
  }
}

function argsOf(batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, aBroadcast: boolean, bBroadcast: boolean): MatmulArgs {
  return { batch, m, k, n, transA, transB, aBatchStride: aBroadcast ? 0 : m * k, bBatchStride: bBroadcast ? 0 : k * n };
}

function inputs(p: MatmulArgs, seed: number): [Float32Array, Float32Array] {
  const aLen = (p.aBatchStride === 0 ? 1 : p.batch) * p.m * p.k;
  const bLen = (p.bBatchStride === 0 ? 1 : p.batch) * p.k * p.n;
  return [rand(aLen, seed), rand(bLen, seed + 1)];
}

test('the generated wasm module validates and the pool starts', async () => {
  assert.ok(kernelModule(false));
  assert.ok(kernelModule(cpuFma()));
  const threads = await fastMatmulReady();
  assert.equal(threads, fastMatmulOptions.threads);
  assert.ok(peakLoop(10) > 0);
});

test('fast matmul matches the reference on random shapes (odd, 1, empty; both transposes; batch broadcast)', async () => {
  await fastMatmulReady();
  const saved = fastMatmulOptions.minParallelFlops;
  fastMatmulOptions.minParallelFlops = 0; // split even tiny products over the pool
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 37 }),
        fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2 }), fc.nat(),
        (batch, m, k, n, tA, tB, aBc, bBc, threads, seed) => {
          const args = argsOf(batch, m, k, n, tA, tB, aBc, bBc);
          const [a, b] = inputs(args, seed);
          const got = matmulFast(a, b, args, threads);
          assert.ok(got);
          assertMatmulClose(a, b, args, got, JSON.stringify({ ...args, threads }));
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    fastMatmulOptions.minParallelFlops = saved;
  }
});

test('fast matmul reads heap operands in place and writes a heap result in place (odd sizes, 1, empty)', async () => {
  await fastMatmulReady();
  const heap = wasmHeap();
  const blocks = heap.liveBlocks;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 29 }),
      fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2 }), fc.nat(),
      (batch, m, k, n, tA, tB, threads, seed) => {
        const args = argsOf(batch, m, k, n, tA, tB, false, seed % 3 === 0);
        const [a, b] = inputs(args, seed);
        const [ha, hb, out] = [heap.f32(a.length), heap.f32(b.length), heap.f32(batch * m * n)];
        ha.set(a);
        hb.set(b);
        out.fill(NaN); // every element must be written
        assert.equal(matmulFast(ha, hb, args, threads, out), out);
        assertMatmulClose(a, b, args, out, JSON.stringify({ ...args, threads, heap: true }));
        assert.deepEqual(ha, a, 'operands untouched');
        for (const v of [ha, hb, out]) heap.release(v);
      },
    ),
    { numRuns: 200 },
  );
  assert.equal(heap.liveBlocks, blocks, 'temporary blocks (scratch, copies) were all released');
});

test('fast matmul handles blocks past KC and MC, edge tiles and column blocks, every transpose', async () => {
  await fastMatmulReady();
  const m = MC + 13;
  const k = KC + 37;
  const n = 203;
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      const args = argsOf(1, m, k, n, tA, tB, false, false);
      const [a, b] = inputs(args, 7);
      for (const threads of [1, 2]) assertMatmulClose(a, b, args, matmulFast(a, b, args, threads)!, `transA=${tA} transB=${tB} threads=${threads}`);
    }
  }
});

test('fast matmul gives bit-identical results on 1 and 2 threads (determinism)', async () => {
  await fastMatmulReady();
  const args = argsOf(3, 70, 600, 150, false, true, false, true);
  const [a, b] = inputs(args, 11);
  const one = matmulFast(a, b, args, 1)!;
  const two = matmulFast(a, b, args, 2)!;
  assert.deepEqual(two, one);
});

test('k = 0 gives zeros and m = 0 gives an empty result', () => {
  const zeroK = argsOf(2, 3, 0, 4, false, false, false, false);
  assert.deepEqual(matmulFast(new Float32Array(0), new Float32Array(0), zeroK), new Float32Array(24));
  const zeroM = argsOf(1, 0, 5, 4, false, false, false, false);
  assert.equal(matmulFast(new Float32Array(0), rand(20, 1), zeroM)!.length, 0);
});

test('the CPU backend routes f32 matmul to the fast kernel and keeps f64 on the reference loop', () => {
  const be = createCpuBackend();
  const args = argsOf(2, 20, 30, 40, true, false, false, true);
  const [a, b] = inputs(args, 3);
  const got = be.readSync!(be.matmul(be.fromArray(a), be.fromArray(b), args)) as Float32Array;
  assert.ok(got instanceof Float32Array);
  assertMatmulClose(a, b, args, got, 'backend f32');
  const a64 = Float64Array.from(a);
  const b64 = Float64Array.from(b);
  const got64 = be.readSync!(be.matmul(be.fromArray(a64), be.fromArray(b64), args));
  assert.ok(got64 instanceof Float64Array);
  assert.deepEqual(got64, matmulRef(a64, b64, args));
  const ref = createCpuBackend({ fast: false });
  assert.deepEqual(ref.readSync!(ref.matmul(ref.fromArray(a), ref.fromArray(b), args)), matmulRef(a, b, args));
});

test('a process that used the worker pool exits by itself', () => {
  const mod = fileURLToPath(new URL('../../src/backend/cpu/matmul-fast.js', import.meta.url));
  const script = `import(${JSON.stringify(mod)}).then(async (m) => { await m.fastMatmulReady(); ` +
    `const a = new Float32Array(256 * 256).fill(1); ` +
    `const r = m.matmulFast(a, a, { batch: 1, m: 256, k: 256, n: 256, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 }, 2); ` +
    `console.log(r[0]); })`;
  const res = spawnSync(process.execPath, ['-e', script], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(res.error, undefined, 'the child did not exit on its own');
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), '256');
});
