// `npm run bench` entry: runs a list of sections and prints one markdown table per section;
// `--json <path>` also writes every row as JSON. `--only <name>` runs the sections whose name
// contains <name>; `--quick` shortens every measurement (for smoke runs). The row and report format
// (bench/report.ts) is shared with the browser's benchmark page (web/bench.ts).
// Sections are independent; add one by appending to `sections` below.
import { writeFileSync } from 'node:fs';
import { cpuSections } from './cpu.js';
import { earlyExitSection } from './earlyexit.js';
import { fmaSection } from './fma.js';
import { fusedSection } from './fused.js';
import { gpujsSection } from './gpujs.js';
import { modelSections } from './model.js';
import { markdown, type BenchContext, type BenchReport, type Section } from './report.js';

export const sections: Section[] = [
  ...cpuSections,
  fmaSection,
  fusedSection,
  gpujsSection,
  ...modelSections,
  earlyExitSection,
];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const ctx: BenchContext = { quick: argv.includes('--quick') };
  const only = arg('--only');
  const jsonPath = arg('--json');
  const out: BenchReport['sections'] = [];
  for (const s of sections) {
    if (only && !s.name.includes(only)) continue;
    const rows = await s.run(ctx);
    console.log(markdown(s.name, rows, s.note) + '\n');
    out.push({ section: s.name, ...(s.note ? { note: s.note } : {}), rows });
  }
  if (jsonPath) {
    const report: BenchReport = { date: new Date().toISOString(), node: process.version, sections: out };
    writeFileSync(jsonPath, JSON.stringify(report, null, 2));
    console.log(`wrote ${jsonPath}`);
  }
}

await main();
