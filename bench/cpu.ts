// CPU backend kernels: the peak probe and matmul GFLOP/s, reference loop vs the fast kernel, each as
// a fraction of the probe measured in the same run (timings on a shared machine are only comparable
// side by side).
import { Bench } from 'tinybench';
import type { MatmulArgs } from '../src/backend/backend.js';
import { fastMatmulOptions, fastMatmulReady, matmulFast, peakLoop } from '../src/backend/cpu/matmul-fast.js';
import { matmulRef } from '../src/ops/matmul.js';
import type { BenchContext, Row, Section } from './run.js';

/** Median latency (ms) of `fn` via tinybench; `budgetMs` bounds the time spent. */
export function medianMs(fn: () => void, budgetMs: number, minIters = 5): number {
  const bench = new Bench({ time: budgetMs, iterations: minIters, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add('x', fn);
  bench.runSync();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`bench: task ended in state ${r.state}`);
  return r.latency.p50;
}

function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Both-core peak probe, GFLOP/s (median of a few ~50 ms runs). */
export function probeGflops(threads: number, quick: boolean): number {
  const iters = quick ? 100_000 : 400_000;
  let flops = 0;
  const ms = medianMs(() => (flops = peakLoop(iters, threads)), quick ? 100 : 500, 5);
  return flops / ms / 1e6;
}

const shapes: [number, number, number][] = [
  [128, 768, 768],
  [128, 768, 3072],
  [512, 256, 1024],
  [64, 64, 64],
];

const matmulSection: Section = {
  name: 'cpu: matmul f32',
  note: 'GFLOP/s = 2·M·K·N / median time (tinybench). `of peak` = fraction of the wasm SIMD mul+add probe on all threads, measured in the same run, before each shape.',
  async run(ctx: BenchContext): Promise<Row[]> {
    const threads = await fastMatmulReady();
    const rows: Row[] = [];
    const p1 = probeGflops(1, ctx.quick);
    rows.push({ case: 'peak probe, 1 thread', impl: 'wasm f32x4 mul+add', 'GFLOP/s': p1 });
    for (const [m, k, n] of shapes) {
      const peak = probeGflops(threads, ctx.quick);
      rows.push({ case: `peak probe, ${threads} threads`, impl: 'wasm f32x4 mul+add', 'GFLOP/s': peak });
      const a = rand(m * k, 1);
      const b = rand(k * n, 2);
      const args: MatmulArgs = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      const flops = 2 * m * k * n;
      const big = flops > 1e8;
      const impls: [string, () => void, number][] = [
        ['reference loop', () => matmulRef(a, b, args), big ? (ctx.quick ? 1 : 3) : 5],
        ['fast, 1 thread', () => matmulFast(a, b, args, 1), 10],
        [`fast, ${threads} threads`, () => matmulFast(a, b, args, threads), 10],
      ];
      for (const [impl, fn, minIters] of impls) {
        const ms = medianMs(fn, ctx.quick ? 50 : impl === 'reference loop' ? 0 : 1000, minIters);
        const gflops = flops / ms / 1e6;
        rows.push({ case: `${m}×${k}×${n}`, impl, 'median ms': ms, 'GFLOP/s': gflops, 'of peak': gflops / peak });
      }
    }
    rows.push({ case: 'config', impl: `threads=${threads}, minParallelFlops=${fastMatmulOptions.minParallelFlops}` });
    return rows;
  },
};

export const cpuSections: Section[] = [matmulSection];
