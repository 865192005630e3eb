// A trained labeler on disk, as a directory:
//   model.safetensors  every parameter by name (Hugging Face BERT names + offramps.<l>.{weight,bias})
//   config.json        BertConfig, numLabels, off-ramp dropout, tokenizer case, free-form training info
//   vocab.txt          the WordPiece vocabulary, one token per line
//   labels.txt         the label set, one label per line (id = line index)
// saveCheckpoint switches these files in as a whole (a run directory, see rundir.ts: DIR/CURRENT
// names the checkpoint subdirectory); loaders follow CURRENT and also read a directory holding the
// four files at its top (older offramp). config.json carries a random id that model.safetensors
// also holds in its metadata, so files of two different saves are detected instead of mixed.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelSet } from '../data/sentence.js';
import type { WordPiece } from '../data/wordpiece.js';
import type { EarlyExitModel } from '../earlyexit/model.js';
import type { ParamStore } from '../nn/module.js';
import { writeFileAtomic } from './atomic.js';
import { checkpointFormat, checkpointFromContents, checkpointVersion, parseCheckpointConfig, type Checkpoint, type CheckpointConfig, type FromContentsOptions } from './checkpoint-format.js';
import { resolveCheckpoint, RunDir } from './rundir.js';
import { withFileSource, writeSafetensors, type TensorToWrite } from './safetensors.js';

export * from './checkpoint-format.js';

function linesFile(lines: readonly string[], what: string): string {
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new Error(`${what} ${JSON.stringify(line)} contains a line break`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Reads every parameter back to the host, in the store's order. */
export async function paramsToHost(store: ParamStore): Promise<Map<string, TensorToWrite>> {
  const out = new Map<string, TensorToWrite>();
  for (const [name, t] of store.params) {
    const data = await t.data();
    if (!(data instanceof Float32Array)) throw new Error(`checkpoint: parameter '${name}' is not f32`);
    out.set(name, { shape: [...t.shape], data: Float32Array.from(data) });
  }
  return out;
}

/**
 * Saves model, tokenizer and label set as the new checkpoint of run directory `dir` (created if
 * needed; the checkpoint it held is replaced as a whole). Takes dir's lock while it writes.
 */
export async function saveCheckpoint(
  dir: string,
  model: EarlyExitModel,
  tokenizer: WordPiece,
  labels: LabelSet,
  info: Record<string, unknown> = {},
): Promise<CheckpointConfig> {
  const run = RunDir.open(dir, 'force');
  try {
    let config: CheckpointConfig | undefined;
    await run.commit(async (staging) => {
      config = await writeCheckpointFiles(staging, model, tokenizer, labels, info);
    });
    return config!;
  } finally {
    run.release();
  }
}

/** Writes the checkpoint files into `dir` as they are (a RunDir commit makes them atomic as a whole). */
export async function writeCheckpointFiles(
  dir: string,
  model: EarlyExitModel,
  tokenizer: WordPiece,
  labels: LabelSet,
  info: Record<string, unknown> = {},
): Promise<CheckpointConfig> {
  if (tokenizer.size !== model.cfg.bert.vocabSize) {
    throw new Error(`saveCheckpoint: the vocabulary has ${tokenizer.size} tokens but the model's vocabSize is ${model.cfg.bert.vocabSize}`);
  }
  if (labels.size !== model.cfg.numLabels) {
    throw new Error(`saveCheckpoint: the label set has ${labels.size} labels but the model has ${model.cfg.numLabels}`);
  }
  await mkdir(dir, { recursive: true });
  const id = randomBytes(8).toString('hex');
  const config: CheckpointConfig = {
    format: checkpointFormat,
    version: checkpointVersion,
    id,
    labeler: model.cfg,
    lowercase: tokenizer.lowercase,
    info,
  };
  await writeWeights(join(dir, 'model.safetensors'), model, id);
  await writeFileAtomic(join(dir, 'vocab.txt'), linesFile(tokenizer.vocab, 'vocabulary token'));
  await writeFileAtomic(join(dir, 'labels.txt'), linesFile(labels.labels, 'label'));
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return config;
}

/** The model's weights as a safetensors file that belongs to the checkpoint whose config.json has `id`. */
export async function writeWeights(path: string, model: EarlyExitModel, id: string): Promise<void> {
  await writeSafetensors(path, await paramsToHost(model.store), { format: checkpointFormat, checkpoint_id: id });
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`, { cause: err });
  }
}

/** Reads only config.json (cheap: no weights). */
export async function readCheckpointConfig(dir: string): Promise<CheckpointConfig> {
  if (!existsSync(dir)) throw new Error(`${dir}: no such checkpoint directory`);
  const path = join(resolveCheckpoint(dir), 'config.json');
  const text = await readText(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseCheckpointConfig(json, path);
}

export interface LoadOptions extends Pick<FromContentsOptions, 'nonFinite'> {
  /** the weights file inside the checkpoint (a training state's last epoch; default model.safetensors) */
  weights?: string;
}

/** Loads a checkpoint written by saveCheckpoint (or a run directory's current checkpoint). */
export async function loadCheckpoint(runOrCheckpointDir: string, opts: LoadOptions = {}): Promise<Checkpoint> {
  if (!existsSync(runOrCheckpointDir)) throw new Error(`${runOrCheckpointDir}: no such checkpoint directory`);
  const dir = resolveCheckpoint(runOrCheckpointDir);
  await readCheckpointConfig(dir); // config errors first, before the bigger files are read
  const weightsName = opts.weights ?? 'model.safetensors';
  const weightsPath = join(dir, weightsName);
  const texts = {
    configText: await readText(join(dir, 'config.json')),
    vocabText: await readText(join(dir, 'vocab.txt')),
    labelsText: await readText(join(dir, 'labels.txt')),
  };
  // the weights are read tensor by tensor into the model: the file is never held whole
  return withFileSource(weightsPath, (weights) => checkpointFromContents({ ...texts, weights }, dir, { nonFinite: opts.nonFinite, weightsName }));
}
