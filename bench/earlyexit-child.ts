// Wall-clock cost of early exit on one backend (chosen by OFFRAMP_BACKEND), in its own process.
// Labels the first N CoNLL-2003 dev sentences with the full model and with SENTEE/TOKEE at the
// given thresholds, at the given batch size; prints one JSON line of median seconds per policy.
//   node dist/bench/earlyexit-child.js <checkpoint> <batchSentences> <runs> <policies JSON>
import { packBatch } from '../src/data/batch.js';
import { readConll } from '../src/data/conll.js';
import { dataPath } from '../src/data/paths.js';
import { labelBatch } from '../src/earlyexit/infer.js';
import type { ExitPolicy } from '../src/earlyexit/policy.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import { init, shutdown } from '../src/tensor/engine.js';

const [dir, batchArg, runsArg, policiesArg, limitArg = '320'] = process.argv.slice(2);
const be = await init({ log: false });
const { model, tokenizer, labels } = await loadCheckpoint(dir!);
const sentences = readConll(dataPath('conll2003', 'eng.testa')).slice(0, Number(limitArg));
const per = Number(batchArg);
const batches = [];
for (let i = 0; i < sentences.length; i += per) batches.push(packBatch(sentences.slice(i, i + per), tokenizer, labels, { maxPositions: model.cfg.bert.maxPositions }));
const policies = JSON.parse(policiesArg!) as ExitPolicy[];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const seconds: number[] = [];
for (const policy of policies) {
  const times: number[] = [];
  for (let r = 0; r < Number(runsArg) + 1; r++) {
    const t0 = performance.now();
    for (const b of batches) await labelBatch(model, b, policy);
    if (r > 0) times.push((performance.now() - t0) / 1000); // run 0 warms up
  }
  seconds.push(median(times));
}
console.log(JSON.stringify({ backend: be.name, seconds }));
shutdown();
