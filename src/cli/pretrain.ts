// offramp pretrain: BERT masked-language-model pretraining on raw text and the words of labelled
// files; saves a Hugging Face BERT directory that `offramp train --init-hf` starts from.
import { existsSync, mkdirSync } from 'node:fs';
import { RunLock } from '../io/runlock.js';
import { join } from 'node:path';
import { planBatches } from '../data/batcher.js';
import { maskBatch, maskVocab, type MaskingOptions, type MaskVocab, type MlmBatch } from '../data/mlm.js';
import { readVocabFile, WordPiece } from '../data/wordpiece.js';
import { guessLowercase } from '../io/hf.js';
import { loadParams } from '../io/checkpoint.js';
import { loadPretraining, savePretraining, type PretrainState } from '../io/pretraincheckpoint.js';
import { withSafetensorsFile } from '../io/safetensors.js';
import type { BertConfig } from '../nn/bert.js';
import { MaskedLm } from '../nn/mlm.js';
import { AdamW } from '../optim/adamw.js';
import { linearWarmupDecay } from '../optim/schedule.js';
import { tidy } from '../tensor/engine.js';
import { Rng } from '../tensor/random.js';
import { checkReadable, fmtDuration, num, oneOf, parse, required, startBackend, str, UsageError, type Command } from './common.js';
import { readCorpus, type CorpusSource } from './pretraincorpus.js';
import { shapeFlagHelp, shapeFlagOptions, shapeFromFlags } from './shape.js';

const help = `Usage: offramp pretrain --vocab FILE --out DIR [options] [TEXT_FILE...] [--labelled FILE...]

Masked-language-model pretraining (BERT): consecutive lines are packed into sequences of up to
--seq-len pieces; in each sequence 15% of the pieces are chosen, 80% of them replaced by [MASK],
10% by a random piece, 10% kept, and the model learns to predict them. --out becomes a Hugging
Face BERT directory (config.json, tokenizer_config.json, vocab.txt, model.safetensors with the
MLM head) that 'offramp train --init-hf DIR' fine-tunes; it also holds the optimizer state for --resume.

Text:
  TEXT_FILE...          raw text, one sentence or paragraph per line; a blank line ends a document
  --labelled FILE       the words of a labelled file (CoNLL, CoNLL-U by .conllu, CLUENER by .json/.jsonl); repeatable
  --holdout N           lines held out (spread over all files) to report MLM accuracy on
                        (default 1% of the lines, at most 2000)

Vocabulary:
  --vocab FILE          WordPiece vocab.txt (required)
  --case C              auto | cased | uncased (default auto: a guess from the vocabulary)

Model:
${shapeFlagHelp}
  --dropout P           (default 0.1)

Training:
  --seq-len N           most pieces per sequence, [CLS]/[SEP] included (default 128, at most 512);
                        also the saved max_position_embeddings
  --whole-word-masking  choose whole words (a piece and its ## continuations) rather than pieces
  --steps N | --epochs N   how long to train (default --epochs 1)
  --batch-pieces N      pieces per batch (default 1024)
  --lr X                peak learning rate (default 5e-4)
  --warmup N            linear warmup steps, then linear decay to 0 (default 10% of the steps)
  --weight-decay X      (default 0.01)
  --seed N              (default 1)
  --log-every N         progress line every N steps (default 20)
  --eval-every N        held-out accuracy every N steps (default 500)
  --save-every N        save to --out every N steps (default 200; always at the end, and on Ctrl-C)
  --out DIR             output directory (required)
  --resume              continue the run saved in --out (same text and options); nothing to do
                        when it is complete
  --init DIR            start from the weights of a finished pretraining directory (same shape and
                        vocabulary) with a fresh optimizer and schedule: to pretrain it further
  --stop-at N           stop (and save) after step N of the schedule, to continue later with --resume

Example:
  offramp pretrain --vocab vocab.txt --labelled eng.train wiki.txt --epochs 3 --out runs/bert-tiny
  offramp train --train eng.train --dev eng.testa --init-hf runs/bert-tiny --out runs/ner
`;

export const pretrainCommand: Command = { name: 'pretrain', summary: 'pretrain BERT (masked language model) on raw text', help, run };

/** An independent random stream per (seed, counter, purpose): a resumed run draws the same numbers. */
function streamRng(seed: number, counter: number, purpose: number): Rng {
  return new Rng((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(counter + 1, 0x85ebca6b) ^ Math.imul(purpose, 0xc2b2ae35)) >>> 0);
}
const shuffleStream = 1;
const maskStream = 2;
const dropoutStream = 3;
const heldOutStream = 4;

