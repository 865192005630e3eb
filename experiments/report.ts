// Turns results/<dataset>/seed<N>.json (written by experiments/reproduce.ts) into docs/results.md's
// tables and the SVG figures in docs/figures/. Numbers are copied, never typed.
//   node dist/experiments/report.js [--results results] [--out docs]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lineChart, type Series } from '../src/cli/svg.js';
import { scoreAtSpeedup } from '../src/earlyexit/tradeoff.js';

const { values: v } = parseArgs({ options: { results: { type: 'string', default: 'results' }, out: { type: 'string', default: 'docs' } } });

interface Summary { score: number | null; speedup: number; officialSpeedup: number; seconds: number; exitHistogram: number[]; meanExitLayer: number }
interface Row { target: number; threshold: number; dev: { speedup: number; score: number | null; reached: boolean }; test: Summary }
interface Bucket { bucket: string; sentences: number; score: number | null; speedup: number }
interface CurvePoint extends Summary { threshold: number; buckets: Bucket[] }
interface Result {
  dataset: string; name: string; task: string; seed: number; machine: { cpus: number; cpu?: string; node: string; matmulThreads?: number };
  args: Record<string, unknown>; sizes: Record<string, number>; totalMinutes?: number;
  pretraining?: Pretraining;
  stage1?: { trainSeconds: number; full: Summary; fullBuckets: Bucket[]; sentee?: Row[]; tokee?: Row[] };
  selfSampling?: { trainSeconds: number; full: Summary; fullBuckets: Bucket[]; sentee?: Row[]; tokee?: Row[]; curve?: { sentee: CurvePoint[]; tokee: CurvePoint[] }; windows?: (Row & { halfWidth: number })[] };
  static?: Record<string, Summary & { trainSeconds: number }>;
  staticPolicy?: Record<string, Summary>;
  randomSampling?: { trainSeconds: number; full: Summary; tokee: Row[] };
}

interface Pretraining {
  bert?: unknown;
  steps: number;
  batchPieces: number;
  sources: string[];
  lr: number;
  seconds: number | null;
  heldOut: { heldOutAccuracy?: number } | null;
  /** the run this one continued (`pretrain --init`) */
  init?: Pretraining | null;
}
/** Pretraining steps, a continued run's as the sum of its parts (5000 + 5000). */
const pretrainSteps = (p: Pretraining): string => (p.init ? `${pretrainSteps(p.init)} + ${p.steps}` : String(p.steps));
const pretrainSeconds = (p: Pretraining): number => (p.seconds ?? 0) + (p.init ? pretrainSeconds(p.init) : 0);

