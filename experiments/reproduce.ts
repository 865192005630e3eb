// The reproduction on real data (Table 1 and Figures 2, 3, 5, 6, 7 analogues) for one data set and
// one seed. Every step caches its checkpoint under --runs, so an interrupted run resumes; the
// numbers go to results/<dataset>/seed<N>.json, which experiments/report.ts turns into
// docs/results.md and the SVG figures.
//   node dist/experiments/reproduce.js conll --seed 1 --epochs 2
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packBatch, type PackedBatch } from '../src/data/batch.js';
import { planBatches, pieceCount } from '../src/data/batcher.js';
import { LabelSet, type Sentence } from '../src/data/sentence.js';
import { buildVocab } from '../src/data/vocab.js';
import { readVocabFile, WordPiece } from '../src/data/wordpiece.js';
import { fastMatmulOptions } from '../src/backend/cpu/matmul-fast.js';
import { calibrate } from '../src/earlyexit/calibrate.js';
import { chooseMetric, evaluate, type EvalResult, type Metric } from '../src/earlyexit/evaluate.js';
import { activePiecesFromExits, baselineFlops, earlyExitFlops, type FlopsShape } from '../src/earlyexit/flops.js';
import { EarlyExitModel } from '../src/earlyexit/model.js';
import type { ExitPolicy } from '../src/earlyexit/policy.js';
import { trainSelfSampling, type SelfSamplingOptions } from '../src/earlyexit/selfsampling.js';
import { loadCheckpoint, saveCheckpoint } from '../src/io/checkpoint.js';
import { guessLowercase, labelerFromHf, readHfBert } from '../src/io/hf.js';
import { hasCheckpoint, RunDir } from '../src/io/rundir.js';
import { spanF1 } from '../src/metrics/spans.js';
import { tokenAccuracy } from '../src/metrics/accuracy.js';
import { preset } from '../src/nn/bert.js';
import { runTraining } from '../src/cli/trainer.js';
import { init } from '../src/tensor/engine.js';
import { Rng } from '../src/tensor/random.js';
import { datasets, evenlySpacedLayers, loadSplit } from './datasets.js';

const { values: v, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'tiny' },
    hidden: { type: 'string' },
    epochs: { type: 'string', default: '3' },
    'stage2-epochs': { type: 'string', default: '2' },
    lr: { type: 'string', default: '1e-3' },
    'batch-pieces': { type: 'string', default: '1024' },
    'build-vocab': { type: 'string', default: '20000' },
    vocab: { type: 'string' },
    init: { type: 'string' },
    'encoder-lr-ratio': { type: 'string', default: '1' },
    static: { type: 'string', default: '6,4,3' },
    ablations: { type: 'boolean', default: false },
    parts: { type: 'string', default: 'stage1,stage2,curve,windows,static,ablations' },
    window: { type: 'string', default: '2' },
    windows: { type: 'string', default: '0,1,2,3,5' },
    targets: { type: 'string', default: '2,3,4' },
    'calib-dev': { type: 'string', default: '600' },
    'max-sentences': { type: 'string' },
    runs: { type: 'string', default: 'runs' },
    results: { type: 'string', default: 'results' },
    tag: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const usage = `Usage: node dist/experiments/reproduce.js <${Object.keys(datasets).join('|')}> [options]
  --seed N  --preset tiny|small  --hidden H (with heads and FFN of the preset's ratio)  --epochs N (stage 1)  --stage2-epochs N  --lr X  --batch-pieces N
  --build-vocab N     whole words in the vocabulary built from training data
  --vocab FILE        a vocab.txt instead (e.g. from offramp vocab)
  --init DIR          start every model from a pretrained Hugging Face BERT directory (offramp
                      pretrain); a static n-layer model takes n evenly spaced layers of it
                      (DistilBERT's initialisation, without distillation)
  --encoder-lr-ratio R  encoder lr = lr·R (default 1)
  --static 6,4,3      depths of the static baselines trained as such ('' to skip)
  --ablations         also train random-sampling stage 2 (Figure 6)
  --parts LIST        which evaluations to (re)run: stage1,stage2,curve,windows,static,ablations; the
                      others keep their values from an existing results JSON (checkpoints are reused)
  --window K          TOKEE half-width for the table;  --windows 0,1,2,3,5 for Figure 3
  --targets 2,3,4     FLOPs speedups to calibrate on dev;  --calib-dev N dev sentences used for it
  --max-sentences N   first N sentences of every split (smoke runs)
  --runs DIR (checkpoints)  --results DIR (JSON)
  --tag NAME          a variant of the recipe: its checkpoints and JSON go under <set>-NAME, apart
                      from the main results (link checkpoints in to reuse them)`;

