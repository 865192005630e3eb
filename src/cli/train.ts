// offramp train: the joint stage (all off-ramps trained together), best dev checkpoint kept.
import { LabelSet } from '../data/sentence.js';
import { readVocabFile, WordPiece } from '../data/wordpiece.js';
import { trainWordPiece, WordCounts } from '../data/wordpiece-trainer.js';
import { chooseMetric } from '../earlyexit/evaluate.js';
import { EarlyExitModel } from '../earlyexit/model.js';
import { labelerFromHf, readHfBert, guessLowercase } from '../io/hf.js';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RunDir } from '../io/rundir.js';
import { type Command, formats, metricFromFlags, num, oneOf, parse, pct, readData, required, str, UsageError, checkReadable, checkNotInput, dataFlagHelp, dataFlagOptions, dataOptionsFromFlags, type Format, startBackend } from './common.js';
import { checkGoldLabels } from './eval.js';
import { shapeFlagHelp, shapeFlagOptions, shapeFlags, shapeFromFlags } from './shape.js';
import { runStage2 } from './stage2.js';
import { loadResume, runTraining, stepsPerEpoch } from './trainer.js';

const help = `Usage: offramp train --train FILE [--dev FILE] --out DIR [options]

Trains the encoder and every off-ramp jointly (loss Σ_l l·CE_l / Σ_l l). After each epoch the
full model is scored on --dev; the best epoch's checkpoint is kept in --out (model.safetensors,
config.json, vocab.txt, labels.txt, with the training state of the last epoch). Progress goes to
stderr, one line per epoch.

Data:
  --train FILE          training data (required)
  --dev FILE            dev data scored after every epoch (without it the last epoch is kept)
${dataFlagHelp}
  --max-sentences N     use only the first N training and dev sentences (quick runs)
  --metric M            auto | f1 | accuracy (default auto: span F1 for B-/I-/O labels, else accuracy)

Vocabulary (models trained from scratch):
  --vocab FILE          a WordPiece vocab.txt
  --build-vocab N       learn one of N pieces from the training words, as \`offramp vocab --size N\`
                        with its defaults (min frequency 2) would (default 16000)
  --case C              auto | cased | uncased (default auto: cased for a built vocabulary; for a
                        vocab file or --init-hf, do_lower_case or a guess from the vocabulary)

Model:
${shapeFlagHelp}
  --max-positions N     longest packed sentence in pieces (default 512; longer ones are split)
  --dropout P           encoder dropout (default 0.1, or the HF config's)
  --offramp-dropout P   dropout before each off-ramp (default 0.1; the official code uses 0.3)
  --init-hf DIR         start from a Hugging Face BERT (config.json, vocab.txt, model.safetensors);
                        off-ramps are new. Excludes --vocab, --build-vocab and the shape flags.

Optimisation:
  --recipe R            the defaults of --epochs, --lr and --encoder-lr-ratio, by where the encoder
                        comes from (docs/labeler.md; explicit flags override):
                          scratch           3 epochs, lr 1e-3, encoder ×1 (default without --init-hf)
                          offramp-pretrain  5 epochs, lr 1e-3, encoder ×1 (default for an --init-hf
                                            directory written by offramp pretrain: a briefly
                                            pretrained encoder still has most of its learning to do)
                          bert              3 epochs, lr 5e-4, encoder ×0.1 (default for any other
                                            --init-hf directory: a fully pretrained BERT)
  --epochs N            (default: the recipe's)
  --lr X                off-ramp learning rate (default: the recipe's)
  --encoder-lr-ratio R  encoder lr = lr·R (default: the recipe's)
  --weight-decay X      (default 0.01)
  --batch-pieces N      pieces per batch, [CLS]/[SEP] included (default 256: on CoNLL-2003 it
                        beat 1024 by 1.5 F1, mean of 3 seeds; docs/results.md)
  --warmup N            warmup steps (default 10% of all steps)
  --schedule S          linear | sqrt decay after warmup (default linear)
  --freeze-encoder-epochs N   train only the off-ramps for the first N epochs (default 0)
  --seed N              (default 1)

  --out DIR             run directory (required; created if needed). Refused when it holds a
                        checkpoint or any other file, unless:
  --force               replace what --out holds (the old checkpoint stays until the first new save)
  --resume              continue the interrupted run in --out where it stopped (weights, optimizer,
                        epoch, random state); needs the same settings as the run it continues
  --allow-non-finite    load --init-hf weights with NaN/Infinity (a warning instead of an error)
  --quiet               no progress bar

  --stage2 --from DIR   stage 2 instead: self-sampling fine-tuning of the checkpoint in DIR
                        (offramp train --stage2 --help for its options)

Every epoch is saved as one whole checkpoint (DIR/CURRENT names it), so a crash or kill at any
moment leaves the previous or the new one. One process at a time writes DIR (DIR/.lock). Ctrl-C
stops after any save under way and says where the last good checkpoint is (exit code 130).

Backend: OFFRAMP_BACKEND=cpu|webgpu (default cpu).
Example:
  offramp train --train eng.train --dev eng.testa --preset tiny --epochs 3 --out runs/ner
`;

