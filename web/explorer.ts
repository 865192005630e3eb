// The explorer page: label sentences with a served checkpoint and show, layer by layer, each word's
// off-ramp uncertainty, which rows were computed and where each word left. Everything runs through
// the library: checkpointFromContents builds the model, evaluate() runs the exit policy
// (labelBatch → HaltAndCopy) and counts FLOPs, its onLayer hook gives the per-layer picture.
import { init, type BackendName } from '../src/backend/registry.js';
import { fastMatmulReady } from '../src/backend/cpu/matmul-fast.js';
import { mergeWindows, type PackedBatch } from '../src/data/batch.js';
import type { Sentence } from '../src/data/sentence.js';
import { evaluate, type EvalResult } from '../src/earlyexit/evaluate.js';
import type { LayerTrace } from '../src/earlyexit/infer.js';
import type { ExitPolicy } from '../src/earlyexit/policy.js';
import { windowUncertainty } from '../src/earlyexit/uncertainty.js';
import { checkpointFromContents, type Checkpoint } from '../src/io/checkpoint-format.js';
import { loadServedCheckpoint, servedModels } from './served.js';

/** What the page shows, as in its URL. */
interface View {
  model: string;
  text: string;
  policy: ExitPolicy['kind'];
  threshold: number;
  window: number;
  layers: number;
}

/** Exposed for the browser tests and the curious (devtools). */
interface PageState {
  backend?: { name: string; description: string; threads: number; crossOriginIsolated: boolean };
  result?: { policy: string; labels: string[][]; exitLayers: number[][]; speedup: number; seconds: number };
  error?: string;
}
const pageState: PageState = {};
(window as unknown as { offramp: PageState }).offramp = pageState;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string, state: 'idle' | 'loading' | 'running' | 'done' | 'error') => {
  const el = $('status');
  el.textContent = text;
  el.dataset.state = state;
};

function readView(models: readonly string[]): View {
  const q = new URLSearchParams(location.search);
  const number = (key: string, fallback: number) => {
    const v = Number(q.get(key));
    return q.has(key) && Number.isFinite(v) ? v : fallback;
  };
  const policy = q.get('policy') ?? 'tokee';
  if (!['full', 'static', 'sentee', 'tokee'].includes(policy)) throw new Error(`URL: policy=${policy} is not one of full, static, sentee, tokee`);
  const model = q.get('model') ?? models[0] ?? '';
  if (model !== '' && !models.includes(model)) throw new Error(`URL: model=${model} is not served (served: ${models.join(', ') || 'none'})`);
  return {
    model,
    text: q.get('text') ?? 'John lives in New York',
    policy: policy as View['policy'],
    threshold: number('threshold', 0.1),
    window: number('window', 2),
    layers: number('layers', 1),
  };
}

function writeView(v: View): void {
  const q = new URLSearchParams(location.search);
  for (const [k, x] of Object.entries(v)) q.set(k, String(x));
  history.replaceState(null, '', `?${q}`);
}

function policyOf(v: View, layers: number): ExitPolicy {
  switch (v.policy) {
    case 'full':
      return { kind: 'full' };
    case 'static':
      return { kind: 'static', layers: Math.min(layers, Math.max(1, Math.round(v.layers))) };
    case 'sentee':
      return { kind: 'sentee', threshold: v.threshold };
    case 'tokee':
      return { kind: 'tokee', threshold: v.threshold, halfWidth: Math.round(v.window) };
  }
}

/** A checkpoint from files the user chose or dropped (config.json, vocab.txt, labels.txt, model.safetensors). */
async function checkpointFromFiles(files: FileList): Promise<Checkpoint> {
  const byName = new Map([...files].map((f) => [f.name, f]));
  const file = (name: string) => {
    const f = byName.get(name);
    if (!f) throw new Error(`dropped files: ${name} is missing (need config.json, vocab.txt, labels.txt, model.safetensors)`);
    return f;
  };
  const [configText, vocabText, labelsText, weights] = await Promise.all([
    file('config.json').text(), file('vocab.txt').text(), file('labels.txt').text(),
    file('model.safetensors').arrayBuffer().then((b) => new Uint8Array(b)),
  ]);
  return checkpointFromContents({ configText, vocabText, labelsText, weights }, 'dropped files');
}