/** Where the encoder came from: trained from scratch, or pretrained with offramp pretrain. */
function origin(r: Result): string {
  const p = r.pretraining;
  if (!p) return `trained from scratch (vocabulary ${r.args.vocab ? `\`${String(r.args.vocab)}\`` : 'built from the training set'})`;
  const acc = p.heldOut?.heldOutAccuracy;
  const secs = pretrainSeconds(p);
  return `initialised from an encoder pretrained with \`offramp pretrain\` (${pretrainSteps(p)} steps of ${p.batchPieces} pieces at lr ${p.lr} on ${p.sources.map((x) => `\`${x.replace(/^text:/, '')}\``).join(', ')}${acc === undefined ? '' : `; held-out MLM accuracy ${(100 * acc).toFixed(1)}%`}${secs ? `; ${(secs / 60).toFixed(0)} min` : ''}), static n-layer models from n evenly spaced layers of it, encoder lr ×${String(r.args['encoder-lr-ratio'] ?? 1)}`;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : (100 * x).toFixed(2));
const times = (x: number) => `${x.toFixed(2)}×`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** mean ± spread (half the range) over seeds; `g` formats the spread when `f` would sign it */
function agg(xs: (number | null | undefined)[], f: (x: number) => string, g = f): string {
  const ok = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (ok.length === 0) return '–';
  if (ok.length === 1) return f(ok[0]!);
  return `${f(mean(ok))} ± ${g((Math.max(...ok) - Math.min(...ok)) / 2)}`;
}

/**
 * The issue's quality bar, at matched speedups: the self-sampling model's SENTEE and TOKEE scores
 * (curve points and calibrated rows together) interpolated at each static model's measured speedup,
 * and at 2× against the full model. Per seed, then mean ± half range.
 */
function qualityBar(runs: Result[], out: string[]): void {
  const withCurve = runs.filter((r) => r.selfSampling?.curve && r.static);
  if (withCurve.length === 0) return;
  const pts = (r: Result, pol: 'sentee' | 'tokee') => [
    ...r.selfSampling!.curve![pol], ...(r.selfSampling![pol]?.map((x) => x.test) ?? []),
  ].map((p) => [p.speedup, p.score ?? NaN] as [number, number]);
  const diff = (a: number | null | undefined, b: number | null | undefined) => (typeof a === 'number' && typeof b === 'number' ? a - b : null);
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
  /** "met in k of n seeds" for a per-seed difference, with each seed's value (seeds without the numbers do not count) */
  const met = (xs: (number | null)[], ok: (x: number) => boolean) => {
    const known = xs.flatMap((x, i) => (x === null ? [] : [{ x, seed: withCurve[i]!.seed }]));
    if (known.length === 0) return '**not measured** (no seed has both numbers)';
    const k = known.filter((e) => ok(e.x)).length;
    return `${k === known.length ? '**met**' : '**not met**'} (in ${k} of ${known.length} seeds: ${known.map((e) => `seed ${e.seed} ${signed(e.x)}`).join(', ')})`;
  };
  out.push(`Quality bar at matched speedups (stage 2 model; SENTEE and TOKEE scores interpolated linearly between their measured test points at the speedup of each static model trained as such, or of 2× for the full-model comparison; seeds ${withCurve.map((r) => r.seed).join(', ')}; – where the points do not reach that speedup):`, '');
  out.push('| speedup | static trained as such | SENTEE | TOKEE | TOKEE − static | TOKEE − SENTEE |', '|---|---|---|---|---|---|');
  const verdicts: string[] = [];
  for (const d of ['6', '4', '3']) {
    const at = (r: Result) => r.static?.[d]?.speedup;
    const col = (f: (r: Result, x: number) => number | null | undefined) => withCurve.map((r) => { const x = at(r); return x === undefined ? null : f(r, x); });
    const tok = col((r, x) => scoreAtSpeedup(pts(r, 'tokee'), x));
    const sen = col((r, x) => scoreAtSpeedup(pts(r, 'sentee'), x));
    const sta = col((r) => r.static?.[d]?.score);
    const vsStatic = tok.map((t, i) => diff(t, sta[i]));
    const vsSentee = tok.map((t, i) => diff(t, sen[i]));
    out.push(`| ${agg(withCurve.map(at), times)} | ${agg(sta, pct)} | ${agg(sen, pct)} | ${agg(tok, pct)} | ${agg(vsStatic, signed, pct)} | ${agg(vsSentee, signed, pct)} |`);
    if (d !== '6') verdicts.push(`- at ${12 / Number(d)}×: TOKEE above SENTEE ${met(vsSentee, (x) => x > 0)}; above the static ${d}-layer model ${met(vsStatic, (x) => x > 0)}`);
  }
  const tok2 = withCurve.map((r) => scoreAtSpeedup(pts(r, 'tokee'), 2));
  const full = withCurve.map((r) => r.selfSampling?.full.score);
  const full1 = withCurve.map((r) => r.stage1?.full.score);
  const vsFull = tok2.map((t, i) => diff(t, full[i]));
  const vsFull1 = tok2.map((t, i) => diff(t, full1[i]));
  out.push('', `TOKEE at 2×: ${agg(tok2, pct)}; the same model in full: ${agg(full, pct)} (difference ${agg(vsFull, signed, pct)}); the stage-1 model in full: ${agg(full1, pct)} (difference ${agg(vsFull1, signed, pct)}).`, '');
  verdicts.push(`- at 2×: TOKEE within 0.5 of the same model in full ${met(vsFull, (x) => x > -0.005)}; of the stage-1 model in full ${met(vsFull1, (x) => x > -0.005)}`);
  out.push('The issue\'s quality bar (stated for CoNLL-2003), applied per seed:', '', ...verdicts, '');
}

const figDir = join(v.out!, 'figures');
mkdirSync(figDir, { recursive: true });
const md: string[] = [];
const sets = existsSync(v.results!) ? readdirSync(v.results!).filter((d) => readdirSync(join(v.results!, d)).some((f) => /^seed\d+\.json$/.test(f))) : [];
for (const set of sets) {
  const runs: Result[] = readdirSync(join(v.results!, set)).filter((f) => /^seed\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(v.results!, set, f), 'utf8')) as Result).sort((a, b) => a.seed - b.seed);
  // the figures and the row list follow the first seed that ran every part (later seeds may run fewer)
  const r0 = runs.find((r) => r.selfSampling?.curve) ?? runs[0]!;
  md.push(`## ${r0.name} (${r0.task})${r0.args.tag ? `, variant \`${String(r0.args.tag)}\`` : ''}`, '');
  md.push(`Seeds: ${runs.map((r) => r.seed).join(', ')}. Model: 12 layers, hidden ${r0.args.hidden ?? 'of the ' + r0.args.preset + ' preset'}, ${origin(r0)}; stage 1 ${r0.args.epochs} epochs at lr ${r0.args.lr} with batches of ${String(r0.args['batch-pieces'] ?? 1024)} pieces, stage 2 ${r0.args['stage2-epochs']} epoch(s). Sentences: ${Object.entries(r0.sizes).map(([k, n]) => `${k} ${n}`).join(', ')}. Thresholds were chosen on ${r0.sizes.calibDev} dev sentences; every score is on the test set. Machine: ${r0.machine.cpus} × ${r0.machine.cpu ?? 'CPU'}, Node ${r0.machine.node}, CPU backend, matmul threads per run ${runs.map((r) => `${r.machine.matmulThreads ?? '?'} (seed ${r.seed})`).join(', ')}; a run with one thread shared the machine with another such run. Wall time of the whole run: ${agg(runs.map((r) => r.totalMinutes), (x) => `${x.toFixed(0)} min`)}; stage 1 training ${agg(runs.map((r) => r.stage1?.trainSeconds), (x) => `${(x / 60).toFixed(0)} min`)}.`, '');
  if (runs.length > 1) md.push('Cells are the mean ± half the range over the seeds that ran that row (their number is in the last column).', '');
  md.push('| model | policy | target | test score | FLOPs speedup | official (MACs) | mean exit layer | seeds |', '|---|---|---|---|---|---|---|---|');
  const line = (model: string, policy: string, target: string, pick: (r: Result) => Summary | undefined) => {
    if (runs.some((r) => pick(r))) md.push(`| ${model} | ${policy} | ${target} | ${agg(runs.map((r) => pick(r)?.score), pct)} | ${agg(runs.map((r) => pick(r)?.speedup), times)} | ${agg(runs.map((r) => pick(r)?.officialSpeedup), times)} | ${agg(runs.map((r) => pick(r)?.meanExitLayer), (x) => x.toFixed(2))} | ${runs.filter((r) => pick(r)).length} |`);
  };
  line('stage 1', 'full (12 layers)', '1×', (r) => r.stage1?.full);
  line('stage 2 (self-sampling)', 'full (12 layers)', '1×', (r) => r.selfSampling?.full);
  // a static model's speedup is against the 12-layer full model; its official MACs are not recounted (shown as –)
  for (const d of ['6', '4', '3']) if (runs.some((r) => r.static?.[d])) line(`static, ${d} layers trained as such`, 'full', `${12 / Number(d)}×`, (r) => (r.static?.[d] ? { ...r.static[d]!, officialSpeedup: NaN } : undefined));
  for (const d of ['6', '4', '3']) if (runs.some((r) => r.staticPolicy?.[d])) line('stage 1', `static exit at layer ${d}`, `${12 / Number(d)}×`, (r) => r.staticPolicy?.[d]);
  for (const [model, key] of [['stage 1', 'stage1'], ['stage 2 (self-sampling)', 'selfSampling']] as const) {
    for (const pol of ['sentee', 'tokee'] as const) {
      for (const t of r0[key]?.[pol]?.map((x) => x.target) ?? []) {
        line(model, pol === 'sentee' ? 'SENTEE' : `TOKEE k=${r0.args.window}`, `~${t}×`, (r) => r[key]?.[pol]?.find((x) => x.target === t)?.test);
      }
    }
  }
  for (const t of r0.randomSampling?.tokee.map((x) => x.target) ?? []) line('stage 2 (random exit layers)', `TOKEE k=${r0.args.window}`, `~${t}×`, (r) => r.randomSampling?.tokee.find((x) => x.target === t)?.test);
  md.push('');
  qualityBar(runs, md);

  // Figure 2: score vs speedup
  const ss = r0.selfSampling;
  if (ss?.curve) {
    const series: Series[] = [
      { name: 'SENTEE', points: [...ss.curve.sentee.map((p) => [p.speedup, 100 * (p.score ?? NaN)] as [number, number])].sort((a, b) => a[0] - b[0]) },
      { name: `TOKEE k=${r0.args.window}`, points: [...ss.curve.tokee.map((p) => [p.speedup, 100 * (p.score ?? NaN)] as [number, number])].sort((a, b) => a[0] - b[0]) },
    ];
    const statics = ['6', '4', '3'].filter((d) => r0.static?.[d]).map((d) => [r0.static![d]!.speedup, 100 * (r0.static![d]!.score ?? NaN)] as [number, number]);
    if (statics.length) series.push({ name: 'static (trained)', points: statics.sort((a, b) => a[0] - b[0]) });
    writeFileSync(join(figDir, `fig2-${set}.svg`), lineChart(series, { title: `${r0.name}: score vs FLOPs speedup (test, seed ${r0.seed})`, xLabel: 'FLOPs speedup', yLabel: r0.task }));
    md.push(`![Figure 2 analogue](figures/fig2-${set}.svg)`, '');
  }
  // Figure 3: window sizes at ~3×
  if (ss?.windows?.length) {
    md.push('Window size (TOKEE half-width k, threshold chosen on dev for ~3×):', '', '| k | test score | FLOPs speedup |', '|---|---|---|');
    for (const w of ss.windows) md.push(`| ${w.halfWidth} | ${pct(w.test?.score)} | ${w.test ? times(w.test.speedup) : '–'} |`);
    md.push('');
    writeFileSync(join(figDir, `fig3-${set}.svg`), lineChart([{ name: 'TOKEE at ~3×', points: ss.windows.filter((w) => w.test).map((w) => [w.halfWidth, 100 * (w.test.score ?? NaN)]) }], { title: `${r0.name}: window half-width k at ~3× (test)`, xLabel: 'k', yLabel: r0.task }));
    md.push(`![Figure 3 analogue](figures/fig3-${set}.svg)`, '');
  }
  // Figure 5: highest speedup with < 1 point drop per length bucket, per seed with curves, then mean ± spread
  const curved = runs.filter((r) => r.selfSampling?.curve && r.selfSampling.fullBuckets);
  if (curved.length) {
    md.push(`Highest speedup with less than 1 point drop, by sentence length (test, from the curve points; seeds ${curved.map((r) => r.seed).join(', ')}):`, '', '| words | sentences | full score | SENTEE | TOKEE |', '|---|---|---|---|---|');
    const best = (r: Result, pol: 'sentee' | 'tokee', b: number) => {
      const base = r.selfSampling!.fullBuckets[b]!.score ?? 0;
      const ok = r.selfSampling!.curve![pol].map((p) => p.buckets[b]!).filter((x) => x.score !== null && x.score >= base - 0.01);
      return ok.length ? Math.max(...ok.map((x) => x.speedup)) : 1;
    };
    const rows = r0.selfSampling!.fullBuckets.map((fb, b) => ({
      bucket: fb.bucket, n: fb.sentences,
      full: curved.map((r) => r.selfSampling!.fullBuckets[b]!.score), sentee: curved.map((r) => best(r, 'sentee', b)), tokee: curved.map((r) => best(r, 'tokee', b)),
    })).filter((r) => r.n > 0);
    for (const r of rows) md.push(`| ${r.bucket} | ${r.n} | ${agg(r.full, pct)} | ${agg(r.sentee, times)} | ${agg(r.tokee, times)} |`);
    md.push('');
    writeFileSync(join(figDir, `fig5-${set}.svg`), lineChart([
      { name: 'SENTEE', points: rows.map((r, i) => [i + 1, mean(r.sentee)]) },
      { name: 'TOKEE', points: rows.map((r, i) => [i + 1, mean(r.tokee)]) },
    ], { title: `${r0.name}: best speedup with <1 point drop by length bucket (${rows.map((r) => r.bucket).join(', ')}; mean of ${curved.length} seed(s))`, xLabel: 'length bucket', yLabel: 'FLOPs speedup' }));
    md.push(`![Figure 5 analogue](figures/fig5-${set}.svg)`, '');
  }
  // Figure 6: self-sampling vs random exit layers vs no stage 2
  if (r0.randomSampling && ss?.tokee && r0.stage1?.tokee) {
    const pts = (rows: Row[]) => rows.map((x) => [x.test.speedup, 100 * (x.test.score ?? NaN)] as [number, number]).sort((a, b) => a[0] - b[0]);
    writeFileSync(join(figDir, `fig6-${set}.svg`), lineChart([
      { name: 'self-sampling', points: pts(ss.tokee) },
      { name: 'random exit layers', points: pts(r0.randomSampling.tokee) },
      { name: 'no stage 2', points: pts(r0.stage1.tokee) },
    ], { title: `${r0.name}: stage 2 variants, TOKEE (test)`, xLabel: 'FLOPs speedup', yLabel: r0.task }));
    md.push(`![Figure 6 analogue](figures/fig6-${set}.svg)`, '');
  }
  // Figure 7: exit layer distribution at each target
  if (ss?.tokee) {
    writeFileSync(join(figDir, `fig7-${set}.svg`), lineChart(ss.tokee.map((x) => {
      const total = x.test.exitHistogram.reduce((a, b) => a + b, 0);
      return { name: `TOKEE ~${x.target}×`, points: x.test.exitHistogram.map((c, l) => [l + 1, (100 * c) / Math.max(1, total)] as [number, number]) };
    }), { title: `${r0.name}: exit layers of words (test)`, xLabel: 'exit layer', yLabel: '% of words' }));
    md.push(`![Figure 7 analogue](figures/fig7-${set}.svg)`, '');
  }
}
/**
 * One row per data set and recipe (results/<set> and its variants): the full model and the static
 * models trained as such, side by side, so the recipes' quality and depth use can be compared.
 */
