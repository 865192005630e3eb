// Wall-clock cost of early exit on one backend (chosen by OFFRAMP_BACKEND), in its own process.
// Labels the first N CoNLL-2003 dev sentences with the full model and with SENTEE/TOKEE at the
// given thresholds, at the given batch size (bench/workloads.ts timePolicies); prints one JSON line
// of median seconds per policy.
//   node dist/bench/earlyexit-child.js <checkpoint> <batchSentences> <runs> <policies JSON>
import { packBatch } from '../src/data/batch.js';
import { readConll } from '../src/data/conll.js';
import { dataPath } from '../src/data/paths.js';
import type { ExitPolicy } from '../src/earlyexit/policy.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import { init, shutdown } from '../src/tensor/engine.js';
import { timePolicies } from './workloads.js';

const [dir, batchArg, runsArg, policiesArg, limitArg = '320'] = process.argv.slice(2);
const be = await init({ log: false });
const { model, tokenizer, labels } = await loadCheckpoint(dir!);
const sentences = readConll(dataPath('conll2003', 'eng.testa')).slice(0, Number(limitArg));
const per = Number(batchArg);
const batches = [];
for (let i = 0; i < sentences.length; i += per) batches.push(packBatch(sentences.slice(i, i + per), tokenizer, labels, { maxPositions: model.cfg.bert.maxPositions }));
const policies = JSON.parse(policiesArg!) as ExitPolicy[];
const seconds = await timePolicies(model, batches, policies, Number(runsArg));
console.log(JSON.stringify({ backend: be.name, seconds }));
shutdown();