async function startBackend(): Promise<void> {
  const asked = new URLSearchParams(location.search).get('backend');
  if (asked !== null && asked !== 'cpu' && asked !== 'webgpu') throw new Error(`URL: backend=${asked} is not cpu or webgpu`);
  const want: BackendName = asked ?? ('gpu' in navigator ? 'webgpu' : 'cpu');
  const be = await init({ prefer: want, log: false });
  const threads = be.name === 'cpu' ? await fastMatmulReady() : 1;
  pageState.backend = { name: be.name, description: be.description, threads, crossOriginIsolated };
}

/** Per batch sentence: its input sentence and, per layer, its words' uncertainty and computed flags. */
interface SentenceTrace {
  sentence: number;
  layers: { u: Float64Array; computed: boolean[] }[];
}

function collect(traces: SentenceTrace[]) {
  return (batch: PackedBatch, idx: readonly number[], t: LayerTrace) => {
    // per sentence of this batch, its windows (a sentence longer than the model takes) rejoined
    const u = mergeWindows(batch, t.uncertainty);
    const computed = mergeWindows(batch, t.computed);
    idx.forEach((sentence, j) => {
      let st = traces.find((x) => x.sentence === sentence);
      if (!st) traces.push((st = { sentence, layers: [] }));
      st.layers[t.layer - 1] = { u: Float64Array.from(u[j]!), computed: computed[j]! };
    });
  };
}

function heat(u: number): string {
  const light = 96 - Math.round(Math.min(1, Math.max(0, u)) * 60);
  return `hsl(20 85% ${light}%)`;
}

function render(ck: Checkpoint, v: View, sentences: Sentence[], r: EvalResult, traces: SentenceTrace[]): void {
  const L = ck.model.layers;
  const out = document.createDocumentFragment();
  for (const st of traces) {
    const s = sentences[st.sentence]!;
    const table = document.createElement('table');
    table.className = 'heat';
    const head = table.insertRow();
    for (const h of ['word', 'label', 'exit', ...Array.from({ length: L }, (_, l) => `L${l + 1}`)]) head.appendChild(document.createElement('th')).textContent = h;
    // the window maximum TOKEE compares with δ, per layer over the sentence's words
    const win = st.layers.map((x) => windowUncertainty(x.u, Math.round(v.window)));
    s.words.forEach((word, j) => {
      const row = table.insertRow();
      const exit = r.exitLayers[st.sentence]![j]!;
      row.insertCell().textContent = word;
      row.cells[0]!.className = 'word';
      row.insertCell().textContent = r.predictions[st.sentence]![j]!;
      row.insertCell().textContent = String(exit);
      for (let l = 0; l < L; l++) {
        const cell = row.insertCell();
        const layer = st.layers[l];
        if (!layer || Number.isNaN(layer.u[j]!)) continue; // the sentence had stopped
        if (!layer.computed[j]) {
          cell.className = 'copied';
          cell.textContent = '↑';
          cell.title = `layer ${l + 1}: halted, state copied`;
          continue;
        }
        const u = layer.u[j]!;
        cell.textContent = u.toFixed(2);
        cell.style.background = heat(u);
        cell.title = `layer ${l + 1}: uncertainty ${u.toFixed(3)}, window max ${win[l]![j]!.toFixed(3)}, δ ${v.threshold}`;
        if (v.policy === 'tokee' && win[l]![j]! >= v.threshold) cell.classList.add('over');
        if (l + 1 === exit) cell.classList.add('exit');
      }
    });
    out.appendChild(table);
  }
  $('result').replaceChildren(out);
  const be = pageState.backend!;
  $('summary').textContent = `${r.policy}: ${r.words} words, mean exit layer ${r.meanExitLayer.toFixed(2)} of ${L}, ` +
    `FLOPs speedup ${r.speedup.toFixed(2)}×, ${(r.seconds * 1000).toFixed(1)} ms on ${be.name} (${be.description})`;
}

