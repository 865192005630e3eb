// The CPU kernels that have an FMA variant, on the variant chosen by OFFRAMP_CPU_FMA, in their own
// process (the variant is fixed at start-up): the fast f32 matmul at the bench's shapes, and GELU,
// geluGrad, layerNorm forward + backward and attention forward (softmax) through the backend at the model's shapes. Prints one
// JSON line: { description, peak: GFLOP/s (best of 5), ms: { "matmul M×K×N" | "<row kernel>": [...] } }.
//   node dist/bench/kernels-child.js <runs per case>
import type { MatmulArgs } from '../src/backend/backend.js';
import { createCpuBackend } from '../src/backend/cpu/index.js';
import { fastMatmulReady, matmulFast, peakLoop } from '../src/backend/cpu/matmul-fast.js';
import { matmulShapes, rand } from './workloads.js';

const runs = Number(process.argv[2] ?? '5');
const threads = await fastMatmulReady();
const ms: Record<string, number[]> = {};
/** a warm-up call, then `runs` timed calls */
const time = (fn: () => void): number[] => {
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times;
};
for (const [m, k, n] of matmulShapes) {
  const a = rand(m * k, 1);
  const b = rand(k * n, 2);
  const args: MatmulArgs = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  ms[`matmul ${m}×${k}×${n}`] = time(() => matmulFast(a, b, args, threads));
}
const be = createCpuBackend();
const [T, H, F] = [512, 256, 1024];
const x = be.fromArray(rand(T * F, 1));
const h = be.fromArray(rand(T * H, 2));
const gamma = be.fromArray(rand(H, 3));
const beta = be.fromArray(rand(H, 4));
const ln = be.fused.layerNorm!;
ms[`gelu [${T}, ${F}]`] = time(() => be.free(be.unary('gelu', x, 0)));
ms[`geluGrad [${T}, ${F}]`] = time(() => be.free(be.unary('geluGrad', x, 0)));
// attention forward (its softmax rows use exp): 8 segments of 64 tokens, 4 heads
const segs = be.fromArray(Int32Array.from({ length: 8 * 5 }, (_, i) => {
  const sg = Math.floor(i / 5);
  return [sg * 64, sg * 64 + 64, sg * 64, sg * 64 + 64, sg * 4 * 64 * 64][i % 5]!;
}));
const attnArgs = { m: T, n: T, hidden: H, heads: 4, segments: 8, probsSize: 8 * 4 * 64 * 64, scale: 1 / 8 };
ms['attention forward (8 × 64 tokens, 4 heads)'] = time(() => {
  const r = be.fused.attention!.forward(h, h, h, segs, attnArgs)!;
  be.free(r.out);
  be.free(r.probs);
});
ms[`layerNorm forward + backward [${T}, ${H}]`] = time(() => {
  const f = ln.forward(h, gamma, beta, T, H, 1e-12)!;
  const b = ln.backward(h, h, gamma, f.mean, f.rstd, T, H);
  for (const st of [f.y, f.mean, f.rstd, b.dx, b.dgamma, b.dbeta]) be.free(st);
});
// peak probe: a warm-up (the first calls may run V8's baseline code), then the best of 5 ~10 ms runs
const iters = 300_000;
peakLoop(iters, threads);
let peak = 0;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const flops = peakLoop(iters, threads);
  peak = Math.max(peak, flops / (performance.now() - t0) / 1e6);
}
console.log(JSON.stringify({ description: be.description, peak, ms }));
