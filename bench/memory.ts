// Peak memory of `offramp eval` and `offramp tag` on a checkpoint (docs/performance.md, "Memory"). Each
// run is its own process with bench/memory-hook.js loaded, which reports at exit the peak resident set
// (getrusage maxRSS: wasm heap, JS heap, worker threads, file buffers) and the wasm heap: the memory it
// grew to, the allocator's high-water mark and the most bytes live at once. Medians over the runs.
// Then, in this process, `evaluate` over the same data again and again with changing batch sizes: the
// wasm memory and resident set after each pass.
//   node dist/bench/memory.js --model DIR --data FILE.conll [--runs 3] [--batch-pieces 2048,512]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveCheckpoint } from '../src/io/rundir.js';
import { readConll } from '../src/data/conll.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import { evaluate } from '../src/earlyexit/evaluate.js';
import { init } from '../src/tensor/engine.js';
import { wasmHeap } from '../src/backend/cpu/heap.js';

const argv = process.argv.slice(2);
const arg = (flag: string, fallback?: string): string => {
  const i = argv.indexOf(flag);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`usage: node dist/bench/memory.js --model DIR --data FILE [--runs N] [--batch-pieces N,N]`);
  return v;
};
const model = arg('--model');
const data = arg('--data');
const runs = Number(arg('--runs', '3'));
const batches = arg('--batch-pieces', '2048').split(',');

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const hook = fileURLToPath(new URL('./memory-hook.js', import.meta.url));
const weightsMB = statSync(join(resolveCheckpoint(model), 'model.safetensors')).size / 2 ** 20;
const sentencesFile = join(mkdtempSync(join(tmpdir(), 'offramp-memory-')), 'sentences.txt');
writeFileSync(sentencesFile, readConll(data).map((s) => s.words.join(' ')).join('\n') + '\n');

type Stats = Record<string, number>;
function once(args: string[], input?: string): Stats {
  const r = spawnSync(process.execPath, ['--import', hook, cli, ...args], {
    encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, OFFRAMP_BACKEND: 'cpu' }, ...(input ? { input: readFileSync(input) } : {}),
  });
  const line = r.stderr.split('\n').find((l) => l.includes('"memoryStats"'));
  if (r.status !== 0 || !line) throw new Error(`offramp ${args.join(' ')}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Stats;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const cases: [string, string[]][] = batches.flatMap((b) => [
  [`eval full, batch ${b}`, ['eval', '--model', model, '--data', data, '--quiet', '--batch-pieces', b]],
  [`eval tokee 0.1, batch ${b}`, ['eval', '--model', model, '--data', data, '--quiet', '--policy', 'tokee', '--batch-pieces', b]],
  [`tag full, batch ${b}`, ['tag', '--model', model, '--file', sentencesFile, '--batch-pieces', b]],
] as [string, string[]][]);
process.stdout.write(`weights (model.safetensors): ${weightsMB.toFixed(1)} MB; ${runs} run(s) per case, medians\n\n`);
process.stdout.write('| case | peak RSS MB | wasm memory MB | heap high-water MB | heap peak live MB |\n|---|---|---|---|---|\n');
for (const [name, args] of cases) {
  const all = Array.from({ length: runs }, () => once(args));
  const m = (k: string) => median(all.map((s) => s[k]!)).toFixed(0);
  process.stdout.write(`| ${name} | ${m('peakRssMB')} | ${m('wasmMemoryMB')} | ${m('heapHighWaterMB')} | ${m('heapPeakLiveMB')} |\n`);
}

await init({ log: false, prefer: 'cpu' });
const ckpt = await loadCheckpoint(model);
const sentences = readConll(data);
const passes = [2048, 2048, 1024, 512, 4096, 2048, 1024];
const after: string[] = [];
for (const batchPieces of passes) {
  await evaluate(ckpt.model, sentences, ckpt.tokenizer, ckpt.labels, { policy: { kind: 'full' }, batchPieces });
  after.push(`| ${batchPieces} | ${(wasmHeap().memoryBytes / 2 ** 20).toFixed(0)} | ${(wasmHeap().blocks.highWaterBytes / 2 ** 20).toFixed(0)} | ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} |`);
}
process.stdout.write(`\nRepeated evaluate (full) in one process, after each pass:\n\n| batch pieces | wasm memory MB | heap high-water MB | RSS MB |\n|---|---|---|---|\n${after.join('\n')}\n`);
ckpt.model.dispose();
