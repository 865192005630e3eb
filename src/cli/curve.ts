// offramp curve: score vs FLOPs speedup for static depths, SENTEE thresholds and TOKEE thresholds
// at several window sizes; writes PREFIX.json and PREFIX.svg.
import { evaluate, type EvalResult } from '../earlyexit/evaluate.js';
import type { ExitPolicy } from '../earlyexit/policy.js';
import { writeFileAtomic } from '../io/atomic.js';
import { type Command, checkNotInput, checkWritableFile, copyFromFlags, num, numList, parse, pct, Progress, required, resultJson, startBackend, str } from './common.js';
import { checkGoldLabels, checkpointMetric, dataOptions, loadModel, readEvalData } from './eval.js';
import { lineChart, type Series } from './svg.js';

const defaultThresholds = [0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7];

const help = `Usage: offramp curve --model DIR --data FILE --out PREFIX [options]

Sweeps static depths, SENTEE thresholds and TOKEE thresholds (for each window k) and writes every
point (score, FLOPs speedup both counts, time, exit histogram) to PREFIX.json and a plot of score
against speedup to PREFIX.svg. One pass over FILE per point.

  --model DIR           checkpoint (required)
  --data FILE           labelled data (required)
  --out PREFIX          output prefix (required): PREFIX.json, PREFIX.svg
  --thresholds LIST     comma-separated δ values (default ${defaultThresholds.join(',')})
  --windows LIST        TOKEE half-widths k (default 1,2,3)
  --depths LIST         static depths (default every layer 1..L)
  --no-sentee, --no-tokee, --no-static   leave a method out
  --double-upper, --window-skips-halted, --copy output|preNorm   as in eval
  --format, --column, --tag-scheme, --allow-missing-tags, --metric, --max-sentences,
  --batch-pieces, --allow-non-finite, --quiet   as in eval
`;

export const curveCommand: Command = { name: 'curve', summary: 'sweep thresholds/depths, write score-vs-speedup JSON and SVG', help, run };

interface CurvePoint {
  method: string;
  /** threshold or depth */
  param: number;
  result: EvalResult;
}

async function run(argv: string[]): Promise<void> {
  const p = parse(curveCommand, argv, {
    model: { type: 'string' }, ...dataOptions, out: { type: 'string' }, thresholds: { type: 'string' }, windows: { type: 'string' },
    depths: { type: 'string' }, 'no-sentee': { type: 'boolean' }, 'no-tokee': { type: 'boolean' }, 'no-static': { type: 'boolean' },
    'double-upper': { type: 'boolean' }, 'window-skips-halted': { type: 'boolean' }, copy: { type: 'string' },
  });
  if (!p) return;
  const v = p.values;
  const dir = required(v, 'model');
  const prefix = required(v, 'out');
  const thresholds = numList(v, 'thresholds', defaultThresholds, { min: 0 });
  const windows = numList(v, 'windows', [1, 2, 3], { int: true, min: 0 });
  const batchPieces = num(v, 'batch-pieces', 2048, { int: true, min: 3 });
  const copy = copyFromFlags(v);
  for (const ext of ['json', 'svg']) {
    checkNotInput(`${prefix}.${ext}`, [str(v, 'data'), dir], 'out');
    checkWritableFile(`${prefix}.${ext}`, 'out');
  }
  await startBackend(v.quiet === true);
  const { file, sentences } = readEvalData(v);
  const ckpt = await loadModel(dir, v);
  checkGoldLabels(sentences, ckpt.labels, file);
  const L = ckpt.model.layers;
  const depths = numList(v, 'depths', Array.from({ length: L }, (_, i) => i + 1), { int: true, min: 1, max: L });
  const metric = checkpointMetric(ckpt, v);

  const jobs: { method: string; param: number; policy: ExitPolicy }[] = [];
  if (v['no-static'] !== true) for (const d of depths) jobs.push({ method: 'static', param: d, policy: { kind: 'static', layers: d } });
  if (v['no-sentee'] !== true) for (const t of thresholds) jobs.push({ method: 'SENTEE', param: t, policy: { kind: 'sentee', threshold: t } });
  if (v['no-tokee'] !== true) {
    for (const k of windows) {
      for (const t of thresholds) {
        jobs.push({
          method: `TOKEE k=${k}`, param: t,
          policy: { kind: 'tokee', threshold: t, halfWidth: k, doubleUpper: v['double-upper'] === true, windowCountsHalted: v['window-skips-halted'] !== true },
        });
      }
    }
  }
  if (jobs.length === 0) throw new Error('nothing to sweep: every method was left out');
  const progress = new Progress('curve', jobs.length, 'points', process.stderr, v.quiet === true);
  const points: CurvePoint[] = [];
  for (const [i, job] of jobs.entries()) {
    const result = await evaluate(ckpt.model, sentences, ckpt.tokenizer, ckpt.labels, { policy: job.policy, copy, batchPieces, metric });
    points.push({ method: job.method, param: job.param, result });
    progress.update(i + 1, i + 1, `${result.policy}`);
  }
  progress.end();

  const methods = [...new Set(points.map((pt) => pt.method))];
  const metricName = points[0]!.result.metric === 'f1' ? 'span F1' : 'accuracy';
  const series: Series[] = methods.map((m) => ({
    name: m,
    points: points
      .filter((pt) => pt.method === m && pt.result.score !== null)
      .map((pt): [number, number] => [pt.result.speedup, 100 * pt.result.score!])
      .sort((a, b) => a[0] - b[0]),
  }));
  const json = {
    model: dir, data: file, copy, metric: points[0]!.result.metric,
    points: points.map((pt) => ({ method: pt.method, param: pt.param, ...resultJson(pt.result) })),
  };
  await writeFileAtomic(`${prefix}.json`, `${JSON.stringify(json, null, 2)}\n`);
  await writeFileAtomic(`${prefix}.svg`, lineChart(series, { title: `${metricName} vs FLOPs speedup (${file.split('/').pop()})`, xLabel: 'FLOPs speedup (×)', yLabel: `${metricName} (%)` }));
  process.stdout.write(`${'method'.padEnd(12)} ${'param'.padStart(7)} ${metricName.padStart(9)} ${'speedup'.padStart(8)} ${'official'.padStart(8)}\n`);
  for (const pt of points) {
    process.stdout.write(`${pt.method.padEnd(12)} ${String(pt.param).padStart(7)} ${pct(pt.result.score).padStart(9)} ${pt.result.speedup.toFixed(2).padStart(7)}x ${pt.result.officialSpeedup.toFixed(2).padStart(7)}x\n`);
  }
  process.stdout.write(`wrote ${prefix}.json and ${prefix}.svg\n`);
  ckpt.model.dispose();
}
