// The CPU backend's two kernel variants side by side: relaxed-SIMD FMA and mul+add (OFFRAMP_CPU_FMA,
// src/backend/cpu/fma.ts). The variant is fixed per process, so every measurement is a child process
// (kernels-child.ts, model-child.ts), run interleaved (FMA, mul+add, FMA, …) so load changes on a shared
// machine hit both alike. Rows give medians over all runs of all rounds.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext, Row, Section } from './report.js';

const kernelsChild = fileURLToPath(new URL('./kernels-child.js', import.meta.url));
const modelChild = fileURLToPath(new URL('./model-child.js', import.meta.url));

const paths = [['FMA', '1'], ['mul+add', '0']] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function child(script: string, args: string[], fma: string): Record<string, unknown> | string {
  const r = spawnSync(process.execPath, [script, ...args], {
    env: { ...process.env, OFFRAMP_BACKEND: 'cpu', OFFRAMP_CPU_FMA: fma },
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return `unavailable: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()}`;
  return JSON.parse(line) as Record<string, unknown>;
}

export const fmaSection: Section = {
  name: 'cpu: FMA vs mul+add',
  note: 'The same kernels compiled with f32x4.relaxed_madd (FMA) and with f32x4 mul then add, each in its own process, interleaved over rounds; medians over every run of every round. matmul: GFLOP/s = 2·M·K·N / median time at the matmul section\'s shapes, on the pool (OFFRAMP_CPU_THREADS); row kernels (GELU, geluGrad, layerNorm forward + backward) through the backend at the model\'s shapes, ms per call; encoder layer and training step as in the model sections. `FMA ÷ mul+add` is the speed ratio (above 1: FMA faster). Peak probe: the best of 5 runs per process (on the pool\'s threads), median over processes.',
  async run(ctx: BenchContext): Promise<Row[]> {
    const rounds = ctx.quick ? 2 : 5;
    const runs = ctx.quick ? 3 : 5;
    // case → path → times (ms)
    const times = new Map<string, Map<string, number[]>>();
    const flopsOf = new Map<string, number>();
    const notes = new Map<string, string>();
    const add = (c: string, path: string, ms: number[]) => {
      if (!times.has(c)) times.set(c, new Map());
      const m = times.get(c)!;
      m.set(path, [...(m.get(path) ?? []), ...ms]);
    };
    for (let r = 0; r < rounds; r++) {
      for (const [path, env] of paths) {
        const mm = child(kernelsChild, [String(runs)], env);
        if (typeof mm === 'string') notes.set(path, mm);
        else {
          notes.set(path, String(mm.description));
          add('peak probe', path, [1 / (mm.peak as number)]); // as time per flop, so the median and ratio read alike
          for (const [c, ms] of Object.entries(mm.ms as Record<string, number[]>)) {
            add(c, path, ms);
            if (c.startsWith('matmul ')) flopsOf.set(c, 2 * c.slice(7).split('×').map(Number).reduce((p, d) => p * d, 1));
          }
        }
        for (const workload of ['encoder', 'train'] as const) {
          const w = child(modelChild, [workload, String(runs)], env);
          if (typeof w !== 'string') add(workload === 'encoder' ? 'encoder layer H=256' : 'training step', path, w.ms as number[]);
        }
      }
    }
    const rows: Row[] = [];
    for (const [c, byPath] of times) {
      const [f, u] = [median(byPath.get('FMA') ?? []), median(byPath.get('mul+add') ?? [])];
      const runsCell = `${byPath.get('FMA')?.length ?? 0} + ${byPath.get('mul+add')?.length ?? 0}`;
      const flops = flopsOf.get(c);
      if (c === 'peak probe') rows.push({ case: c, unit: 'GFLOP/s', FMA: 1 / f, 'mul+add': 1 / u, 'FMA ÷ mul+add': u / f, runs: runsCell });
      else if (flops) rows.push({ case: c, unit: 'GFLOP/s', FMA: flops / f / 1e6, 'mul+add': flops / u / 1e6, 'FMA ÷ mul+add': u / f, runs: runsCell });
      else rows.push({ case: c, unit: 'ms', FMA: f, 'mul+add': u, 'FMA ÷ mul+add': u / f, runs: runsCell });
      if (c === 'training step') rows.push({ case: c, unit: 'tokens/s', FMA: 512 / (f / 1000), 'mul+add': 512 / (u / 1000), 'FMA ÷ mul+add': u / f, runs: runsCell });
    }
    const d = (path: string) => notes.get(path)?.match(/f32 matmul: ([^;]*)/)?.[1] ?? notes.get(path) ?? '';
    rows.push({ case: 'backend', unit: '', FMA: d('FMA'), 'mul+add': d('mul+add'), 'FMA ÷ mul+add': '', runs: `${rounds} rounds × ${runs}` });
    return rows;
  },
};
