// The benchmark page: matmul GFLOP/s, the H=256 encoder layer, the training step and early exit's
// wall clock vs FLOPs speedup on every backend this browser offers (WebGPU, wasm with threads when
// the page is cross-origin isolated, wasm on one thread), each variant in its own iframe of this
// page (bench.html?variant=…), which posts its rows back. The page shows one table per section and
// offers the JSON report, in the format of `npm run bench -- --json` (bench/report.ts).
// ?run=all starts at once and downloads the JSON when done; ?quick=1 shortens every measurement.
import { cell, columns, type BenchReport, type Row } from '../bench/report.js';
import { runVariant, type VariantName } from './bench-variant.js';

interface PageState {
  /** 'done' once every variant has reported */
  state: 'idle' | 'running' | 'done' | 'error';
  report?: BenchReport;
  error?: string;
}
const pageState: PageState = { state: 'idle' };
(window as unknown as { offramp: PageState }).offramp = pageState;

interface VariantMessage {
  type: 'offramp-bench';
  variant: VariantName;
  progress?: string;
  sections?: BenchReport['sections'];
  error?: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const query = new URLSearchParams(location.search);

function status(text: string, state: PageState['state']): void {
  const el = $('status');
  el.textContent = text;
  el.dataset.state = state;
  pageState.state = state;
}

/** The variants this browser offers, in the order they run. */
function variants(): VariantName[] {
  const out: VariantName[] = [];
  if ('gpu' in navigator) out.push('webgpu');
  if (crossOriginIsolated && navigator.hardwareConcurrency > 1) out.push('wasm-threads');
  out.push('wasm-1');
  return out;
}

/** Run one variant in a fresh iframe and collect its sections (an unavailable backend gives a row saying why). */
function inFrame(v: VariantName): Promise<BenchReport['sections']> {
  return new Promise((resolve) => {
    const frame = document.createElement('iframe');
    const q = new URLSearchParams(query);
    q.delete('run');
    q.set('variant', v);
    frame.src = `bench.html?${q}`;
    frame.hidden = true;
    const onMessage = (e: MessageEvent<VariantMessage>) => {
      if (e.source !== frame.contentWindow || e.data?.type !== 'offramp-bench') return;
      if (e.data.progress) {
        status(`running ${e.data.progress}…`, 'running');
        return;
      }
      window.removeEventListener('message', onMessage);
      frame.remove();
      resolve(e.data.sections ?? [{ section: 'backends', rows: [{ case: v, backend: `unavailable: ${e.data.error}` }] }]);
    };
    window.addEventListener('message', onMessage);
    document.body.appendChild(frame);
  });
}

/** Sections merged over variants, in order of first appearance; model rows get a speed ratio to one wasm thread. */
function merge(parts: BenchReport['sections'][]): BenchReport['sections'] {
  const out: BenchReport['sections'] = [];
  for (const part of parts) {
    for (const s of part) {
      const have = out.find((x) => x.section === s.section);
      if (have) have.rows.push(...s.rows);
      else out.push({ ...s, rows: [...s.rows] });
    }
  }
  for (const s of out.filter((x) => x.section.startsWith('model: '))) {
    const one = s.rows.find((r) => r.case === 'wasm, 1 thread')?.['median ms'];
    if (typeof one === 'number') for (const r of s.rows) if (typeof r['median ms'] === 'number') r['speed vs wasm, 1 thread'] = one / r['median ms'];
  }
  return out;
}

function table(rows: Row[]): HTMLTableElement {
  const t = document.createElement('table');
  const cols = columns(rows);
  const head = t.insertRow();
  for (const c of cols) head.appendChild(document.createElement('th')).textContent = c;
  for (const r of rows) {
    const tr = t.insertRow();
    for (const c of cols) tr.insertCell().textContent = cell(r[c]);
  }
  return t;
}

function render(report: BenchReport): void {
  const out = document.createDocumentFragment();
  for (const s of report.sections) {
    out.appendChild(document.createElement('h2')).textContent = s.section;
    if (s.note) out.appendChild(document.createElement('p')).textContent = s.note;
    out.appendChild(table(s.rows));
  }
  $('result').replaceChildren(out);
  const link = $<HTMLAnchorElement>('download');
  link.href = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }));
  link.download = `offramp-bench-${report.date.replace(/[:.]/g, '-')}.json`;
  link.hidden = false;
}

async function runAll(): Promise<void> {
  $<HTMLButtonElement>('run').disabled = true;
  const browser: BenchReport['sections'] = [{
    section: 'backends',
    rows: [{ case: 'browser', backend: navigator.userAgent, 'cross-origin isolated': String(crossOriginIsolated), 'hardware threads': navigator.hardwareConcurrency }],
  }];
  const parts = [browser];
  for (const v of variants()) {
    status(`running ${v}…`, 'running');
    parts.push(await inFrame(v));
  }
  const report: BenchReport = { date: new Date().toISOString(), browser: navigator.userAgent, sections: merge(parts) };
  render(report);
  pageState.report = report;
  status(`done: ${variants().join(', ')}${query.get('quick') === '1' ? ' (quick)' : ''}`, 'done');
  if (query.get('run') === 'all') $<HTMLAnchorElement>('download').click();
}

/** Inside a variant's iframe: measure, then post the sections (or the error) to the page. */
async function variantMain(v: VariantName): Promise<void> {
  const post = (m: Omit<VariantMessage, 'type' | 'variant'>) => parent.postMessage({ type: 'offramp-bench', variant: v, ...m }, location.origin);
  try {
    const sections = await runVariant(v, { quick: query.get('quick') === '1', model: query.get('model') }, (progress) => post({ progress }));
    post({ sections });
  } catch (err) {
    post({ error: (err as Error).message });
  }
}

const variant = query.get('variant');
if (variant !== null) {
  if (!['webgpu', 'wasm-threads', 'wasm-1'].includes(variant)) throw new Error(`URL: variant=${variant} is not webgpu, wasm-threads or wasm-1`);
  void variantMain(variant as VariantName);
} else {
  $('variants').textContent = variants().join(', ');
  $<HTMLButtonElement>('run').addEventListener('click', () => void runAll().catch(fail));
  if (query.get('run') === 'all') void runAll().catch(fail);
  else status('ready: press run (or open with ?run=all)', 'idle');
}

function fail(err: Error): void {
  pageState.error = err.message;
  status(`error: ${err.message}`, 'error');
}
