// One model workload (workloads.ts) on the backend chosen by OFFRAMP_BACKEND (and OFFRAMP_CPU_REF), in
// its own process so every backend starts clean. Prints one JSON line: { backend, ms: [...] }.
//   node dist/bench/model-child.js encoder|encoder768|train <runs>
import { init, shutdown } from '../src/tensor/engine.js';
import { makeWorkload, workloads, type Workload } from './workloads.js';

const [workload = 'encoder', runsArg = '5'] = process.argv.slice(2);
if (!workloads.includes(workload as Workload)) throw new Error(`model-child: workload ${workload}? (${workloads.join(', ')})`);
const runs = Number(runsArg);

const be = await init({ log: false });
const step = makeWorkload(workload as Workload);
await step(); // warm-up (pipelines, pools, JIT)
const ms: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  await step();
  ms.push(performance.now() - t0);
}
console.log(JSON.stringify({ backend: be.name, description: be.description, ms }));
shutdown();