function recipeTable(): string[] {
  const rows: string[] = [];
  for (const set of sets) {
    const runs = readdirSync(join(v.results!, set)).filter((f) => /^seed\d+\.json$/.test(f)).map((f) => JSON.parse(readFileSync(join(v.results!, set, f), 'utf8')) as Result);
    const r0 = runs[0]!;
    const batch = `batch ${String(r0.args['batch-pieces'] ?? 1024)}`;
    const ratio = Number(r0.args['encoder-lr-ratio'] ?? 1);
    const optim = `${batch}, lr ${String(r0.args.lr)}${ratio === 1 ? '' : ` (encoder ×${ratio})`}`;
    const recipe = r0.pretraining ? `pretrained (${r0.pretraining.bert ? `${String((r0.pretraining.bert as { layers: number }).layers)}-layer ` : ''}MLM, ${pretrainSteps(r0.pretraining)} steps), ${optim}` : `from scratch (${r0.args.vocab ? 'vocab file' : 'whole-word vocabulary'}), ${optim}`;
    const st = (d: string) => agg(runs.map((r) => r.static?.[d]?.score), pct);
    const mins = agg(runs.map((r) => r.stage1?.trainSeconds), (x) => `${(x / 60).toFixed(0)}`);
    rows.push(`| ${r0.name}${r0.args.tag ? ` \`${String(r0.args.tag)}\`` : ''} | ${recipe} | ${agg(runs.map((r) => r.stage1?.full.score), pct)} | ${st('6')} | ${st('4')} | ${st('3')} | ${mins} | ${runs.map((r) => r.seed).join(', ')} |`);
  }
  return [
    '## Recipes compared', '',
    'Test score of the 12-layer model in full after stage 1, and of the static models trained as such (6, 4, 3 layers; for a pretrained recipe they start from that many evenly spaced layers of the pretrained encoder, except where the recipe names a 3-layer MLM: that encoder was pretrained with 3 layers). Batch: pieces per fine-tuning batch; lr: the fine-tuning learning rate. Mean ± half the range over the seeds; – where not run.', '',
    '| data set | recipe | 12 layers | 6 layers | 4 layers | 3 layers | stage 1 min | seeds |', '|---|---|---|---|---|---|---|---|',
    ...rows, '',
  ];
}

const header = `# Results on real data

Generated by \`node dist/experiments/report.js\` from the JSON files in \`results/\`, which
\`node dist/experiments/reproduce.js <set> …\` writes (the exact arguments are in each JSON's \`args\`).
`;
// the hand-written reading of the results (experiments/discussion.md) follows the generated tables
const discussion = existsSync('experiments/discussion.md') ? `\n${readFileSync('experiments/discussion.md', 'utf8')}` : '';
writeFileSync(join(v.out!, 'results.md'), `${header}\n${recipeTable().join('\n')}\n${md.join('\n')}\n${discussion}`);
console.log(`wrote ${join(v.out!, 'results.md')} and ${sets.length} data sets' figures in ${figDir}`);