async function main(): Promise<void> {
  await startBackend();
  const models = await servedModels();
  const view = readView(models);
  const select = $<HTMLSelectElement>('model');
  for (const m of models) select.add(new Option(m, m));
  const controls = {
    policy: $<HTMLSelectElement>('policy'), threshold: $<HTMLInputElement>('threshold'),
    window: $<HTMLInputElement>('window'), layers: $<HTMLInputElement>('layers'), text: $<HTMLTextAreaElement>('text'),
  };
  select.value = view.model;
  controls.policy.value = view.policy;
  controls.threshold.value = String(view.threshold);
  controls.window.value = String(view.window);
  controls.layers.value = String(view.layers);
  controls.text.value = view.text;
  let ck: Checkpoint | null = null;
  let loaded = '';
  /** checkpoints from files, by their entry in the select (never in the URL: the files stay in the page) */
  const local = new Map<string, Checkpoint>();
  let busy = false;
  let again = false;
  const run = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const v: View = {
        model: select.value, text: controls.text.value, policy: controls.policy.value as View['policy'],
        threshold: Number(controls.threshold.value), window: Number(controls.window.value), layers: Number(controls.layers.value),
      };
      for (const k of ['threshold', 'window', 'layers'] as const) $(`${k}-out`).textContent = String(v[k]);
      if (!local.has(v.model)) writeView(v);
      if (v.model === '') {
        status('no checkpoint served (offramp serve --model DIR): choose or drop a checkpoint\'s files', 'idle');
        return;
      }
      if (loaded !== v.model) {
        status(`loading ${v.model}…`, 'loading');
        if (ck && !local.has(loaded)) ck.model.dispose();
        ck = local.get(v.model) ?? (await loadServedCheckpoint(v.model));
        loaded = v.model;
        controls.layers.max = String(ck.model.layers);
      }
      status('running…', 'running');
      const sentences = v.text.split('\n').map((line) => ({ words: line.split(/\s+/).filter((w) => w !== ''), labels: [] }));
      const traces: SentenceTrace[] = [];
      const r = await evaluate(ck!.model, sentences, ck!.tokenizer, ck!.labels, { policy: policyOf(v, ck!.model.layers), onLayer: collect(traces) });
      traces.sort((a, b) => a.sentence - b.sentence);
      render(ck!, v, sentences, r, traces);
      pageState.result = { policy: r.policy, labels: r.predictions, exitLayers: r.exitLayers, speedup: r.speedup, seconds: r.seconds };
      status('done', 'done');
    } catch (err) {
      pageState.error = (err as Error).message;
      status(`error: ${(err as Error).message}`, 'error');
    } finally {
      busy = false;
    }
    if (again) {
      again = false;
      await run();
    }
  };
  for (const el of [select, ...Object.values(controls)]) el.addEventListener('input', () => void run());
  const addFiles = async (files: FileList): Promise<void> => {
    try {
      const name = `dropped ${local.size + 1}`;
      local.set(name, await checkpointFromFiles(files));
      select.add(new Option(name, name));
      select.value = name;
      await run();
    } catch (err) {
      pageState.error = (err as Error).message;
      status(`error: ${(err as Error).message}`, 'error');
    }
  };
  const input = $<HTMLInputElement>('files');
  input.addEventListener('change', () => void (input.files && addFiles(input.files)));
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer?.files.length) void addFiles(e.dataTransfer.files);
  });
  await run();
}

main().catch((err: Error) => {
  pageState.error = err.message;
  status(`error: ${err.message}`, 'error');
});