interface Totals {
  loss: number;
  correct: number;
  masked: number;
}

async function evaluate(model: MaskedLm, batches: readonly MlmBatch[]): Promise<Totals> {
  const t: Totals = { loss: 0, correct: 0, masked: 0 };
  for (const batch of batches) {
    if (batch.targets.length === 0) continue;
    const r = tidy(() => model.forward(batch, null));
    t.loss += (await r.loss.item()) * batch.targets.length;
    t.correct += await r.correct.item();
    t.masked += batch.targets.length;
    r.loss.dispose();
    r.correct.dispose();
  }
  return t;
}

/** Forward, backward and AdamW on one batch; null when the batch has nothing to predict. */
async function trainStep(model: MaskedLm, optim: AdamW, batch: MlmBatch, dropoutRng: Rng): Promise<{ loss: number; correct: number } | null> {
  if (batch.targets.length === 0) return null;
  const r = tidy(() => {
    const x = model.forward(batch, dropoutRng);
    x.loss.backward();
    return x;
  });
  const loss = await r.loss.item();
  const correct = await r.correct.item();
  r.loss.dispose();
  r.correct.dispose();
  if (Number.isFinite(loss)) await optim.stepAsync();
  optim.zeroGrad();
  return { loss, correct };
}

function noDecay(name: string): boolean {
  return name.endsWith('.bias') || name.includes('LayerNorm');
}

