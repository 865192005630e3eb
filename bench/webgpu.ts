// WebGPU matmul throughput: GFLOP/s (2·M·K·N per product) for the shapes of a BERT layer and a
// small one, each the median of several timed runs that end in a device sync.
//   node dist/bench/webgpu.js            prints a table
import { fileURLToPath } from 'node:url';
import type { MatmulArgs } from '../src/backend/backend.js';
import { createWebGpuBackend, type WebGpuBackend } from '../src/backend/webgpu/index.js';

export const matmulShapes: readonly [number, number, number][] = [
  [128, 768, 768],
  [128, 768, 3072],
  [512, 256, 1024],
  [64, 64, 64],
];

export interface MatmulTiming {
  m: number;
  k: number;
  n: number;
  /** median seconds per product (over `runs` timed runs of `reps` products each, sync included) */
  seconds: number;
  gflops: number;
}

export interface MatmulBenchOptions {
  /** an open backend (default: one is created and destroyed) */
  backend?: WebGpuBackend;
  shapes?: readonly [number, number, number][];
  /** timed runs per shape; the median is reported */
  runs?: number;
  /** products per run (amortises the sync; at least 1) */
  reps?: number;
  /** matmul kernel variant (default: the one the backend picked for its adapter) */
  variant?: 'tiled' | 'direct';
}

function filled(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Time WebGPU matmul at each shape: median of `runs` runs, each `reps` products then a sync. */
export async function benchWebGpuMatmul(opts: MatmulBenchOptions = {}): Promise<MatmulTiming[]> {
  const be = opts.backend ?? (await createWebGpuBackend());
  const runs = opts.runs ?? 7;
  const out: MatmulTiming[] = [];
  const chosen = be.matmulVariant;
  if (opts.variant) be.matmulVariant = opts.variant;
  try {
    for (const [m, k, n] of opts.shapes ?? matmulShapes) {
      const a = be.fromArray(filled(m * k, 1));
      const b = be.fromArray(filled(k * n, 2));
      const args: MatmulArgs = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      const flops = 2 * m * k * n;
      // about 50 MFLOP per run unless told otherwise
      const reps = opts.reps ?? Math.max(1, Math.min(20, Math.round(5e7 / flops)));
      const once = async () => {
        for (let r = 0; r < reps; r++) be.free(be.matmul(a, b, args));
        await be.sync();
      };
      await once(); // warm-up: pipeline compile, buffer pool
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = process.hrtime.bigint();
        await once();
        times.push(Number(process.hrtime.bigint() - t0) / 1e9 / reps);
      }
      times.sort((x, y) => x - y);
      const seconds = times[Math.floor(times.length / 2)]!;
      out.push({ m, k, n, seconds, gflops: flops / seconds / 1e9 });
      be.free(a);
      be.free(b);
    }
  } finally {
    be.matmulVariant = chosen;
    if (!opts.backend) be.destroy();
  }
  return out;
}

export async function main(): Promise<void> {
  const be = await createWebGpuBackend();
  console.log(`webgpu: ${be.description}`);
  const picked = be.matmulVariant;
  const other = picked === 'direct' ? 'tiled' : 'direct';
  // Both kernel variants in one run, interleaved: rounds of (picked, other) for each shape, so a
  // change in machine load hits both alike. Reported: the median over rounds of each variant's
  // GFLOP/s and the median of the per-round ratio (the figure to trust on a shared machine).
  const rounds = Number(process.env.OFFRAMP_BENCH_ROUNDS ?? 3);
  const mine: MatmulTiming[][] = [];
  const alt: MatmulTiming[][] = [];
  for (let r = 0; r < rounds; r++) {
    mine.push(await benchWebGpuMatmul({ backend: be, runs: 3 }));
    alt.push(await benchWebGpuMatmul({ backend: be, runs: 3, variant: other }));
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`    M     K     N   ${picked} ms   ${picked} GFLOP/s   ${other} GFLOP/s   ratio (median of ${rounds} rounds)`);
  mine[0]!.forEach((r, i) => {
    const ms = median(mine.map((round) => round[i]!.seconds)) * 1e3;
    const g = median(mine.map((round) => round[i]!.gflops));
    const o = median(alt.map((round) => round[i]!.gflops));
    const ratio = median(mine.map((round, j) => round[i]!.gflops / alt[j]![i]!.gflops));
    console.log(`${String(r.m).padStart(5)} ${String(r.k).padStart(5)} ${String(r.n).padStart(5)}   ${ms.toFixed(2).padStart(9)}   ${g.toFixed(2).padStart(14)}   ${o.toFixed(2).padStart(13)}   ${ratio.toFixed(2).padStart(5)}`);
  });
  be.destroy();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
