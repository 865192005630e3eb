// The benchmark's result format, shared by `npm run bench` (bench/run.ts) and the browser's benchmark
// page (web/bench.ts): sections of rows, printed as markdown tables and written as one JSON report.
// No Node imports: the page bundles this file.

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

/** What `--json` writes and the page downloads. */
export interface BenchReport {
  date: string;
  /** Node's version (`npm run bench`), absent for a page */
  node?: string;
  /** the browser's user agent (the page), absent in Node */
  browser?: string;
  sections: { section: string; note?: string; rows: Row[] }[];
}

export function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

/** Every column of the rows, in order of first appearance. */
export function columns(rows: readonly Row[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r)))];
}

export function markdown(name: string, rows: Row[], note?: string): string {
  const cols = columns(rows);
  const lines = [`### ${name}`, ''];
  if (note) lines.push(note, '');
  lines.push(`| ${cols.join(' | ')} |`, `|${cols.map(() => ' --- ').join('|')}|`);
  for (const r of rows) lines.push(`| ${cols.map((c) => cell(r[c])).join(' | ')} |`);
  return lines.join('\n');
}