/** Optimisation defaults by where the encoder comes from (offramp-pretrain against bert on an offramp encoder: docs/results.md, variant pt5k3-bertlr). */
const recipes = {
  scratch: { epochs: 3, lr: 1e-3, encoderLrRatio: 1 },
  'offramp-pretrain': { epochs: 5, lr: 1e-3, encoderLrRatio: 1 },
  bert: { epochs: 3, lr: 5e-4, encoderLrRatio: 0.1 },
} as const;
const recipeNames = Object.keys(recipes) as (keyof typeof recipes)[];

export const trainCommand: Command = { name: 'train', summary: 'train a labeler (joint stage), keep the best dev checkpoint', help, run };

async function run(argv: string[]): Promise<void> {
  if (argv.includes('--stage2')) return runStage2(argv.filter((a) => a !== '--stage2'));
  const p = parse(trainCommand, argv, {
    train: { type: 'string' }, dev: { type: 'string' }, ...dataFlagOptions,
    'max-sentences': { type: 'string' }, metric: { type: 'string' },
    vocab: { type: 'string' }, 'build-vocab': { type: 'string' }, case: { type: 'string' },
    ...shapeFlagOptions,
    'max-positions': { type: 'string' }, dropout: { type: 'string' }, 'offramp-dropout': { type: 'string' }, 'init-hf': { type: 'string' },
    recipe: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, 'encoder-lr-ratio': { type: 'string' }, 'weight-decay': { type: 'string' },
    'batch-pieces': { type: 'string' }, warmup: { type: 'string' }, schedule: { type: 'string' }, 'freeze-encoder-epochs': { type: 'string' },
    seed: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' },
    force: { type: 'boolean' }, resume: { type: 'boolean' }, 'allow-non-finite': { type: 'boolean' },
  });
  if (!p) return;
  const v = p.values;
  const trainFile = required(v, 'train');
  const out = required(v, 'out');
  const format = str(v, 'format') === undefined ? undefined : oneOf<Format>(v, 'format', formats, 'conll');
  const dataOptions = dataOptionsFromFlags(v);
  const maxSentences = num(v, 'max-sentences', undefined, { int: true, min: 1 });
  const caseFlag = oneOf(v, 'case', ['auto', 'cased', 'uncased'] as const, 'auto');
  const hfDir = str(v, 'init-hf');
  if (hfDir !== undefined) {
    for (const k of ['vocab', 'build-vocab', 'preset', 'max-positions', ...shapeFlags]) {
      if (v[k] !== undefined) throw new UsageError(`--${k} cannot be combined with --init-hf (the checkpoint fixes vocabulary and shape)`);
    }
    checkReadable(hfDir, 'directory');
  }
  if (v.vocab !== undefined && v['build-vocab'] !== undefined) throw new UsageError('give --vocab or --build-vocab, not both');
  const shape = shapeFromFlags(v);
  const seed = num(v, 'seed', 1, { int: true, min: 0 });
  const recipeName = oneOf(v, 'recipe', recipeNames, hfDir === undefined ? 'scratch' : existsSync(join(hfDir, 'trainer_state.json')) ? 'offramp-pretrain' : 'bert');
  const recipe = recipes[recipeName];
  const epochs = num(v, 'epochs', recipe.epochs, { int: true, min: 1 });
  const batchPieces = num(v, 'batch-pieces', 256, { int: true, min: 3 });
  const dropout = num(v, 'dropout', undefined, { min: 0, max: 0.99 });
  const offRampDropout = num(v, 'offramp-dropout', 0.1, { min: 0, max: 0.99 });
  const lr = num(v, 'lr', recipe.lr, { min: 0, above: true });
  const encoderLrRatio = num(v, 'encoder-lr-ratio', recipe.encoderLrRatio, { min: 0 });
  const weightDecay = num(v, 'weight-decay', 0.01, { min: 0 });
  const schedule = oneOf(v, 'schedule', ['linear', 'sqrt'] as const, 'linear');
  const freezeEncoderEpochs = num(v, 'freeze-encoder-epochs', 0, { int: true, min: 0 });
  const maxPositions = num(v, 'max-positions', undefined, { int: true, min: 3 });
  const buildVocabSize = num(v, 'build-vocab', 16000, { int: true, min: 6, max: 10_000_000 });
  const metricFlag = metricFromFlags(v);
  const warmupFlag = num(v, 'warmup', undefined, { int: true, min: 0 });
  if (v.vocab !== undefined) checkReadable(str(v, 'vocab')!);
  if (v.force === true && v.resume === true) throw new UsageError('give --force or --resume, not both');
  const inputs = [trainFile, str(v, 'dev'), str(v, 'vocab'), hfDir].filter((f): f is string => f !== undefined);
  checkNotInput(out, inputs, 'out');
  for (const input of inputs) {
    if (resolve(dirname(input)) === resolve(out)) throw new UsageError(`--out ${out} holds the input ${input}; use a directory of its own for the run`);
  }
  // What the run depends on: a resumed run must be started with the same values.
  const settings = Object.fromEntries(Object.entries(v).filter(([k]) => !['out', 'force', 'resume', 'quiet', 'allow-non-finite'].includes(k)));

  // The output directory is checked and locked before any work, and stays locked until the end.
  const runDir = RunDir.open(out, v.force === true ? 'force' : v.resume === true ? 'resume' : 'new');
  try {
    if (runDir.cleaned.length > 0) process.stderr.write(`${out}: removed ${runDir.cleaned.length} leftover(s) of an interrupted save\n`);
    if (runDir.lock.replaced) process.stderr.write(`${out}: took over the stale lock of pid ${runDir.lock.replaced.pid} (no longer running)\n`);
    await train(runDir);
  } finally {
    runDir.release();
  }

  async function train(run: RunDir): Promise<void> {
    await startBackend(v.quiet === true);
    const cap = <T>(xs: T[]): T[] => (maxSentences === undefined ? xs : xs.slice(0, maxSentences));
    const train = cap(readData(trainFile, format, dataOptions));
    const devFile = str(v, 'dev');
    const dev = devFile === undefined ? null : cap(readData(devFile, format, dataOptions));
    const labels = LabelSet.fromSentences(train);
    if (labels.size < 2) throw new Error(`${trainFile}: found ${labels.size} distinct label(s); a labeler needs at least 2`);
    if (dev !== null) checkGoldLabels(dev, labels, devFile!);
    const metric = metricFlag ?? chooseMetric(labels.labels);

    let tokenizer: WordPiece;
    let model: EarlyExitModel;
    let origin: string;
    const resumed = v.resume === true ? await loadResume(run, settings) : null;
    if (resumed !== null) {
      const c = resumed.checkpoint;
      if (c.labels.labels.join(' ') !== labels.labels.join(' ')) {
        c.model.dispose();
        throw new Error(`${trainFile}: its labels [${labels.labels.join(' ')}] differ from the resumed run's [${c.labels.labels.join(' ')}]; did the data change?`);
      }
      tokenizer = c.tokenizer;
      model = c.model;
      origin = `resumed from ${out} after epoch ${resumed.state.epochs}`;
    } else if (hfDir !== undefined) {
      const hf = await readHfBert(hfDir, { lowercase: caseFlag === 'auto' ? undefined : caseFlag === 'uncased', dropout });
      tokenizer = hf.tokenizer;
      const warnings: string[] = [];
      model = labelerFromHf(hf, labels.size, offRampDropout, seed, v['allow-non-finite'] === true ? 'warn' : 'error', warnings);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      origin = `Hugging Face ${hfDir} (${hf.lowercase ? 'uncased' : 'cased'}, from ${hf.caseSource}; skipped ${hf.skipped.length} unused tensors)`;
    } else {
      if (v.vocab !== undefined) {
        const file = str(v, 'vocab')!;
        const vocab = readVocabFile(file);
        tokenizer = new WordPiece(vocab, { lowercase: caseFlag === 'auto' ? guessLowercase(vocab) : caseFlag === 'uncased' }, file);
      } else {
        const lowercase = caseFlag === 'uncased';
        const counts = new WordCounts(lowercase);
        for (const sentence of train) counts.addWords(sentence.words);
        const { tokens } = trainWordPiece(counts.counts, { vocabSize: buildVocabSize, minFrequency: 2 });
        tokenizer = new WordPiece(tokens, { lowercase }, 'learned vocabulary');
      }
      const bert = shape(tokenizer.size);
      if (maxPositions !== undefined) bert.maxPositions = maxPositions;
      if (dropout !== undefined) bert.dropout = dropout;
      model = new EarlyExitModel({ bert, numLabels: labels.size, offRampDropout }, seed);
      origin = `from scratch, vocabulary ${tokenizer.size} tokens (${tokenizer.lowercase ? 'uncased' : 'cased'})`;
    }
    const steps = stepsPerEpoch(train, tokenizer, batchPieces) * epochs;
    const warmup = warmupFlag ?? Math.round(0.1 * steps);
    const b = model.cfg.bert;
    process.stderr.write(
      `train: ${train.length} sentences${dev ? `, dev: ${dev.length}` : ''}; ${labels.size} labels; metric ${metric}\n` +
        `model: L=${b.layers} H=${b.hidden} heads=${b.heads} F=${b.ffn}, ${origin}\n` +
        `optim: ${epochs} epochs × ${steps / epochs} steps, lr ${lr} (encoder ×${encoderLrRatio}), warmup ${warmup}, ${schedule}; recipe ${recipeName}\n`,
    );
    if (resumed !== null && resumed.state.epochs >= epochs) {
      process.stderr.write(`${out}: the run already completed its ${epochs} epochs; nothing to do\n`);
      process.stdout.write(`best: epoch ${String(resumed.state.progress.bestEpoch)}, saved in ${out}\n`);
      model.dispose();
      return;
    }
    const outcome = await runTraining({
      model, tokenizer, labels, train, dev, metric, batchPieces, run, settings, resume: resumed, pretrained: hfDir !== undefined,
      options: { epochs, lr, encoderLrRatio, weightDecay, warmup, schedule, freezeEncoderEpochs, seed },
      info: {
        trainedBy: 'offramp train',
        train: trainFile, dev: devFile ?? null, format: format ?? 'auto', column: dataOptions.column, tagScheme: dataOptions.tagScheme, maxSentences: maxSentences ?? null,
        options: { epochs, lr, encoderLrRatio, weightDecay, warmup, schedule, freezeEncoderEpochs, seed, batchPieces, initHf: hfDir ?? null },
      },
      quiet: v.quiet === true,
    });
    const best = outcome.bestDev === null ? `epoch ${outcome.bestEpoch}` : `epoch ${outcome.bestEpoch} (dev ${metric === 'f1' ? 'span F1' : 'accuracy'} ${pct(outcome.bestDev)})`;
    process.stdout.write(`best: ${best}, saved in ${out}\n`);
    model.dispose();
  }
}
