// CPU backend kernels: the peak probe and matmul GFLOP/s, reference loop vs the fast kernel, each as
// a fraction of the probe measured in the same run (timings on a shared machine are only comparable
// side by side).
import { Bench } from 'tinybench';
import type { MatmulArgs, Storage } from '../src/backend/backend.js';
import { createCpuBackend } from '../src/backend/cpu/index.js';
import { fastMatmulOptions, fastMatmulReady, matmulFast, peakLoop } from '../src/backend/cpu/matmul-fast.js';
import { matmulRef } from '../src/backend/cpu/reference/matmul.js';
import { cpuFma } from '../src/backend/cpu/fma.js';
import type { BenchContext, Row, Section } from './report.js';
import { matmulShapes, rand } from './workloads.js';

/** Median latency (ms) of `fn` via tinybench; `budgetMs` bounds the time spent. */
export function medianMs(fn: () => void, budgetMs: number, minIters = 5): number {
  const bench = new Bench({ time: budgetMs, iterations: minIters, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add('x', fn);
  bench.runSync();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`bench: task ended in state ${r.state}`);
  return r.latency.p50;
}

/** Both-core peak probe, GFLOP/s (median of a few ~50 ms runs). */
export function probeGflops(threads: number, quick: boolean): number {
  const iters = quick ? 100_000 : 400_000;
  let flops = 0;
  const ms = medianMs(() => (flops = peakLoop(iters, threads)), quick ? 100 : 500, 5);
  return flops / ms / 1e6;
}

const matmulSection: Section = {
  name: 'cpu: matmul f32',
  note: 'GFLOP/s = 2·M·K·N / median time (tinybench). `of peak` = fraction of the wasm SIMD probe (mul+add, or relaxed_madd on the FMA path) on all threads, measured in the same run, before each shape.',
  async run(ctx: BenchContext): Promise<Row[]> {
    const threads = await fastMatmulReady();
    const rows: Row[] = [];
    const probe = `wasm f32x4 ${cpuFma() ? 'relaxed_madd' : 'mul+add'}`;
    const p1 = probeGflops(1, ctx.quick);
    rows.push({ case: 'peak probe, 1 thread', impl: probe, 'GFLOP/s': p1 });
    for (const [m, k, n] of matmulShapes) {
      const peak = probeGflops(threads, ctx.quick);
      rows.push({ case: `peak probe, ${threads} threads`, impl: probe, 'GFLOP/s': peak });
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

/** The SIMD row kernels against the reference loops, through the backend (f32 storage on the wasm heap for the fast one). */
const rowsSection: Section = {
  name: 'cpu: row kernels f32',
  note: 'median ms per call through the CPU backend: `reference` = OFFRAMP_CPU_REF loops on plain arrays, `fast` = wasm SIMD on heap storage (1 thread; attention uses the matmul pool), `fast, JS softmax` = the same without the SIMD softmax; shapes of the model benchmark (T = 512 tokens, H = 256, FFN = 1024); sums over rows: reduce sum, the reference loop vs the SIMD column sum (on the pool above 1 MiB).',
  async run(ctx: BenchContext): Promise<Row[]> {
    const rows: Row[] = [];
    const T = 512;
    const H = 256;
    const F = 1024;
    const impls = [
      ['reference', createCpuBackend({ fast: false })],
      ['fast', createCpuBackend({ fast: true })],
      ['fast, JS softmax', createCpuBackend({ fast: true, skip: ['softmax'] })],
    ] as const;
    for (const [impl, be] of impls) {
      const attentionOnly = impl === 'fast, JS softmax';
      const x = be.fromArray(rand(T * F, 1));
      const y = be.fromArray(rand(T * F, 2));
      const bias = be.fromArray(rand(F, 3));
      const h = be.fromArray(rand(T * H, 4));
      const g = be.fromArray(rand(H, 5));
      const probs = be.fromArray(rand(32 * 64 * 64, 6));
                  const t = (fn: () => Storage | Storage[] | void) => medianMs(() => {
        const r = fn();
        for (const s of r === undefined ? [] : Array.isArray(r) ? r : [r]) be.free(s);
      }, ctx.quick ? 50 : 400, 5);
      const cases: [string, () => Storage | Storage[] | void][] = [
        [`add [${T}, ${F}] + [${T}, ${F}]`, () => be.binary('add', x, y, [T, F], [F, 1], [F, 1])],
        [`add [${T}, ${F}] + [${F}] (bias)`, () => be.binary('add', x, bias, [T, F], [F, 1], [0, 1])],
        [`mul [${T}, ${F}] · scalar`, () => be.binary('mul', x, g, [T, F], [F, 1], [0, 0])],
        [`gelu [${T}, ${F}]`, () => be.unary('gelu', x, 0)],
        [`geluGrad [${T}, ${F}]`, () => be.unary('geluGrad', x, 0)],
        [`sum over rows [${T}, ${F}] → [${F}] (bias gradient)`, () => be.reduce('sum', x, 1, T, F)],
        [`sum over rows [${T}, ${H}] → [${H}] (bias gradient)`, () => be.reduce('sum', h, 1, T, H)],
      ];
      if (!attentionOnly) for (const [name, fn] of cases) rows.push({ case: name, impl, 'median ms': t(fn) });
      // softmax rows inside attention: exercised through attention (B = 8 segments of 64, 4 heads)
      const q = be.fromArray(rand(T * H, 11));
      const segs = be.fromArray(Int32Array.from({ length: 8 * 5 }, (_, i) => {
        const s = Math.floor(i / 5);
        return [s * 64, s * 64 + 64, s * 64, s * 64 + 64, s * 4 * 64 * 64][i % 5]!;
      }));
      const args = { m: T, n: T, hidden: H, heads: 4, segments: 8, probsSize: 8 * 4 * 64 * 64, scale: 1 / 8 };
      const attention = be.fused.attention;
      const probe = attention?.forward(q, q, q, segs, args);
      for (const st of Object.values(probe ?? {})) be.free(st);
      if (attention && probe) rows.push({ case: 'fused attention forward (8 × 64 tokens, 4 heads)', impl, 'median ms': t(() => Object.values(attention.forward(q, q, q, segs, args)!)) });
      for (const s of [x, y, bias, h, g, probs, q, segs]) be.free(s);
    }
    return rows;
  },
};

export const cpuSections: Section[] = [matmulSection, rowsSection];
