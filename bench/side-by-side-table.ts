// The table of bench/side-by-side.sh: per workload and engine, the median over rounds of each run's
// median, and its ratio to PyTorch on one thread (time ÷ PyTorch's time; above 1: slower than PyTorch).
//   node dist/bench/side-by-side-table.js side-by-side.jsonl
import { readFileSync } from 'node:fs';

interface Rec { engine: string; variant?: string; threads?: number; workload: string; medianMs: number; shape?: { H?: number } }

const recs = readFileSync(process.argv[2]!, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Rec);
/** workload names of the peers' scripts (the JS peers give the width in `shape.H`) → one name per workload */
const workloadOf = (r: Rec): string | null =>
  /^encoder768|encoder_fwd_H768/.test(r.workload) || (/^encoder/.test(r.workload) && r.shape?.H === 768) ? 'encoder layer H=768'
    : /^encoder/.test(r.workload) ? 'encoder layer H=256' : /^train/.test(r.workload) ? 'training step (4 layers, H=256)' : null;
const engineOf = (r: Rec): string => {
  if (r.engine === 'offramp') return 'offramp (cpu, 2 threads)';
  if (r.engine.startsWith('torch')) return `PyTorch ${r.engine.slice(6)} (${r.threads} thread${r.threads === 1 ? '' : 's'})`;
  return `${r.engine}${r.variant ? ` ${r.variant}` : ''}`;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const groups = new Map<string, Map<string, number[]>>();
for (const r of recs) {
  const w = workloadOf(r);
  if (!w || !Number.isFinite(r.medianMs)) continue;
  if (!groups.has(w)) groups.set(w, new Map());
  const g = groups.get(w)!;
  const e = engineOf(r);
  g.set(e, [...(g.get(e) ?? []), r.medianMs]);
}
const lines = ['| workload | engine | median ms (runs) | ÷ PyTorch 1 thread | tokens/s |', '|---|---|---|---|---|'];
for (const [w, g] of groups) {
  const torch1 = [...g].find(([e]) => e.startsWith('PyTorch') && e.endsWith('(1 thread)'));
  const ref = torch1 ? median(torch1[1]) : NaN;
  for (const [e, ms] of [...g].sort((a, b) => median(a[1]) - median(b[1]))) {
    const m = median(ms);
    lines.push(`| ${w} | ${e} | ${m.toFixed(1)} (${ms.length}) | ${(m / ref).toFixed(2)} | ${w.startsWith('training') ? (512 / m * 1000).toFixed(0) : ''} |`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