if (v.help || positionals.length !== 1 || !datasets[positionals[0]!]) {
  console.error(usage);
  process.exit(v.help ? 0 : 2);
}

const key = positionals[0]!;
const spec = datasets[key]!;
const seed = Number(v.seed);
const numList = (s: string) => (s === '' ? [] : s.split(',').map(Number));
const limit = v['max-sentences'] ? Number(v['max-sentences']) : Infinity;
const setDir = v.tag ? `${key}-${v.tag}` : key;
const runDir = join(v.runs!, setDir, `seed${seed}`);
const started = performance.now();
const log = (msg: string) => console.error(`[${((performance.now() - started) / 60000).toFixed(1)} min] ${msg}`);

await init();
const [train, dev, test] = (['train', 'dev', 'test'] as const).map((s) => loadSplit(spec, s).slice(0, limit)) as [Sentence[], Sentence[], Sentence[]];
log(`${spec.name}: train ${train.length}, dev ${dev.length}, test ${test.length} sentences`);
const calibDev = new Rng(seed).shuffle([...dev]).slice(0, Number(v['calib-dev']));

interface Trained {
  model: EarlyExitModel;
  tokenizer: WordPiece;
  labels: LabelSet;
  seconds: number;
}

/** The arguments a checkpoint's training depends on, saved with it and checked when it is reused. */
const stage1Settings = () => ({
  preset: v.preset, hidden: v.hidden ?? null, epochs: v.epochs, lr: v.lr, 'batch-pieces': v['batch-pieces'], 'build-vocab': v['build-vocab'],
  ...(v.vocab ? { vocab: v.vocab } : {}), ...(v.init ? { init: v.init, 'encoder-lr-ratio': v['encoder-lr-ratio'] } : {}),
});
const stage2Settings = () => ({ 'stage2-epochs': v['stage2-epochs'], lr: v.lr, 'batch-pieces': v['batch-pieces'] });

/**
 * A cached checkpoint, refused if it was trained with other settings (older checkpoints saved none),
 * or null if its training was interrupted (the best epoch so far is saved, but not marked complete).
 */
async function cached(dir: string, settings: Record<string, unknown>): Promise<Trained | null> {
  if (!hasCheckpoint(dir)) return null;
  const c = await loadCheckpoint(dir);
  const saved = c.config.info.settings as Record<string, unknown> | undefined;
  if (saved && c.config.info.complete !== true) {
    c.model.dispose();
    log(`${dir}: training was interrupted, starting it again`);
    return null;
  }
  for (const [name, want] of Object.entries(settings)) {
    if (saved && saved[name] !== want) {
      console.error(`reproduce: ${dir} was trained with --${name} ${String(saved[name])}, this run asks for ${String(want)}: use another --runs or --tag, or delete that checkpoint`);
      process.exit(1);
    }
  }
  log(`loaded ${dir}${saved ? '' : ' (saved without its settings: not checked)'}`);
  return { model: c.model, tokenizer: c.tokenizer, labels: c.labels, seconds: Number(c.config.info.trainSeconds ?? NaN) };
}

