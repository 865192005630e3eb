// offramp eval: score one exit policy on a labelled file, with FLOPs speedup, time and exit layers.
import { writeFileAtomic } from '../io/atomic.js';
import { loadCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { chooseMetric, evaluate, type Metric } from '../earlyexit/evaluate.js';
import { conllevalReport } from '../metrics/conlleval.js';
import type { LabelSet, Sentence } from '../data/sentence.js';
import {
  type Command, copyFromFlags, formatResult, formats, metricFromFlags, num, oneOf, parse, policyFromFlags, policyHelpText, policyOptions,
  Progress, readData, required, resultJson, str, checkReadable, type Format, type Values, startBackend, dataFlagHelp, dataFlagOptions, dataOptionsFromFlags, checkNotInput, checkWritableFile,
} from './common.js';

const help = `Usage: offramp eval --model DIR --data FILE [options]

Labels FILE with an exit policy and prints the score (span F1 for BIO labels, else accuracy), the
FLOPs speedup over the full model (this project's count and the official code's MACs count), the
measured time and how many words left at each layer.

  --model DIR           a checkpoint written by offramp train (required)
  --data FILE           labelled data (required)
${dataFlagHelp}
  --metric M            auto | f1 | accuracy (default: the one the model was trained with)
${policyHelpText('full')}
  --batch-pieces N      pieces per inference batch (default 2048)
  --max-sentences N     only the first N sentences
  --json                print one JSON object instead of text
  --conlleval           also print the conlleval.pl report
  --output FILE         write "word gold predicted exit-layer" lines (CoNLL style) to FILE
  --allow-non-finite    load weights with NaN/Infinity (a warning instead of an error)
  --quiet               no progress bar

Example:
  offramp eval --model runs/ner --data eng.testb --policy tokee --threshold 0.2 --window 2
`;

export const evalCommand: Command = { name: 'eval', summary: 'score a policy: F1/accuracy, FLOPs speedup, time, exit layers', help, run };

/** A checkpoint for eval/curve/calibrate/tag; --allow-non-finite turns broken weights into warnings. */
export async function loadModel(dir: string, v: Values): Promise<Checkpoint> {
  checkReadable(dir, 'checkpoint directory');
  const ckpt = await loadCheckpoint(dir, { nonFinite: v['allow-non-finite'] === true ? 'warn' : 'error' });
  for (const w of ckpt.warnings) process.stderr.write(`warning: ${w}\n`);
  if (ckpt.extraTensors.length > 0) {
    process.stderr.write(`warning: ${ckpt.dir}/model.safetensors has ${ckpt.extraTensors.length} tensor(s) the model does not use: ${ckpt.extraTensors.slice(0, 5).join(', ')}${ckpt.extraTensors.length > 5 ? ', …' : ''}\n`);
  }
  return ckpt;
}

/** The metric to score with, said on stderr with the reason it was chosen. */
export function checkpointMetric(ckpt: Checkpoint, v: Values): Metric {
  const flag = metricFromFlags(v);
  const saved = ckpt.config.info.metric;
  const auto = chooseMetric(ckpt.labels.labels);
  const [metric, why]: [Metric, string] = flag ? [flag, 'chosen with --metric']
    : saved === 'f1' || saved === 'accuracy' ? [saved, 'the metric the model was trained with']
      : [auto, auto === 'f1' ? "the model's labels are span tags (B-/I-)" : "the model's labels are not span tags"];
  process.stderr.write(`metric: ${metric === 'f1' ? 'span F1' : 'accuracy'} (${why})\n`);
  return metric;
}

/**
 * Gold labels the model does not have can never be predicted: they are counted and named on
 * stderr. A data set that shares no label but O with the model is an error (wrong data or model).
 */
export function checkGoldLabels(sentences: readonly Sentence[], labels: LabelSet, file: string): void {
  const unknown = new Map<string, number>();
  let known = false;
  for (const s of sentences) {
    for (const label of s.labels) {
      if (labels.find(label) === undefined) unknown.set(label, (unknown.get(label) ?? 0) + 1);
      else if (label !== 'O') known = true;
    }
  }
  if (unknown.size === 0) return;
  const list = [...unknown].sort((a, b) => b[1] - a[1]);
  const shown = list.slice(0, 8).map(([l, n]) => `${l} (${n})`).join(', ') + (list.length > 8 ? ', …' : '');
  if (!known) {
    throw new Error(`${file}: none of its labels is a label of the model (data: ${shown}; model: ${labels.labels.slice(0, 8).join(' ')}${labels.size > 8 ? ' …' : ''}); wrong data set or model?`);
  }
  const words = list.reduce((n, [, c]) => n + c, 0);
  process.stderr.write(`warning: ${file}: ${list.length} gold label(s) the model does not have, on ${words} word(s): ${shown}; they are scored as errors\n`);
}

export function readEvalData(v: Values): { file: string; sentences: Sentence[] } {
  const file = required(v, 'data');
  const format = str(v, 'format') === undefined ? undefined : oneOf<Format>(v, 'format', formats, 'conll');
  const maxSentences = num(v, 'max-sentences', undefined, { int: true, min: 1 });
  const all = readData(file, format, dataOptionsFromFlags(v));
  return { file, sentences: maxSentences === undefined ? all : all.slice(0, maxSentences) };
}

export const dataOptions = {
  data: { type: 'string' }, ...dataFlagOptions, metric: { type: 'string' },
  'max-sentences': { type: 'string' }, 'batch-pieces': { type: 'string' }, quiet: { type: 'boolean' }, 'allow-non-finite': { type: 'boolean' },
} as const;

async function run(argv: string[]): Promise<void> {
  const p = parse(evalCommand, argv, {
    model: { type: 'string' }, ...dataOptions, ...policyOptions,
    json: { type: 'boolean' }, conlleval: { type: 'boolean' }, output: { type: 'string' },
  });
  if (!p) return;
  const v = p.values;
  const dir = required(v, 'model');
  const batchPieces = num(v, 'batch-pieces', 2048, { int: true, min: 3 });
  const copy = copyFromFlags(v);
  policyFromFlags(v, Number.MAX_SAFE_INTEGER); // flag mistakes first, before any file is read
  const output = str(v, 'output');
  if (output !== undefined) {
    checkNotInput(output, [str(v, 'data'), dir], 'output');
    checkWritableFile(output, 'output');
  }
  await startBackend(v.quiet === true);
  const { file, sentences } = readEvalData(v);
  const ckpt = await loadModel(dir, v);
  checkGoldLabels(sentences, ckpt.labels, file);
  const policy = policyFromFlags(v, ckpt.model.layers);
  const progress = new Progress('eval', 1, 'pieces', process.stderr, v.quiet === true);
  const r = await evaluate(ckpt.model, sentences, ckpt.tokenizer, ckpt.labels, {
    policy, copy, batchPieces, metric: checkpointMetric(ckpt, v),
    onProgress: (d, t) => progress.update(d.pieces / t.pieces, d.pieces),
  });
  progress.end();
  if (v.json === true) {
    process.stdout.write(`${JSON.stringify({ model: dir, data: file, copy, ...resultJson(r) }, null, 2)}\n`);
  } else {
    process.stdout.write(formatResult(r, ckpt.model.layers, file));
    if (copy !== 'output') process.stdout.write(`copy          ${copy}\n`);
  }
  const labelled = sentences.map((_, i) => i).filter((i) => sentences[i]!.words.length > 0 && sentences[i]!.labels.length > 0);
  if (v.conlleval === true) {
    process.stdout.write(conllevalReport(labelled.map((i) => sentences[i]!.labels), labelled.map((i) => r.predictions[i]!)));
  }
  if (output !== undefined) {
    const text = sentences
      .map((s, i) => s.words.map((w, j) => `${w} ${s.labels[j] ?? '_'} ${r.predictions[i]![j]} ${r.exitLayers[i]![j]}\n`).join('') + '\n')
      .join('');
    await writeFileAtomic(output, text);
    process.stderr.write(`predictions written to ${output}\n`);
  }
  ckpt.model.dispose();
}
