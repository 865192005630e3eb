// What the resident set of an `offramp eval` is made of, stage by stage, in one process
// (docs/performance.md, "Memory"): after start-up, after loading the checkpoint, after reading the data,
// after one evaluate pass, and after a forced GC. Each row: RSS, peak RSS so far, the JS heap (used and
// reserved), ArrayBuffers outside the JS heap, and the wasm memory; then the time loadCheckpoint took.
//   node --expose-gc dist/bench/memory-stages.js --model DIR --data FILE.conll [--batch-pieces 2048]
import { wasmHeap } from '../src/backend/cpu/heap.js';
import { readConll } from '../src/data/conll.js';
import { evaluate } from '../src/earlyexit/evaluate.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import { init } from '../src/tensor/engine.js';

const argv = process.argv.slice(2);
const arg = (flag: string, fallback?: string): string => {
  const i = argv.indexOf(flag);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new Error('usage: node --expose-gc dist/bench/memory-stages.js --model DIR --data FILE [--batch-pieces N]');
  return v;
};
const model = arg('--model');
const data = arg('--data');
const batchPieces = Number(arg('--batch-pieces', '2048'));

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
process.stdout.write('| stage | RSS MB | peak RSS MB | JS heap used MB | JS heap reserved MB | ArrayBuffers MB | wasm memory MB |\n|---|---|---|---|---|---|---|\n');
const row = (stage: string) => {
  const m = process.memoryUsage();
  process.stdout.write(`| ${stage} | ${mb(m.rss)} | ${mb(process.resourceUsage().maxRSS * 1024)} | ${mb(m.heapUsed)} | ${mb(m.heapTotal)} | ${mb(m.arrayBuffers)} | ${mb(wasmHeap().memoryBytes)} |\n`);
};

await init({ log: false, prefer: 'cpu' });
row('started');
const t0 = performance.now();
const ckpt = await loadCheckpoint(model);
const loadMs = performance.now() - t0;
row('checkpoint loaded');
const sentences = readConll(data);
row('data read');
await evaluate(ckpt.model, sentences, ckpt.tokenizer, ckpt.labels, { policy: { kind: 'full' }, batchPieces });
row(`evaluated (full, batch ${batchPieces})`);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  row('after a forced GC');
}
process.stdout.write(`\nloadCheckpoint: ${loadMs.toFixed(0)} ms\n`);
ckpt.model.dispose();
