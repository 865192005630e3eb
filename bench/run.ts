// `npm run bench` entry: runs a list of sections and prints one markdown table per section;
// `--json <path>` also writes every row as JSON. `--only <name>` runs the sections whose name
// contains <name>; `--quick` shortens every measurement (for smoke runs).
// Sections are independent; add one by appending to `sections` below.
import { writeFileSync } from 'node:fs';
import { cpuSections } from './cpu.js';
import { earlyExitSection } from './earlyexit.js';
import { fmaSection } from './fma.js';
import { fusedSection } from './fused.js';
import { gpujsSection } from './gpujs.js';
import { modelSections } from './model.js';

export interface BenchContext {
  quick: boolean;
}

/** One result row: a case and its measured values (numbers are printed with 3 significant digits). */
export interface Row {
  case: string;
  [metric: string]: string | number;
}

export interface Section {
  name: string;
  /** what the rows mean, printed under the heading */
  note?: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export const sections: Section[] = [
  ...cpuSections,
  fmaSection,
  fusedSection,
  gpujsSection,
  ...modelSections,
  earlyExitSection,
];

function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

export function markdown(name: string, rows: Row[], note?: string): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [`### ${name}`, ''];
  if (note) lines.push(note, '');
  lines.push(`| ${cols.join(' | ')} |`, `|${cols.map(() => ' --- ').join('|')}|`);
  for (const r of rows) lines.push(`| ${cols.map((c) => cell(r[c])).join(' | ')} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const ctx: BenchContext = { quick: argv.includes('--quick') };
  const only = arg('--only');
  const jsonPath = arg('--json');
  const out: { section: string; rows: Row[] }[] = [];
  for (const s of sections) {
    if (only && !s.name.includes(only)) continue;
    const rows = await s.run(ctx);
    console.log(markdown(s.name, rows, s.note) + '\n');
    out.push({ section: s.name, rows });
  }
  if (jsonPath) {
    writeFileSync(jsonPath, JSON.stringify({ date: new Date().toISOString(), node: process.version, sections: out }, null, 2));
    console.log(`wrote ${jsonPath}`);
  }
}

await main();
