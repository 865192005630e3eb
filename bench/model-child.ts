// One model workload (bench/workloads.ts) on the backend chosen by OFFRAMP_BACKEND (and
// OFFRAMP_CPU_REF), in its own process so every backend starts clean. Prints one JSON line:
// { backend, description, ms: [...] }.
//   node dist/bench/model-child.js encoder|encoder768|train <runs>
import { init, shutdown } from '../src/tensor/engine.js';
import { modelWorkload, modelWorkloadNames, timeRuns, type ModelWorkloadName } from './workloads.js';

const [workload = 'encoder', runsArg = '5'] = process.argv.slice(2);
if (!modelWorkloadNames.includes(workload as ModelWorkloadName)) throw new Error(`model-child: workload ${workload}? (${modelWorkloadNames.join(', ')})`);
const be = await init({ log: false });
const w = modelWorkload(workload as ModelWorkloadName);
const ms = await timeRuns(() => w.step(), Number(runsArg));
w.dispose();
console.log(JSON.stringify({ backend: be.name, description: be.description, ms }));
shutdown();
