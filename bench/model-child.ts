// One model workload (bench/workloads.ts) on the backend chosen by OFFRAMP_BACKEND (and
// OFFRAMP_CPU_REF), in its own process so every backend starts clean. Prints one JSON line:
// { backend, description, ms: [...] }.
//   node dist/bench/model-child.js encoder|train <runs>
import { init, shutdown } from '../src/tensor/engine.js';
import { modelWorkload, timeRuns, type ModelWorkloadName } from './workloads.js';

const [workload = 'encoder', runsArg = '5'] = process.argv.slice(2);
if (workload !== 'encoder' && workload !== 'train') throw new Error(`model-child: unknown workload ${workload}`);
const be = await init({ log: false });
const w = modelWorkload(workload as ModelWorkloadName);
const ms = await timeRuns(() => w.step(), Number(runsArg));
w.dispose();
console.log(JSON.stringify({ backend: be.name, description: be.description, ms }));
shutdown();
