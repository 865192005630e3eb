// WebGPU matmul throughput: GFLOP/s (2·M·K·N per product) for the bench's shapes (bench/workloads.ts),
// each the median of several timed runs that end in a device sync, for both kernel variants.
//   node dist/bench/webgpu.js            prints a table
import { fileURLToPath } from 'node:url';
import { createWebGpuBackend, type WebGpuBackend } from '../src/backend/webgpu/index.js';
import { matmulShapes, timeMatmul, type MatmulTiming } from './workloads.js';

/** Time WebGPU matmul at every shape with a kernel variant (default: the one the backend picked for its adapter). */
export async function benchWebGpuMatmul(be: WebGpuBackend, runs: number, variant?: 'tiled' | 'direct'): Promise<MatmulTiming[]> {
  const chosen = be.matmulVariant;
  if (variant) be.matmulVariant = variant;
  try {
    const out: MatmulTiming[] = [];
    for (const shape of matmulShapes) out.push(await timeMatmul(be, shape, runs));
    return out;
  } finally {
    be.matmulVariant = chosen;
  }
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
    mine.push(await benchWebGpuMatmul(be, 3));
    alt.push(await benchWebGpuMatmul(be, 3, other));
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`    M     K     N   ${picked} ms   ${picked} GFLOP/s   ${other} GFLOP/s   ratio (median of ${rounds} rounds)`);
  mine[0]!.forEach((r, i) => {
    const ms = median(mine.map((round) => median(round[i]!.ms)));
    const g = median(mine.map((round) => round[i]!.gflops));
    const o = median(alt.map((round) => round[i]!.gflops));
    const ratio = median(mine.map((round, j) => round[i]!.gflops / alt[j]![i]!.gflops));
    console.log(`${String(r.m).padStart(5)} ${String(r.k).padStart(5)} ${String(r.n).padStart(5)}   ${ms.toFixed(2).padStart(9)}   ${g.toFixed(2).padStart(14)}   ${o.toFixed(2).padStart(13)}   ${ratio.toFixed(2).padStart(5)}`);
  });
  be.destroy();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
