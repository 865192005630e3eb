// Where the second core helps and where it idles: the per-op profile (profile-child.ts) of an encoder
// layer and a training step with OFFRAMP_CPU_THREADS=1 and =2, each in its own process, interleaved
// (1, 2, 1, 2, …) so load changes on a shared machine hit both alike. Prints, per workload, each op's
// median ms per step on 1 and 2 threads, its share of the 1-thread step and its 1→2 speed-up, then the
// step itself and the caller's wait for workers (synchronisation and imbalance). First it prints the
// SIMD peak probe on 1 and 2 threads: whether a second core is free at all.
//   node dist/bench/threads.js [rounds=5] [runs per process=5] [workloads=encoder,train]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fastMatmulReady, peakLoop } from '../src/backend/cpu/matmul-fast.js';

const child = fileURLToPath(new URL('./profile-child.js', import.meta.url));
const [rounds = 5, runs = 5] = process.argv.slice(2, 4).map(Number);
const which = (process.argv[4] ?? 'encoder,train').split(',');
const threads = ['1', '2'];

interface Profile { ms: number[]; ops: Record<string, number>; waitMs: number; jobs: number }

function profile(workload: string, n: string): Profile {
  const r = spawnSync(process.execPath, [child, workload, String(runs)], { env: { ...process.env, OFFRAMP_BACKEND: 'cpu', OFFRAMP_CPU_THREADS: n }, encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`profile-child ${workload} (${n} threads): ${r.stderr.slice(-1000)}`);
  return JSON.parse(line) as Profile;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

// first, how much of a second core there is: the SIMD peak loop on 1 and on 2 threads, alternately
if ((await fastMatmulReady()) > 1) {
  const rate: Record<number, number[]> = { 1: [], 2: [] };
  for (let r = 0; r < 5; r++) {
    for (const n of [1, 2]) {
      const t0 = performance.now();
      const flops = peakLoop(2e6, n);
      rate[n]!.push(flops / (performance.now() - t0) / 1e6);
    }
  }
  process.stdout.write(`peak probe, median of 5: ${median(rate[1]!).toFixed(0)} GFLOP/s on 1 thread, ${median(rate[2]!).toFixed(0)} GFLOP/s on 2 (in all)\n`);
}
process.stdout.write(`${rounds} rounds × ${runs} steps per process, threads interleaved; medians over processes (each process: mean per step)\n`);
for (const workload of which) {
  const got = new Map<string, Profile[]>(threads.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) for (const n of threads) got.get(n)!.push(profile(workload, n));
  const med = (n: string, pick: (p: Profile) => number) => median(got.get(n)!.map(pick));
  const step1 = med('1', (p) => mean(p.ms)); // a mean per process, as the per-op times
  const ops = [...new Set(got.get('1')!.flatMap((p) => Object.keys(p.ops)))];
  const rows = ops.map((op) => ({ op, t1: med('1', (p) => p.ops[op] ?? 0), t2: med('2', (p) => p.ops[op] ?? 0) })).sort((a, b) => b.t1 - a.t1);
  const lines = [`\n### ${workload}\n`, '| op | 1 thread ms | share | 2 threads ms | share | 1→2 speed-up |', '|---|---|---|---|---|---|'];
  const step2 = med('2', (p) => mean(p.ms));
  for (const { op, t1, t2 } of rows) {
    if (t1 < 0.005 * step1) continue;
    lines.push(`| ${op} | ${f(t1)} | ${(100 * t1 / step1).toFixed(0)}% | ${f(t2)} | ${(100 * t2 / step2).toFixed(0)}% | ${(t1 / t2).toFixed(2)}× |`);
  }
  const other1 = step1 - rows.reduce((s, r) => s + r.t1, 0);
  const other2 = step2 - rows.reduce((s, r) => s + r.t2, 0);
  lines.push(`| (outside the backend: autograd, JS) | ${f(other1)} | ${(100 * other1 / step1).toFixed(0)}% | ${f(other2)} | ${(100 * other2 / step2).toFixed(0)}% | ${(other1 / other2).toFixed(2)}× |`);
  lines.push(`| **step** | ${f(step1)} | 100% | ${f(step2)} | 100% | ${(step1 / step2).toFixed(2)}× |`);
  lines.push(`| caller waiting for workers (in matmul/attention) | | | ${f(med('2', (p) => p.waitMs))} | ${(100 * med('2', (p) => p.waitMs) / step2).toFixed(0)}% | ${f(med('2', (p) => p.jobs))} pool jobs per step |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
