// One backend variant of the benchmark page, measured inside its own iframe (the engine's backend
// is chosen once per page, as each backend runs in its own process under `npm run bench`). The
// workloads are bench/workloads.ts, shared with Node; the rows are in bench/report.ts's format.
import { fastMatmulOptions, fastMatmulReady } from '../src/backend/cpu/matmul-fast.js';
import { init } from '../src/backend/registry.js';
import type { Backend } from '../src/backend/backend.js';
import { packBatch } from '../src/data/batch.js';
import { makeSyntheticTask } from '../src/data/synthetic.js';
import { calibrate } from '../src/earlyexit/calibrate.js';
import { evaluate } from '../src/earlyexit/evaluate.js';
import type { ExitPolicy } from '../src/earlyexit/policy.js';
import type { BenchReport, Row } from '../bench/report.js';
import { earlyExitRows, matmulShapes, median, modelRow, modelWorkload, modelWorkloadNotes, timeMatmul, timePolicies, timeRuns, type ModelWorkloadName } from '../bench/workloads.js';
import { loadServedCheckpoint, servedModels } from './served.js';

export type VariantName = 'webgpu' | 'wasm-threads' | 'wasm-1';

export interface VariantOptions {
  /**
   * a smoke run (tests, a first look): one timed run after the warm-up, model workloads on B=2
   * sentences instead of 8, early exit on 16 sentences at ~2× only
   */
  quick: boolean;
  /** the served checkpoint for the early-exit section (default: the first served) */
  model: string | null;
}

type Sections = BenchReport['sections'];

export const sectionNotes = {
  backends: 'Each variant runs in its own iframe of this page (the backend is chosen once per page, as each backend has its own process in `npm run bench`).',
  matmul: 'GFLOP/s = 2·M·K·N / median time per product; each timed run is about 50 MFLOP of products then a device sync, after a warm-up (bench/workloads.ts timeMatmul).',
  earlyExit: 'Median seconds to label synthetic sentences (src/data/synthetic.ts, seed 1) with a served checkpoint, at SENTEE/TOKEE (k = 2) thresholds calibrated on the same sentences for ~2× and ~3× FLOPs speedup; measured speedup = full time / policy time in the same iframe; ratio = measured / FLOPs speedup.',
} as const;

async function startBackend(v: VariantName): Promise<{ be: Backend; label: string }> {
  if (v === 'webgpu') return { be: await init({ prefer: 'webgpu', log: false }), label: 'webgpu' };
  if (v === 'wasm-1') fastMatmulOptions.threads = 1; // before the pool starts: no workers
  const be = await init({ prefer: 'cpu', log: false });
  const threads = await fastMatmulReady();
  return { be, label: `wasm, ${threads} thread${threads === 1 ? '' : 's'}` };
}

async function adapterRow(): Promise<Record<string, string>> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { adapter: 'none' };
  const i = adapter.info;
  return { vendor: i.vendor, architecture: i.architecture, device: i.device, 'adapter description': i.description };
}

async function earlyExit(label: string, o: VariantOptions): Promise<Row[]> {
  const models = await servedModels();
  const name = o.model ?? models[0];
  if (name === undefined) return [{ case: `${label}: skipped: no checkpoint served (offramp serve --model DIR)` }];
  const { model, tokenizer, labels } = await loadServedCheckpoint(name);
  const count = o.quick ? 16 : 64;
  const sentences = makeSyntheticTask(1, { train: 0, dev: count, test: 0 }).dev;
  const policies: [string, ExitPolicy][] = [['full', { kind: 'full' }]];
  for (const kind of ['sentee', 'tokee'] as const) {
    for (const target of o.quick ? [2] : [2, 3]) {
      const policy = kind === 'sentee' ? { kind, threshold: 0 } : { kind, threshold: 0, halfWidth: 2 };
      const c = await calibrate(model, sentences, tokenizer, labels, { policy, target, maxEvaluations: o.quick ? 5 : 10 });
      policies.push([`${kind === 'sentee' ? 'SENTEE' : 'TOKEE k=2'} ~${target}×`, { ...policy, threshold: c.threshold }]);
    }
  }
  const flops: number[] = [];
  for (const [, policy] of policies) flops.push((await evaluate(model, sentences, tokenizer, labels, { policy })).speedup);
  const rows: Row[] = [];
  for (const batch of [1, o.quick ? 16 : 32]) {
    const batches = [];
    for (let i = 0; i < sentences.length; i += batch) batches.push(packBatch(sentences.slice(i, i + batch), tokenizer, labels, { maxPositions: model.cfg.bert.maxPositions }));
    const seconds = await timePolicies(model, batches, policies.map(([, p]) => p), o.quick ? 1 : 3);
    rows.push(...earlyExitRows(`${label}, ${name}, batch ${batch}, ${count} sentences`, policies.map(([n]) => n), seconds, flops));
  }
  model.dispose();
  return rows;
}

/** Every section's rows for one variant. */
export async function runVariant(v: VariantName, o: VariantOptions, progress: (what: string) => void): Promise<Sections> {
  const { be, label } = await startBackend(v);
  const runs = o.quick ? 1 : 5;
  const B = o.quick ? 2 : 8;
  const backendRow: Row = { case: label, backend: be.description, ...(v === 'webgpu' ? await adapterRow() : {}) };
  const out: Sections = [{ section: 'backends', note: sectionNotes.backends, rows: [backendRow] }];
  const matmul: Row[] = [];
  for (const shape of matmulShapes) {
    progress(`${label}: matmul ${shape.join('×')}`);
    const t = await timeMatmul(be, shape, runs);
    matmul.push({ case: shape.join('×'), backend: label, 'median ms': median(t.ms), 'GFLOP/s': t.gflops });
  }
  out.push({ section: 'matmul f32', note: sectionNotes.matmul, rows: matmul });
  for (const name of ['encoder', 'train'] as ModelWorkloadName[]) {
    progress(`${label}: ${modelWorkloadNotes[name].title}`);
    const w = modelWorkload(name, B);
    const ms = await timeRuns(() => w.step(), runs);
    w.dispose();
    const note = `${modelWorkloadNotes[name].note}${o.quick ? ' Quick run: B=2 sentences (128 rows), not 8.' : ''}`;
    out.push({ section: modelWorkloadNotes[name].title, note, rows: [modelRow(name, label, be.description, ms, B)] });
  }
  progress(`${label}: early exit`);
  const note = `${sectionNotes.earlyExit}${o.quick ? ' Quick run: 16 sentences, ~2× only, one timed run.' : ''}`;
  out.push({ section: 'early exit: wall-clock vs FLOPs speedup', note, rows: await earlyExit(label, o) });
  return out;
}
