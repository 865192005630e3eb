// offramp demo (npm start): the synthetic task end to end. Train a small 12-layer labeler, calibrate
// SENTEE and TOKEE thresholds on dev for ~2× and ~3× FLOPs speedup, and print test span F1 and
// speedup next to the full model and static exits, plus one sentence with each word's exit layer.
import { makeSyntheticTask, contextDependentWords } from '../data/synthetic.js';
import { LabelSet } from '../data/sentence.js';
import { buildVocab } from '../data/vocab.js';
import { WordPiece } from '../data/wordpiece.js';
import { calibrate } from '../earlyexit/calibrate.js';
import { evaluate, type EvalResult } from '../earlyexit/evaluate.js';
import { EarlyExitModel } from '../earlyexit/model.js';
import { describePolicy, type ExitPolicy } from '../earlyexit/policy.js';
import { writeCheckpointFiles } from '../io/checkpoint.js';
import { RunDir } from '../io/rundir.js';
import { type Command, layerColour, num, numList, parse, pct, Progress, reset, str, useColour , startBackend } from './common.js';
import { runTraining, stepsPerEpoch } from './trainer.js';

const help = `Usage: offramp demo [options]        (also: npm start)

Generates the synthetic labeling task (easy words whose label is the word itself, and words whose
label depends on context), trains a 12-layer labeler on it, calibrates SENTEE and TOKEE on dev for
the target speedups, and prints test span F1 and FLOPs speedup for the full model, static exits,
SENTEE and TOKEE, then one test sentence with the layer each word left at.

The defaults finish in a few minutes on a 2-core CPU; every size is a flag.
  --train N             training sentences (default 1000)
  --dev N               dev sentences, used for calibration (default 80)
  --test N              test sentences (default 200)
  --layers N            (default 12)   --hidden H (default 64)   --heads A (default 2)
  --epochs N            (default 8)    --lr X (default 3e-3)    --batch-pieces N (default 256)
  --speedups LIST       calibration targets (default 2,3)
  --window k            TOKEE half-width (default 2)
  --seed N              task and model seed (default 1)
  --out DIR             also save the trained checkpoint there, a new or empty directory
                        (try: offramp tag --model DIR)
  --quiet               no progress bars
`;

export const demoCommand: Command = { name: 'demo', summary: 'train on the synthetic task and compare full/static/SENTEE/TOKEE', help, run };

