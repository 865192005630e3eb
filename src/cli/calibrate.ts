// offramp calibrate: the SENTEE/TOKEE threshold that gives a target FLOPs speedup on a dev set.
import { calibrate } from '../earlyexit/calibrate.js';
import { type Command, copyFromFlags, formatResult, num, oneOf, parse, pct, Progress, required, resultJson, UsageError , startBackend } from './common.js';
import { checkGoldLabels, checkpointMetric, dataOptions, loadModel, readEvalData } from './eval.js';

const help = `Usage: offramp calibrate --model DIR --data DEV --policy sentee|tokee --speedup X [options]

Finds by bisection the threshold δ whose FLOPs speedup on DEV is X (speedup grows with δ), then
prints δ, the achieved speedup and the score. Use the δ with eval/tag on test data.

  --model DIR           checkpoint (required)
  --data FILE           dev data (required)
  --policy P            sentee | tokee (required)
  --speedup X           target speedup, > 1 (required; this project's FLOPs count)
  --window k            tokee: half-width of the uncertainty window (default 2)
  --double-upper        tokee: double δ in the upper half of the layers
  --window-skips-halted tokee: halted words leave neighbours' windows
  --copy output|preNorm (default output)
  --tolerance T         accept |speedup/X − 1| <= T (default 0.02)
  --max-evaluations N   most passes over DEV (default 16)
  --format, --column, --tag-scheme, --allow-missing-tags, --metric, --max-sentences,
  --batch-pieces, --allow-non-finite, --quiet   as in eval
  --json                print JSON

Example:
  offramp calibrate --model runs/ner --data eng.testa --policy tokee --window 2 --speedup 3
`;

export const calibrateCommand: Command = { name: 'calibrate', summary: 'find the threshold giving a target speedup on dev data', help, run };

async function run(argv: string[]): Promise<void> {
  const p = parse(calibrateCommand, argv, {
    model: { type: 'string' }, ...dataOptions, policy: { type: 'string' }, speedup: { type: 'string' }, window: { type: 'string' },
    'double-upper': { type: 'boolean' }, 'window-skips-halted': { type: 'boolean' }, copy: { type: 'string' },
    tolerance: { type: 'string' }, 'max-evaluations': { type: 'string' }, json: { type: 'boolean' },
  });
  if (!p) return;
  const v = p.values;
  const dir = required(v, 'model');
  if (v.policy === undefined) throw new UsageError('--policy is required (sentee or tokee)');
  const kind = oneOf(v, 'policy', ['sentee', 'tokee'] as const, 'tokee');
  if (v.speedup === undefined) throw new UsageError('--speedup is required');
  const target = num(v, 'speedup', 2, { min: 1 });
  if (kind === 'sentee') {
    for (const k of ['window', 'double-upper', 'window-skips-halted']) if (v[k] !== undefined) throw new UsageError(`--${k} does not apply to --policy sentee`);
  }
  const tolerance = num(v, 'tolerance', 0.02, { min: 0 });
  const maxEvaluations = num(v, 'max-evaluations', 16, { int: true, min: 2 });
  const batchPieces = num(v, 'batch-pieces', 2048, { int: true, min: 3 });
  const copy = copyFromFlags(v);
  const policy = kind === 'sentee'
    ? { kind, threshold: 0 } as const
    : { kind, threshold: 0, halfWidth: num(v, 'window', 2, { int: true, min: 0 }), doubleUpper: v['double-upper'] === true, windowCountsHalted: v['window-skips-halted'] !== true } as const;
  await startBackend(v.quiet === true);
  const { file, sentences } = readEvalData(v);
  const ckpt = await loadModel(dir, v);
  checkGoldLabels(sentences, ckpt.labels, file);
  const progress = new Progress('calibrate', maxEvaluations, 'passes', process.stderr, v.quiet === true);
  let n = 0;
  const c = await calibrate(ckpt.model, sentences, ckpt.tokenizer, ckpt.labels, {
    policy, target, tolerance, maxEvaluations, copy, batchPieces, metric: checkpointMetric(ckpt, v),
    onEvaluation: (s) => {
      n++;
      progress.update(n, n, `δ=${s.threshold.toPrecision(4)} → ${s.speedup.toFixed(3)}x`);
    },
  });
  progress.end();
  if (v.json === true) {
    process.stdout.write(`${JSON.stringify({ model: dir, data: file, target, threshold: c.threshold, reached: c.reached, steps: c.steps, result: resultJson(c.result) }, null, 2)}\n`);
  } else {
    const lines = [
      `target        ${target}x`,
      `threshold     ${c.threshold.toPrecision(6)}${c.reached ? '' : `   (target not reached within ${100 * tolerance}%: closest found)`}`,
      `achieved      ${c.result.speedup.toFixed(3)}x FLOPs, ${c.result.metric === 'f1' ? 'span F1' : 'accuracy'} ${pct(c.result.score)}`,
      `evaluations   ${c.steps.length}: ${c.steps.map((s) => `${s.threshold.toPrecision(3)}→${s.speedup.toFixed(2)}x`).join(', ')}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    process.stdout.write(formatResult(c.result, ckpt.model.layers, file));
  }
  ckpt.model.dispose();
}
