// Row kernels sliced over the worker pool (runRows in matmul-fast.ts, called from rows-fast.ts) give
// bit-identical results to one call on the calling thread: slices start on SIMD-group boundaries and
// every element or row is computed by the same code. Sizes are above the slicing threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wasmHeap } from '../../src/backend/cpu/heap.js';
import { fastMatmulOptions, fastMatmulReady, poolStats } from '../../src/backend/cpu/matmul-fast.js';
import { adamwFast, binaryFast, layerNormFast, softmaxRowsFast, unaryFast } from '../../src/backend/cpu/rows-fast.js';

function heapRand(n: number, seed: number, scale = 4): Float32Array {
  const out = wasmHeap().f32(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

/** Runs `kernel` into fresh outputs on one thread and on the pool; returns both output sets. */
function bothWays(outSizes: number[], kernel: (outs: Float32Array[]) => boolean, inPlace: Float32Array[] = []): [Float32Array[], Float32Array[]] {
  const threads = fastMatmulOptions.threads;
  const saved = inPlace.map((x) => x.slice());
  const run = (n: number) => {
    inPlace.forEach((x, i) => x.set(saved[i]!));
    const outs = outSizes.map((size) => wasmHeap().f32(size, true));
    fastMatmulOptions.threads = n;
    const jobs = poolStats.jobs;
    try {
      assert.ok(kernel(outs), 'the fast path took the call');
    } finally {
      fastMatmulOptions.threads = threads;
    }
    assert.equal(poolStats.jobs > jobs, n > 1, n > 1 ? 'the call was sliced over the pool' : 'one thread: no pool job');
    return [...outs, ...inPlace].map((x) => x.slice());
  };
  return [run(1), run(threads)];
}

const pooled = async () => ((await fastMatmulReady()) > 1 ? false : 'one thread: nothing is sliced');

test('row kernels on the pool: bit-identical to one thread (binary flat and by rows, GELU, softmax, layerNorm, AdamW)', { skip: await pooled() }, () => {
  const rows = 1201;
  const h = 256;
  const n = rows * h + 3; // a scalar tail
  const x = heapRand(n, 1);
  const y = heapRand(n, 2);
  const bias = heapRand(h, 3);
  const cases: [string, number[], (o: Float32Array[]) => boolean, Float32Array[]?][] = [
    ['binary add (flat)', [n], ([o]) => binaryFast('add', x, y, [n], [1], [1], o!)],
    ['binary mul (rows, broadcast bias)', [rows * h], ([o]) => binaryFast('mul', x.subarray(0, rows * h), bias, [rows, h], [h, 1], [0, 1], o!)],
    ['gelu', [n], ([o]) => unaryFast('gelu', x, o!)],
    ['layerNorm forward', [rows * h, rows, rows], ([o, mean, rstd]) => layerNormFast(x.subarray(0, rows * h), bias, y.subarray(0, h), rows, h, 1e-12, o!, mean!, rstd!)],
  ];
  for (const [what, sizes, kernel] of cases) {
    const [one, pool] = bothWays(sizes, kernel);
    pool.forEach((p, i) => assert.deepEqual(p, one[i], `${what}: output ${i}`));
  }
  const probs = heapRand(rows * 260, 4);
  const [sOne, sPool] = bothWays([], () => softmaxRowsFast(probs, rows, 260, 0.125), [probs]);
  assert.deepEqual(sPool, sOne, 'softmax rows');
  const m = heapRand(n - 1, 5);
  const v = heapRand(n - 1, 6, 1);
  for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]!);
  const p = heapRand(n - 1, 7);
  const g = heapRand(n - 1, 8);
  const args = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, bc1: 0.1, bc2: 0.001 };
  const [aOne, aPool] = bothWays([], () => adamwFast(p, g, m, v, args), [p, m, v]);
  aPool.forEach((q, i) => assert.deepEqual(q, aOne[i], `adamw: array ${i}`));
});
