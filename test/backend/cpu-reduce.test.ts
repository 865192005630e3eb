// The SIMD column sum (reduce 'sum' with inner ≥ 4, reduce-fast.ts) against the reference loop: the same
// bits (f64 accumulation in row order, one rounding), for any shape, on one thread and on the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCpuBackend } from '../../src/backend/cpu/index.js';
import { wasmHeap } from '../../src/backend/cpu/heap.js';
import { fastMatmulOptions, fastMatmulReady, poolStats } from '../../src/backend/cpu/matmul-fast.js';
import { sumFast } from '../../src/backend/cpu/reduce-fast.js';
import { reduceRef } from '../../src/backend/cpu/reference/reduce.js';
import { Rng } from '../../src/tensor/random.js';

const be = createCpuBackend();

/** values with exponents far apart, so that f32 accumulation would differ from the reference */
function values(rng: Rng, n: number, special: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * 2 ** Math.floor(rng.uniform() * 30 - 15);
  if (special && n > 0) {
    out[rng.int(n)] = NaN;
    out[rng.int(n)] = Infinity;
  }
  return out;
}

test('property: reduce sum of f32 [outer, n, inner] is bit-identical to the reference loop (fast path for inner ≥ 4)', () => {
  const shape = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 45 }));
  fc.assert(
    fc.property(shape, fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), ([outer, n, inner], seed, special) => {
      const x = values(new Rng(seed), outer * n * inner, special);
      const want = reduceRef('sum', x, outer, n, inner);
      const s = be.fromArray(x);
      const out = be.reduce('sum', s, outer, n, inner);
      assert.deepEqual(be.readSync!(out), want, `[${outer}, ${n}, ${inner}]`);
      be.free(s);
      be.free(out);
    }),
    { numRuns: 150, examples: [[[1, 5, 16], 1, false], [[1, 3, 19], 2, true], [[2, 0, 8], 3, false], [[1, 7, 4], 4, false]] },
  );
});

test('the column sum takes inner ≥ 4 on the heap and declines the rest', () => {
  const x = wasmHeap().f32(12);
  const out = wasmHeap().f32(4);
  assert.equal(sumFast(x, 1, 3, 4, out), true);
  assert.equal(sumFast(x, 4, 3, 1, out), false, 'sums along the last axis stay on the reference loop');
  assert.equal(sumFast(new Float32Array(12), 1, 3, 4, out), false, 'operands off the heap');
  wasmHeap().release(x);
  wasmHeap().release(out);
});

test('a bias-gradient-sized column sum on the pool: bit-identical to one thread and to the reference', { skip: (await fastMatmulReady()) > 1 ? false : 'one thread: nothing is sliced' }, () => {
  const [rows, cols] = [1030, 1029]; // 4 MiB: sliced; 1029 columns: a 4-wide strip and a scalar tail after the 16-wide ones
  const x = wasmHeap().f32(rows * cols);
  x.set(values(new Rng(7), rows * cols, false));
  const want = reduceRef('sum', x, 1, rows, cols);
  const threads = fastMatmulOptions.threads;
  for (const t of [1, threads]) {
    const out = wasmHeap().f32(cols);
    const jobs = poolStats.jobs;
    fastMatmulOptions.threads = t;
    try {
      assert.ok(sumFast(x, 1, rows, cols, out));
    } finally {
      fastMatmulOptions.threads = threads;
    }
    assert.equal(poolStats.jobs > jobs, t > 1, t > 1 ? 'sliced over the pool' : 'one thread: no pool job');
    assert.deepEqual(out.slice(), want, `${t} thread(s)`);
    wasmHeap().release(out);
  }
  wasmHeap().release(x);
});