async function run(argv: string[]): Promise<void> {
  const p = parse(demoCommand, argv, {
    train: { type: 'string' }, dev: { type: 'string' }, test: { type: 'string' }, layers: { type: 'string' }, hidden: { type: 'string' },
    heads: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, 'batch-pieces': { type: 'string' }, speedups: { type: 'string' },
    window: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' },
  });
  if (!p) return;
  const v = p.values;
  const t0 = performance.now();
  const seed = num(v, 'seed', 1, { int: true, min: 0 });
  const sizes = {
    train: num(v, 'train', 1000, { int: true, min: 1 }),
    dev: num(v, 'dev', 80, { int: true, min: 1 }),
    test: num(v, 'test', 200, { int: true, min: 1 }),
  };
  const layers = num(v, 'layers', 12, { int: true, min: 1 });
  const hidden = num(v, 'hidden', 64, { int: true, min: 1 });
  const heads = num(v, 'heads', 2, { int: true, min: 1 });
  if (hidden % heads !== 0) throw new Error(`--hidden ${hidden} is not divisible by --heads ${heads}`);
  const epochs = num(v, 'epochs', 8, { int: true, min: 1 });
  const lr = num(v, 'lr', 3e-3, { min: 0, above: true });
  const batchPieces = num(v, 'batch-pieces', 256, { int: true, min: 3 });
  const targets = numList(v, 'speedups', [2, 3], { min: 1 });
  const k = num(v, 'window', 2, { int: true, min: 0 });
  const quiet = v.quiet === true;
  const out = str(v, 'out') ?? null;
  // checked and locked before the work, like train --out
  const run = out === null ? null : RunDir.open(out, 'new');
  try {
    await demo(run);
  } finally {
    run?.release();
  }

  async function demo(run: RunDir | null): Promise<void> {
    await startBackend(v.quiet === true);
    const task = makeSyntheticTask(seed, sizes);
    const tokenizer = new WordPiece(buildVocab(task.train, { maxWords: 1000, lowercase: true }), { lowercase: true }, 'demo vocabulary');
    const labels = LabelSet.fromSentences(task.train);
    const model = new EarlyExitModel({
      bert: { vocabSize: tokenizer.size, hidden, layers, heads, ffn: 4 * hidden, maxPositions: 64, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
      numLabels: labels.size,
      offRampDropout: 0.1,
    }, seed);
    const log = (line: string): void => {
      process.stdout.write(`${line}\n`);
    };
    log(`offramp demo: synthetic task (${sizes.train} train / ${sizes.dev} dev / ${sizes.test} test sentences, ${labels.size} labels, vocabulary ${tokenizer.size})`);
    log(`model: L=${layers} H=${hidden} heads=${heads}; joint training, ${epochs} epochs\n`);
    const steps = stepsPerEpoch(task.train, tokenizer, batchPieces) * epochs;
    await runTraining({
      model, tokenizer, labels, train: task.train, dev: task.dev, metric: 'f1', batchPieces, run, settings: { seed, sizes, epochs, lr, batchPieces },
      options: { epochs, lr, warmup: Math.round(0.1 * steps), seed },
      info: { trainedBy: 'offramp demo', seed, sizes },
      quiet, log,
    });

    const rows: { name: string; setting: string; r: EvalResult }[] = [];
    const tableProgress = new Progress('evaluating', 4 + 2 * targets.length, 'policies', process.stderr, quiet);
    let done = 0;
    const testEval = async (name: string, policy: ExitPolicy): Promise<EvalResult> => {
      const r = await evaluate(model, task.test, tokenizer, labels, { policy, metric: 'f1' });
      rows.push({ name, setting: shortPolicy(policy), r });
      tableProgress.update(++done, done, name);
      return r;
    };
    await testEval('full', { kind: 'full' });
    for (const d of [6, 4, 3].filter((x) => x < layers)) await testEval(`static ${d}`, { kind: 'static', layers: d });
    let example: ExitPolicy | null = null;
    for (const kind of ['sentee', 'tokee'] as const) {
      for (const target of targets) {
        const base: ExitPolicy = kind === 'sentee' ? { kind, threshold: 0 } : { kind, threshold: 0, halfWidth: k };
        const c = await calibrate(model, task.dev, tokenizer, labels, { policy: base, target, tolerance: 0.05, maxEvaluations: 14, metric: 'f1' });
        const policy = { ...base, threshold: c.threshold };
        await testEval(`${kind === 'sentee' ? 'SENTEE' : 'TOKEE'} ~${target}x (dev ${c.result.speedup.toFixed(2)}x${c.reached ? '' : '!'})`, policy);
        if (kind === 'tokee' && example === null) example = policy;
      }
    }
    tableProgress.end();

    log(`\ntest set (${task.test.length} sentences)`);
    log(`${'policy'.padEnd(28)} ${'threshold'.padEnd(26)} ${'span F1'.padStart(7)} ${'speedup'.padStart(8)} ${'official'.padStart(9)} ${'mean exit'.padStart(9)}`);
    for (const { name, setting, r } of rows) {
      log(`${name.padEnd(28)} ${setting.padEnd(26)} ${pct(r.score).padStart(7)} ${r.speedup.toFixed(2).padStart(7)}x ${r.officialSpeedup.toFixed(2).padStart(8)}x ${r.meanExitLayer.toFixed(2).padStart(9)}`);
    }

    if (example) {
      const r = rows.find((row) => row.r.policy === describePolicy(example!))!.r;
      const i = Math.max(0, task.test.findIndex((s) => s.words.length >= 6 && s.words.some((w) => contextDependentWords.has(w))));
      const s = task.test[i]!;
      const colour = useColour(process.stdout);
      log(`\nexample (${shortPolicy(example)}): word, gold → predicted, exit layer${colour ? '; colour = exit layer' : ''}`);
      s.words.forEach((w, j) => {
        const layer = r.exitLayers[i]![j]!;
        const word = colour ? `${layerColour(layer, layers).ansi}${w.padEnd(12)}${reset}` : w.padEnd(12);
        const hard = contextDependentWords.has(w) ? '  (context-dependent)' : '';
        log(`  ${word} ${s.labels[j]!.padEnd(6)} → ${r.predictions[i]![j]!.padEnd(6)} layer ${String(layer).padStart(2)}${hard}`);
      });
    }
    if (run !== null) {
      // the table above used the last epoch's weights: save those, so tag/eval on DIR reproduce it
      await run.commit(async (staging) => {
        await writeCheckpointFiles(staging, model, tokenizer, labels, { trainedBy: 'offramp demo', metric: 'f1', seed, sizes });
      });
      log(`\ncheckpoint: ${out} (try: echo "alice met young jordan in paris" | offramp tag --model ${out} --policy tokee --threshold ${example && 'threshold' in example ? example.threshold.toPrecision(3) : 0.1})`);
    }
    log(`\ndone in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    model.dispose();
  }
}

/** describePolicy with thresholds rounded for a table. */
function shortPolicy(p: ExitPolicy): string {
  return 'threshold' in p ? describePolicy({ ...p, threshold: Number(p.threshold.toPrecision(3)) }) : describePolicy(p);
}