async function run(argv: string[]): Promise<void> {
  const p = parse(pretrainCommand, argv, {
    labelled: { type: 'string', multiple: true }, holdout: { type: 'string' }, vocab: { type: 'string' }, case: { type: 'string' },
    ...shapeFlagOptions,
    dropout: { type: 'string' }, 'seq-len': { type: 'string' }, 'whole-word-masking': { type: 'boolean' }, steps: { type: 'string' },
    epochs: { type: 'string' }, 'batch-pieces': { type: 'string' }, lr: { type: 'string' }, warmup: { type: 'string' },
    'weight-decay': { type: 'string' }, seed: { type: 'string' }, 'log-every': { type: 'string' }, 'eval-every': { type: 'string' },
    'save-every': { type: 'string' }, 'stop-at': { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' },
    init: { type: 'string' },
  }, true);
  if (!p) return;
  const vs = p.values;
  // a `multiple` option parses to an array, which the shared Values type does not describe
  const labelled = ((p.values as Record<string, unknown>).labelled as string[] | undefined) ?? [];
  const sources: CorpusSource[] = [...p.positionals.map((file) => ({ file, kind: 'text' as const })), ...labelled.map((file) => ({ file, kind: 'labelled' as const }))];
  if (sources.length === 0) throw new UsageError('give at least one text file or --labelled file');
  const vocabFile = required(vs, 'vocab');
  const out = required(vs, 'out');
  const caseFlag = oneOf(vs, 'case', ['auto', 'cased', 'uncased'] as const, 'auto');
  const shape = shapeFromFlags(vs);
  if (vs.steps !== undefined && vs.epochs !== undefined) throw new UsageError('give --steps or --epochs, not both');
  const dropout = num(vs, 'dropout', 0.1, { min: 0, max: 0.99 });
  const seqLen = num(vs, 'seq-len', 128, { int: true, min: 3, max: 512 });
  const batchPieces = num(vs, 'batch-pieces', 1024, { int: true, min: seqLen });
  const stepsFlag = num(vs, 'steps', undefined, { int: true, min: 1 });
  const epochs = num(vs, 'epochs', 1, { int: true, min: 1 });
  const lr = num(vs, 'lr', 5e-4, { min: 0, above: true });
  const warmupFlag = num(vs, 'warmup', undefined, { int: true, min: 0 });
  const weightDecay = num(vs, 'weight-decay', 0.01, { min: 0 });
  const seed = num(vs, 'seed', 1, { int: true, min: 0 });
  const logEvery = num(vs, 'log-every', 20, { int: true, min: 1 });
  const evalEvery = num(vs, 'eval-every', 500, { int: true, min: 1 });
  const saveEvery = num(vs, 'save-every', 200, { int: true, min: 1 });
  const stopAt = num(vs, 'stop-at', undefined, { int: true, min: 1 });
  const holdoutFlag = num(vs, 'holdout', undefined, { int: true, min: 0 });
  const masking: MaskingOptions = { prob: 0.15, wholeWord: vs['whole-word-masking'] === true };
  const init = str(vs, 'init');
  checkReadable(vocabFile);
  if (init !== undefined) checkReadable(join(init, 'model.safetensors'));
  if (vs.resume !== true && existsSync(join(out, 'trainer_state.json'))) {
    throw new Error(`${out} already holds a pretraining run: continue it with --resume, or choose another --out`);
  }
  mkdirSync(out, { recursive: true });
  const lock = RunLock.acquire(out); // one writer per directory; a crashed run's lock is stale
  process.once('exit', () => lock.release());

  await startBackend();
  const vocab = readVocabFile(vocabFile);
  if (init !== undefined && readVocabFile(join(init, 'vocab.txt')).join('\n') !== vocab.join('\n')) {
    throw new Error(`${join(init, 'vocab.txt')} differs from --vocab ${vocabFile}: --init needs the vocabulary it was pretrained with`);
  }
  const tokenizer = new WordPiece(vocab, { lowercase: caseFlag === 'auto' ? guessLowercase(vocab) : caseFlag === 'uncased' }, vocabFile);
  const t0 = performance.now();
  const corpus = readCorpus(sources, tokenizer, seqLen, (lines) => holdoutFlag ?? Math.min(2000, Math.ceil(lines / 100)));
  if (corpus.train.length === 0) throw new Error('no training text is left after the held-out lines');
  const lengths = corpus.train.map((s) => s.length + 2);
  const pieces = lengths.reduce((a, b) => a + b, 0);
  const mv: MaskVocab = maskVocab(tokenizer);
  const heldOut = planBatches(corpus.heldOut.map((s) => s.length + 2), { maxPieces: batchPieces })
    .map((idx, b) => maskBatch(idx.map((i) => corpus.heldOut[i]!), mv, masking, streamRng(seed, b, heldOutStream)));
  const planOf = (epoch: number): number[][] => planBatches(lengths, { maxPieces: batchPieces, rng: streamRng(seed, epoch, shuffleStream) });
  const epochSteps: number[] = [];
  if (stepsFlag === undefined) for (let e = 0; e < epochs; e++) epochSteps.push(planOf(e).length);
  const total = stepsFlag ?? epochSteps.reduce((a, b) => a + b, 0);
  const warmup = warmupFlag ?? Math.round(0.1 * total);
  const end = Math.min(total, stopAt ?? total);

  // max_position_embeddings = --seq-len: positions pretraining never reaches would stay random, so
  // the fine-tuned labeler splits longer sentences into windows instead of using them
  const bert: BertConfig = { ...shape(tokenizer.size), dropout, maxPositions: seqLen };
  const model = new MaskedLm(bert, seed);
  // a resumed run's weights come from --out instead
  if (init !== undefined && vs.resume !== true) withSafetensorsFile(join(init, 'model.safetensors'), (weights) => loadParams(model.store, weights));
  const named = [...model.store.params.entries()];
  const optim = new AdamW([
    { params: named.filter(([n]) => !noDecay(n)).map(([, t]) => t), lr, weightDecay, maxGradNorm: 1 },
    { params: named.filter(([n]) => noDecay(n)).map(([, t]) => t), lr, weightDecay: 0, maxGradNorm: 1 },
  ]);
  const options = {
    sources: sources.map((s) => `${s.kind}:${s.file}`), vocab: vocabFile, lowercase: tokenizer.lowercase, bert, seqLen, batchPieces,
    steps: total, warmup, lr, weightDecay, seed, wholeWordMasking: masking.wholeWord, heldOutLines: corpus.heldOutLines,
    // the text as tokenized: a resumed run must see the same sequences
    sequences: corpus.train.length, pieces, ...(init !== undefined ? { init } : {}),
  };
  let state: PretrainState = { step: 0, options, history: [], seconds: 0 };
  if (vs.resume === true) {
    state = await loadPretraining(out, model, optim);
    const saved = JSON.stringify(state.options);
    if (saved !== JSON.stringify(options)) throw new Error(`${out}/trainer_state.json: the saved run's options ${saved} differ from this run's ${JSON.stringify(options)}`);
    if (state.step >= end) {
      process.stderr.write(`${out}: the run is already at step ${state.step} of ${total}; nothing to do\n`);
      optim.dispose();
      model.dispose();
      return;
    }
  }
  process.stderr.write(
    `text: ${corpus.lines} lines → ${corpus.train.length} sequences, ${pieces} pieces (${((performance.now() - t0) / 1000).toFixed(1)} s); held out ${corpus.heldOutLines} lines, ${heldOut.reduce((n, b) => n + b.targets.length, 0)} masked pieces\n` +
      `model: L=${bert.layers} H=${bert.hidden} heads=${bert.heads} F=${bert.ffn}, vocabulary ${tokenizer.size} (${tokenizer.lowercase ? 'uncased' : 'cased'}), seq-len ${seqLen}${masking.wholeWord ? ', whole-word masking' : ''}\n` +
      `optim: ${total} steps of ~${batchPieces} pieces (${(total * batchPieces / pieces).toFixed(2)} epochs), lr ${lr}, warmup ${warmup}, linear decay${state.step > 0 ? `; resuming at step ${state.step}` : ''}\n`,
  );

  const report = async (step: number): Promise<string> => {
    if (heldOut.length === 0) return 'no held-out text';
    const t = await evaluate(model, heldOut);
    const acc = t.correct / Math.max(1, t.masked);
    const loss = t.loss / Math.max(1, t.masked);
    state.history.push({ step, heldOutLoss: loss, heldOutAccuracy: acc });
    return `held-out MLM accuracy ${(100 * acc).toFixed(2)}%, loss ${loss.toFixed(4)} (${t.masked} pieces)`;
  };
  const start = performance.now();
  const seconds = (): number => (state.seconds ?? 0) + (performance.now() - start) / 1000;
  const save = async (step: number): Promise<void> => savePretraining(out, model, tokenizer, optim, { ...state, step, seconds: seconds() });

  // SIGINT/SIGTERM: finish the current step, save, stop (a second signal kills as usual)
  let signal: string | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    signal = sig;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let window = { loss: 0, correct: 0, masked: 0 };
  let doneTokens = 0;
  let step = state.step;
  let first = 0; // first step of the current epoch (epochs before a resumed step are skipped whole)
  try {
    for (let epoch = 0; step < end && signal === null; epoch++) {
      const plan = planOf(epoch);
      for (let i = step - first; i < plan.length && step < end && signal === null; i++) {
        const batch = maskBatch(plan[i]!.map((j) => corpus.train[j]!), mv, masking, streamRng(seed, step, maskStream));
        optim.scaleLr(linearWarmupDecay(step, warmup, total));
        const r = await trainStep(model, optim, batch, streamRng(seed, step, dropoutStream));
        await new Promise(setImmediate); // CPU readbacks resolve as microtasks: let a signal through
        step++;
        if (r === null) continue; // nothing to predict (every piece special, e.g. [UNK]): no update
        if (!Number.isFinite(r.loss)) throw new Error(`pretraining: loss is ${r.loss} at step ${step}`);
        const m = batch.targets.length;
        window = { loss: window.loss + r.loss * m, correct: window.correct + r.correct, masked: window.masked + m };
        doneTokens += batch.ids.length;
        if (step % logEvery === 0 || step === end) {
          const elapsed = (performance.now() - start) / 1000;
          const eta = ((end - step) * elapsed) / (step - state.step);
          process.stderr.write(`step ${step}/${total} epoch ${epoch + 1}  loss ${(window.loss / window.masked).toFixed(4)}  MLM acc ${(100 * window.correct / window.masked).toFixed(2)}%  ${(doneTokens / elapsed).toFixed(0)} tokens/s  lr ${optim.groups[0]!.lr.toExponential(2)}  ETA ${fmtDuration(eta)}\n`);
          window = { loss: 0, correct: 0, masked: 0 };
        }
        if (step % evalEvery === 0 && step < end) process.stderr.write(`step ${step}: ${await report(step)}\n`);
        if (step % saveEvery === 0 && step < end) await save(step);
      }
      first += plan.length;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (signal !== null) {
    await save(step);
    throw new Error(`stopped by ${signal} after step ${step}/${total}; saved in ${out} (continue with --resume)`);
  }
  const final = await report(step);
  await save(step);
  process.stdout.write(`step ${step}/${total}: ${final}; ${fmtDuration(seconds())} of training; saved in ${out}${step < total ? ' (continue with --resume)' : ''}\n`);
  optim.dispose();
  model.dispose();
}
