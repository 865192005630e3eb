// Per-op time of one model workload (workloads.ts) on the CPU backend: every backend call (and fused
// kernel) is timed, so the rows say where a step's time goes and which ops the worker pool speeds up
// (run it with OFFRAMP_CPU_THREADS=1 and =2; bench/threads.ts does, interleaved). Prints one JSON line:
// { ms: [step times], ops: { op: ms per step }, waitMs, jobs } (waitMs: the caller waiting for workers).
//   node dist/bench/profile-child.js encoder|encoder768|train <runs>
import type { Backend } from '../src/backend/backend.js';
import { createCpuBackend } from '../src/backend/cpu/index.js';
import { fastMatmulReady, poolStats } from '../src/backend/cpu/matmul-fast.js';
import { shutdown, useBackend } from '../src/tensor/engine.js';
import { modelWorkload, modelWorkloadNames, type ModelWorkloadName } from './workloads.js';

const [workload = 'encoder', runsArg = '5'] = process.argv.slice(2);
if (!modelWorkloadNames.includes(workload as ModelWorkloadName)) throw new Error(`profile-child: workload ${workload}? (${modelWorkloadNames.join(', ')})`);
const runs = Number(runsArg);

const totals = new Map<string, number>();
/** `fn` with its time added to `name`; nested timed calls (attention's matmuls) count in the outer op only. */
let depth = 0;
function timed<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  return ((...args: Parameters<F>) => {
    if (depth > 0) return fn(...args);
    depth++;
    const t0 = performance.now();
    try {
      return fn(...args);
    } finally {
      depth--;
      totals.set(name, (totals.get(name) ?? 0) + performance.now() - t0);
    }
  }) as F;
}

const be = createCpuBackend();
const wrapped = Object.fromEntries(Object.entries(be).map(([k, v]) => [k, typeof v === 'function' && k !== 'liveBuffers' ? timed(k, v as () => unknown) : v])) as unknown as Backend;
const fused: Record<string, unknown> = {};
for (const [name, kernel] of Object.entries(be.fused)) {
  if (typeof kernel === 'function') fused[name] = timed(name, kernel as () => unknown);
  else if (kernel) fused[name] = Object.fromEntries(Object.entries(kernel).map(([k, v]) => [k, timed(`${name} ${k}`, v as () => unknown)]));
}
useBackend({ ...wrapped, fused } as Backend);
await fastMatmulReady();

const w = modelWorkload(workload as ModelWorkloadName);
const step = () => w.step();
await step(); // warm-up (JIT, pool)
totals.clear();
poolStats.jobs = 0;
poolStats.waitMs = 0;
const ms: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  await step();
  ms.push(performance.now() - t0);
}
const ops = Object.fromEntries([...totals].map(([k, v]) => [k, v / runs]));
w.dispose();
console.log(JSON.stringify({ description: be.description, ms, ops, waitMs: poolStats.waitMs / runs, jobs: poolStats.jobs / runs }));
shutdown();
