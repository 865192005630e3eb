// The fast f32 matmul at the bench's shapes on the kernel variant chosen by OFFRAMP_CPU_FMA, in its own
// process (the variant is fixed at start-up). Prints one JSON line:
// { description, peak: GFLOP/s (best of 5), ms: { "M×K×N": [...] } }.
//   node dist/bench/matmul-child.js <runs per shape>
import type { MatmulArgs } from '../src/backend/backend.js';
import { createCpuBackend } from '../src/backend/cpu/index.js';
import { fastMatmulReady, matmulFast, peakLoop } from '../src/backend/cpu/matmul-fast.js';
import { matmulShapes, rand } from './cpu.js';

const runs = Number(process.argv[2] ?? '5');
const threads = await fastMatmulReady();
const ms: Record<string, number[]> = {};
for (const [m, k, n] of matmulShapes) {
  const a = rand(m * k, 1);
  const b = rand(k * n, 2);
  const args: MatmulArgs = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  matmulFast(a, b, args, threads); // warm-up
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    matmulFast(a, b, args, threads);
    times.push(performance.now() - t0);
  }
  ms[`${m}×${k}×${n}`] = times;
}
// peak probe: a warm-up (the first calls may run V8's baseline code), then the best of 5 ~10 ms runs
const iters = 300_000;
peakLoop(iters, threads);
let peak = 0;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const flops = peakLoop(iters, threads);
  peak = Math.max(peak, flops / (performance.now() - t0) / 1e6);
}
console.log(JSON.stringify({ description: createCpuBackend().description, peak, ms }));
