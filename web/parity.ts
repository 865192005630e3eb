// The op parity page: runs the op parity cases (test/backend/opcases.ts) on the page's backend,
// WebGPU through navigator.gpu or the wasm CPU backend, for the seeds in the URL, and exposes the
// values for the browser test, which compares them with the same cases run in Node on the CPU.
import { init } from '../src/backend/registry.js';
import { gradOps } from '../src/ops/index.js';
import { runOpCase, type OpResult } from '../test/backend/opcases.js';

interface PageState {
  backend?: { name: string; description: string };
  results?: OpResult[];
  error?: string;
}
const pageState: PageState = {};
(window as unknown as { offramp: PageState }).offramp = pageState;

const status = (text: string, state: 'running' | 'done' | 'error') => {
  const el = document.getElementById('status')!;
  el.textContent = text;
  el.dataset.state = state;
};

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const backend = q.get('backend') ?? 'webgpu';
  if (backend !== 'webgpu' && backend !== 'cpu') throw new Error(`URL: backend=${backend} is not cpu or webgpu`);
  const seeds = (q.get('seeds') ?? '1,2,3').split(',').map(Number);
  if (seeds.some((s) => !Number.isInteger(s))) throw new Error(`URL: seeds=${q.get('seeds')} is not a list of integers`);
  const be = await init({ prefer: backend, log: false });
  pageState.backend = { name: be.name, description: be.description };
  const results: OpResult[] = [];
  const table = document.createElement('table');
  table.insertRow().innerHTML = '<th>op</th><th>seed</th><th>outputs</th><th>inputs</th><th>ms</th>';
  for (const op of gradOps) {
    for (const seed of seeds) {
      status(`running ${op}, seed ${seed} on ${be.name}…`, 'running');
      const t0 = performance.now();
      const r = await runOpCase(op, seed);
      results.push(r);
      const row = table.insertRow();
      for (const v of [op, seed, r.forward.length, r.grads.map((g) => g.length).join(', '), (performance.now() - t0).toFixed(1)]) row.insertCell().textContent = String(v);
    }
  }
  pageState.results = results;
  document.getElementById('result')!.replaceChildren(table);
  status(`${results.length} cases (${gradOps.length} ops × ${seeds.length} seeds) on ${be.name} (${be.description})`, 'done');
}

main().catch((err: Error) => {
  pageState.error = err.message;
  status(`error: ${err.message}`, 'error');
});