/** Stage 1 (joint) for a model of `layers` layers, or its cached checkpoint. */
async function stage1(dir: string, layers: number): Promise<Trained> {
  const done = await cached(dir, stage1Settings());
  if (done) return done;
  const labels = LabelSet.fromSentences(train);
  let tokenizer: WordPiece;
  let model: EarlyExitModel;
  if (v.init) {
    const hf = await readHfBert(v.init);
    tokenizer = hf.tokenizer;
    model = labelerFromHf(evenlySpacedLayers(hf, layers), labels.size, 0.1, seed);
  } else {
    if (v.vocab) {
      const vocab = readVocabFile(v.vocab);
      tokenizer = new WordPiece(vocab, { lowercase: guessLowercase(vocab) }, v.vocab);
    } else {
      tokenizer = new WordPiece(buildVocab(train, { maxWords: Number(v['build-vocab']), lowercase: false }), { lowercase: false }, 'built vocabulary');
    }
    const base = preset(v.preset as 'tiny', tokenizer.size);
    const hidden = v.hidden ? Number(v.hidden) : base.hidden;
    const bert = { ...base, layers, hidden, ffn: 4 * hidden };
    model = new EarlyExitModel({ bert, numLabels: labels.size, offRampDropout: 0.1 }, seed);
  }
  const t0 = performance.now();
  const epochs = Number(v.epochs);
  const steps = planBatches(train.map((s) => pieceCount(s, tokenizer)), { maxPieces: Number(v['batch-pieces']) }).length * epochs;
  const run = RunDir.open(dir, 'force'); // an interrupted training is started again
  const outcome = await runTraining({
    model, tokenizer, labels, train, dev, metric: chooseMetric(labels.labels), batchPieces: Number(v['batch-pieces']), run, settings: stage1Settings(),
    options: { epochs, lr: Number(v.lr), encoderLrRatio: Number(v['encoder-lr-ratio']), warmup: Math.round(0.1 * steps), seed, schedule: 'linear' },
    info: { dataset: key, layers, seed, stage: 1, settings: stage1Settings() },
    quiet: !process.stderr.isTTY,
  });
  run.release();
  const seconds = (performance.now() - t0) / 1000;
  log(`stage 1 (${layers} layers): best epoch ${outcome.bestEpoch}, dev ${outcome.bestDev}, ${(seconds / 60).toFixed(1)} min`);
  model.dispose();
  const c = await loadCheckpoint(dir); // the best epoch
  await saveCheckpoint(dir, c.model, c.tokenizer, c.labels, { ...c.config.info, trainSeconds: seconds, complete: true });
  return { model: c.model, tokenizer: c.tokenizer, labels: c.labels, seconds };
}

