// Does early exit save wall-clock time, not just FLOPs? The full model and SENTEE/TOKEE at the
// thresholds that gave ~2×/3×/4× FLOPs speedup in the reproduction (results/conll/seed1.json,
// chosen on dev), timed on CoNLL-2003 dev sentences at batch 1 and batch 32, per backend, each
// backend in its own process. Reports measured speedup / FLOPs speedup (target ≥ 0.8).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readConll } from '../src/data/conll.js';
import { dataPath } from '../src/data/paths.js';
import { evaluate } from '../src/earlyexit/evaluate.js';
import type { ExitPolicy } from '../src/earlyexit/policy.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import type { BenchContext, Row, Section } from './report.js';
import { earlyExitRows } from './workloads.js';

const child = fileURLToPath(new URL('./earlyexit-child.js', import.meta.url));
const checkpoint = process.env.OFFRAMP_EE_MODEL ?? 'runs/conll/seed1/self-sampling';
const resultsFile = process.env.OFFRAMP_EE_RESULTS ?? 'results/conll/seed1.json';

interface TableRow {
  target: number;
  threshold: number;
}

export const earlyExitSection: Section = {
  name: 'early exit: wall-clock vs FLOPs speedup',
  note: `Median seconds (3 runs after a warm-up) to label the first CoNLL-2003 dev sentences (checkpoint ${checkpoint}, thresholds from ${resultsFile}); measured speedup = full time / policy time in the same process; ratio = measured / FLOPs speedup.`,
  async run(ctx: BenchContext): Promise<Row[]> {
    if (!existsSync(checkpoint) || !existsSync(resultsFile)) {
      return [{ case: `skipped: needs ${checkpoint} and ${resultsFile} (run experiments/reproduce.js conll first)` }];
    }
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { selfSampling?: { sentee?: TableRow[]; tokee?: TableRow[] }; args: { window: string } };
    const k = Number(results.args.window);
    const policies: [string, ExitPolicy][] = [['full', { kind: 'full' }]];
    for (const r of results.selfSampling?.sentee ?? []) policies.push([`SENTEE ~${r.target}×`, { kind: 'sentee', threshold: r.threshold }]);
    for (const r of results.selfSampling?.tokee ?? []) policies.push([`TOKEE k=${k} ~${r.target}×`, { kind: 'tokee', halfWidth: k, threshold: r.threshold }]);
    // fewer sentences on WebGPU: on a software Vulkan driver every layer of batch 1 costs several ms
    const limits: Record<string, number> = { cpu: ctx.quick ? 64 : 320, webgpu: ctx.quick ? 32 : 64 };
    const { model, tokenizer, labels } = await loadCheckpoint(checkpoint);
    const allDev = readConll(dataPath('conll2003', 'eng.testa'));
    const rows: Row[] = [];
    for (const backend of ['cpu', 'webgpu']) {
      const limit = limits[backend]!;
      // FLOPs speedups on exactly the timed sentences
      const flops: number[] = [];
      for (const [, policy] of policies) flops.push((await evaluate(model, allDev.slice(0, limit), tokenizer, labels, { policy })).speedup);
      for (const batch of [1, 32]) {
        const r = spawnSync(process.execPath, [child, checkpoint, String(batch), ctx.quick ? '1' : '3', JSON.stringify(policies.map(([, p]) => p)), String(limit)], {
          env: { ...process.env, OFFRAMP_BACKEND: backend, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
          encoding: 'utf8',
          timeout: 30 * 60_000,
        });
        const line = r.stdout.trim().split('\n').pop() ?? '';
        if (r.status !== 0 || !line.startsWith('{')) {
          rows.push({ case: `${backend}, batch ${batch}`, policy: `unavailable: ${(r.stderr || `exit ${r.status}`).trim().split('\n').pop()}` });
          continue;
        }
        const { seconds } = JSON.parse(line) as { seconds: number[] };
        rows.push(...earlyExitRows(`${backend}, batch ${batch}, ${limit} sentences`, policies.map(([name]) => name), seconds, flops));
      }
    }
    return rows;
  },
};
