// Model workloads on every available backend, each in a child process (bench/model-child.ts),
// so the ratios compare backends measured in the same run: one BERT encoder layer forward
// (H=256, 4 heads, B=8, S=64) and one training step (4 layers, 9 labels, AdamW) in tokens/s.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext, Row, Section } from './report.js';
import { median, modelRow, modelWorkloadNotes, type ModelWorkloadName } from './workloads.js';

const child = fileURLToPath(new URL('./model-child.js', import.meta.url));

interface Variant {
  name: string;
  env: Record<string, string>;
}

const variants: Variant[] = [
  { name: 'cpu (reference loops)', env: { OFFRAMP_BACKEND: 'cpu', OFFRAMP_CPU_REF: '1' } },
  { name: 'cpu', env: { OFFRAMP_BACKEND: 'cpu' } },
  { name: 'webgpu', env: { OFFRAMP_BACKEND: 'webgpu' } },
  { name: 'gpujs', env: { OFFRAMP_BACKEND: 'gpujs' } },
];

function runChild(v: Variant, workload: string, runs: number): { ms: number[]; description: string } | string {
  const r = spawnSync(process.execPath, [child, workload, String(runs)], {
    env: { ...process.env, ...v.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return `unavailable: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()}`;
  return JSON.parse(line) as { ms: number[]; description: string };
}

function section(workload: ModelWorkloadName): Section {
  return {
    name: modelWorkloadNotes[workload].title,
    note: `${modelWorkloadNotes[workload].note} Each backend in its own process, same run.`,
    async run(ctx: BenchContext): Promise<Row[]> {
      const rows: Row[] = [];
      let refMs = NaN;
      for (const v of variants) {
        const slow = v.env.OFFRAMP_CPU_REF === '1' || v.name === 'gpujs';
        const r = runChild(v, workload, ctx.quick || slow ? 3 : 7);
        if (typeof r === 'string') {
          rows.push({ case: v.name, backend: r });
          continue;
        }
        const ms = median(r.ms);
        if (v.env.OFFRAMP_CPU_REF === '1') refMs = ms;
        rows.push({ ...modelRow(workload, v.name, r.description, r.ms), 'speed vs reference': refMs / ms });
      }
      return rows;
    },
  };
}

export const modelSections: Section[] = [section('encoder'), section('train')];