/** Stage 2 from the stage-1 checkpoint, or its cached checkpoint. */
async function stage2(name: string, base: string, sampling: Partial<SelfSamplingOptions>): Promise<Trained> {
  const dir = join(runDir, name);
  const done = await cached(dir, stage2Settings());
  if (done) return done;
  const c = await loadCheckpoint(base);
  const maxPositions = c.model.cfg.bert.maxPositions;
  const plan = planBatches(train.map((s) => pieceCount(s, c.tokenizer)), { maxPieces: Number(v['batch-pieces']), rng: new Rng(seed + 7) });
  const batches: PackedBatch[] = plan.map((idx) => packBatch(idx.map((i) => train[i]!), c.tokenizer, c.labels, { maxPositions }));
  const epochs = Number(v['stage2-epochs']);
  const t0 = performance.now();
  let step = 0;
  await trainSelfSampling(c.model, batches, sampling, { epochs, lr: Number(v.lr) / 2, warmup: Math.round(0.1 * batches.length * epochs), seed }, {
    onStep: (i) => {
      if (++step % 50 === 0) log(`${name}: step ${step}/${i.totalSteps} loss ${i.loss.toFixed(4)}`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  await saveCheckpoint(dir, c.model, c.tokenizer, c.labels, { dataset: key, seed, stage: 2, sampling, trainSeconds: seconds, settings: stage2Settings(), complete: true });
  log(`${name}: ${(seconds / 60).toFixed(1)} min`);
  return { model: c.model, tokenizer: c.tokenizer, labels: c.labels, seconds };
}

/** What a JSON row keeps of an evaluation. */
function summary(r: EvalResult) {
  return {
    score: r.score, speedup: r.speedup, officialSpeedup: r.officialSpeedup, seconds: r.seconds, exitHistogram: r.exitHistogram, meanExitLayer: r.meanExitLayer,
    flops: r.flops, baselineFlops: r.baselineFlops, words: r.words,
  };
}

/** Per-sentence FLOPs and scores of an evaluation by length bucket (Figure 5). */
const buckets: [number, number][] = [[1, 10], [11, 20], [21, 35], [36, Infinity]];
function byBucket(t: Trained, r: EvalResult, metric: Metric) {
  const { bert, numLabels } = t.model.cfg;
  const shape: FlopsShape = { layers: bert.layers, hidden: bert.hidden, ffn: bert.ffn, heads: bert.heads, labels: numLabels };
  return buckets.map(([lo, hi]) => {
    const idx = test.map((s, i) => (s.words.length >= lo && s.words.length <= hi ? i : -1)).filter((i) => i >= 0);
    let ee = 0;
    let base = 0;
    for (const i of idx) {
      const pieces = test[i]!.words.map((w) => t.tokenizer.tokenizeWord(w).length);
      const N = pieces.reduce((a, b) => a + b, 2);
      ee += earlyExitFlops(shape, N, pieces.length, activePiecesFromExits(bert.layers, r.exitLayers[i]!, pieces));
      base += baselineFlops(shape, N, pieces.length);
    }
    const gold = idx.map((i) => test[i]!.labels);
    const pred = idx.map((i) => r.predictions[i]!);
    const score = idx.length === 0 ? null : metric === 'f1' ? spanF1(gold, pred).f1 : tokenAccuracy(gold, pred).accuracy;
    return { bucket: `${lo}-${hi === Infinity ? '' : hi}`, sentences: idx.length, score, speedup: base / Math.max(ee, 1) };
  });
}

async function evalTest(t: Trained, policy: ExitPolicy): Promise<EvalResult> {
  return evaluate(t.model, test, t.tokenizer, t.labels, { policy });
}

/** Thresholds for each target speedup chosen on the calibration dev sentences, then scored on test. */
async function table(t: Trained, policy: Extract<ExitPolicy, { kind: 'sentee' | 'tokee' }>, targets: number[]) {
  const rows = [];
  for (const target of targets) {
    const c = await calibrate(t.model, calibDev, t.tokenizer, t.labels, { policy, target, maxEvaluations: 14, tolerance: 0.03 });
    const r = await evalTest(t, { ...policy, threshold: c.threshold });
    log(`  ${policy.kind}${policy.kind === 'tokee' ? ` k=${policy.halfWidth}` : ''} target ${target}×: δ=${c.threshold.toPrecision(3)} dev ${c.result.speedup.toFixed(2)}× → test ${r.score?.toFixed(4)} at ${r.speedup.toFixed(2)}×`);
    rows.push({ target, threshold: c.threshold, dev: { speedup: c.result.speedup, score: c.result.score, reached: c.reached }, test: summary(r) });
  }
  return rows;
}

/** What the pretrained encoder's run recorded (offramp pretrain's trainer_state.json). */
function pretrainingSummary(dir: string): Record<string, unknown> {
  const s = JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')) as { step: number; options: Record<string, unknown>; history: Record<string, unknown>[]; seconds?: number };
  const o = s.options;
  // a run started with `pretrain --init` continues another: its summary nests that one's
  const init = typeof o.init === 'string' ? pretrainingSummary(o.init) : null;
  return { dir, steps: s.step, bert: o.bert, sources: o.sources, seqLen: o.seqLen, batchPieces: o.batchPieces, lr: o.lr, seconds: s.seconds ?? null, heldOut: s.history.at(-1) ?? null, init };
}

const curveThresholds = [0.02, 0.05, 0.1, 0.2, 0.3, 0.45];

mkdirSync(runDir, { recursive: true });
const out: Record<string, unknown> = {
  dataset: key, name: spec.name, task: spec.task, seed,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, matmulThreads: fastMatmulOptions.threads },
  args: v,
  sizes: { train: train.length, dev: dev.length, test: test.length, calibDev: calibDev.length },
  ...(v.init ? { pretraining: pretrainingSummary(v.init) } : {}),
};
const resultsDir = join(v.results!, setDir);
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, `seed${seed}.json`);
const parts = new Set(v.parts!.split(','));
// parts not rerun keep their numbers from an earlier run; saving re-reads the file and replaces only
// what this process computed, so runs of different --parts may work on one file at the same time
const readResults = (): Record<string, unknown> => (existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : {});
const loaded = readResults();
for (const [k, x] of Object.entries(loaded)) if (!(k in out)) out[k] = x;
const save = () => {
  const disk = readResults();
  for (const [k, x] of Object.entries(out)) if (x !== loaded[k]) disk[k] = x;
  writeFileSync(resultsFile, `${JSON.stringify(disk, null, 1)}\n`);
};

const targets = numList(v.targets!);
const k = Number(v.window);
const tokee = (halfWidth: number): Extract<ExitPolicy, { kind: 'tokee' }> => ({ kind: 'tokee', halfWidth, threshold: 0 });
const sentee: Extract<ExitPolicy, { kind: 'sentee' }> = { kind: 'sentee', threshold: 0 };

// stage 1 and its full-model and early-exit rows (the static baselines do not need it)
const needsStage1 = ['stage1', 'stage2', 'curve', 'windows', 'ablations'].some((p) => parts.has(p));
const s1 = needsStage1 ? await stage1(join(runDir, 'stage1'), 12) : null;
const metric = chooseMetric(LabelSet.fromSentences(train).labels);
if (s1) {
  const { bert } = s1.model.cfg;
  out.shape = { layers: bert.layers, hidden: bert.hidden, ffn: bert.ffn, heads: bert.heads, labels: s1.model.cfg.numLabels };
}
if (s1 && parts.has('stage1')) {
  const full = await evalTest(s1, { kind: 'full' });
  const o: Record<string, unknown> = { trainSeconds: s1.seconds, full: summary(full), fullBuckets: byBucket(s1, full, metric) };
  out.stage1 = o;
  log(`stage 1 full model: test ${full.score}`);
  o.sentee = await table(s1, sentee, targets);
  o.tokee = await table(s1, tokee(k), targets);
  save();
  out.staticPolicy = {};
  for (const depth of [6, 4, 3]) (out.staticPolicy as Record<string, unknown>)[depth] = summary(await evalTest(s1, { kind: 'static', layers: depth }));
  save();
}

// stage 2: self-sampling (official settings), the table, curves, windows, buckets, exit layers
let s2: Trained | null = null;
if (s1 && (parts.has('stage2') || parts.has('curve') || parts.has('windows'))) {
  s2 = await stage2('self-sampling', join(runDir, 'stage1'), {});
  const s2Out = { ...(out.selfSampling ?? {}) } as Record<string, unknown>;
  out.selfSampling = s2Out;
  if (parts.has('stage2')) {
    const s2Full = await evalTest(s2, { kind: 'full' });
    Object.assign(s2Out, { trainSeconds: s2.seconds, full: summary(s2Full), fullBuckets: byBucket(s2, s2Full, metric) });
    s2Out.sentee = await table(s2, sentee, targets);
    s2Out.tokee = await table(s2, tokee(k), targets);
    save();
  }
  if (parts.has('curve')) {
    const curve: Record<string, unknown[]> = { sentee: [], tokee: [] };
    for (const threshold of curveThresholds) {
      for (const policy of [{ ...sentee, threshold }, { ...tokee(k), threshold }]) {
        const r = await evalTest(s2, policy);
        curve[policy.kind]!.push({ threshold, ...summary(r), buckets: byBucket(s2, r, metric) });
      }
      log(`  curve δ=${threshold}`);
      s2Out.curve = curve;
      save();
    }
  }
  if (parts.has('windows')) {
    const windows: unknown[] = [];
    s2Out.windows = windows;
    for (const w of numList(v.windows!)) {
      const same = w === k ? (s2Out.tokee as { target: number }[] | undefined)?.find((r) => r.target === 3) : undefined;
      const [row] = same ? [same] : await table(s2, tokee(w), [3]);
      windows.push({ halfWidth: w, ...row });
      save();
    }
  }
}

// static baselines trained as such (the paper's DistilBERT / n-layer stand-in), and the static policy of the joint model
if (parts.has('static')) {
  out.static = {};
  for (const depth of numList(v.static!)) {
    const m = await stage1(join(runDir, `static${depth}`), depth);
    const r = await evalTest(m, { kind: 'full' });
    // FLOPs speedup against the 12-layer full model: its baseline is this model's with 12 − depth more layers
    const perLayer = (r.baselineFlops - 2 * m.model.cfg.bert.hidden * m.model.cfg.numLabels * r.words) / depth;
    const speedupVs12 = (r.baselineFlops + (12 - depth) * perLayer) / r.flops;
    (out.static as Record<string, unknown>)[depth] = { trainSeconds: m.seconds, ...summary(r), speedup: speedupVs12, ownSpeedup: r.speedup };
    log(`static ${depth} layers: test ${r.score} at ${speedupVs12.toFixed(2)}× against the 12-layer model`);
    m.model.dispose();
    save();
  }
}

// Figure 6: random exit layers in stage 2, against self-sampling and stage 1 (no stage 2)
if (v.ablations && parts.has('ablations')) {
  s2?.model.dispose();
  const rnd = await stage2('random-sampling', join(runDir, 'stage1'), { exitSource: 'random' });
  out.randomSampling = { trainSeconds: rnd.seconds, full: summary(await evalTest(rnd, { kind: 'full' })), tokee: await table(rnd, tokee(k), targets) };
  save();
}
out.totalMinutes = (Number(out.totalMinutes) || 0) * (parts.size < 6 ? 1 : 0) + (performance.now() - started) / 60000;
save();
log(`done: ${join(resultsDir, `seed${seed}.json`)}`);
process.exit(0);
