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
import { LabelSet } from '../data/sentence.js';
import { WordPiece, readVocabFile } from '../data/wordpiece.js';
import type { BertConfig } from '../nn/bert.js';
import type { ParamStore } from '../nn/module.js';
import { EarlyExitModel, type LabelerConfig } from '../earlyexit/model.js';
import { writeFileAtomic } from './atomic.js';
import { checkFinite, type NonFinitePolicy } from './finite.js';
import { resolveCheckpoint, RunDir } from './rundir.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensor, type TensorToWrite } from './safetensors.js';

export const checkpointFormat = 'offramp-labeler';
export const checkpointVersion = 1;

export interface CheckpointConfig {
  format: typeof checkpointFormat;
  version: number;
  /** matches the `checkpoint_id` metadata of model.safetensors */
  id: string;
  labeler: LabelerConfig;
  /** the WordPiece tokenizer lower-cases and strips accents */
  lowercase: boolean;
  /** anything the writer wants to keep (training options, dev scores, metric) */
  info: Record<string, unknown>;
}

export interface Checkpoint {
  model: EarlyExitModel;
  tokenizer: WordPiece;
  labels: LabelSet;
  config: CheckpointConfig;
  /** tensors in model.safetensors that the model has no parameter for (ignored) */
  extraTensors: string[];
  /** the directory the files were read from (DIR itself, or the checkpoint DIR/CURRENT names) */
  dir: string;
  /** non-finite tensors loaded anyway (nonFinite: 'warn') */
  warnings: string[];
}

/** The files a labeler checkpoint consists of. */
export const checkpointFiles = ['model.safetensors', 'config.json', 'vocab.txt', 'labels.txt'] as const;

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

/**
 * Copies `tensors` into the store's parameters. Every parameter must be present with its exact
 * shape (the error names the tensor); returns the tensor names the store has no parameter for.
 */
export function loadParams(store: ParamStore, tensors: ReadonlyMap<string, SafetensorsTensor>, file: string, nonFinite: NonFinitePolicy = 'error', warnings: string[] = []): string[] {
  const missing = [...store.params.keys()].filter((name) => !tensors.has(name));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((n) => `'${n}'`).join(', ');
    throw new Error(`${file}: missing tensor ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
  for (const [name, param] of store.params) {
    const t = tensors.get(name)!;
    if (t.shape.length !== param.shape.length || t.shape.some((d, i) => d !== param.shape[i])) {
      throw new Error(`${file}: tensor '${name}' has shape [${t.shape.join(', ')}], the model expects [${param.shape.join(', ')}]`);
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`${file}: tensor '${name}' has integer dtype ${t.dtype}, expected a float`);
    checkFinite(t.data, name, file, nonFinite, warnings);
    store.set(name, t.data, t.shape);
  }
  return [...tensors.keys()].filter((name) => !store.params.has(name));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new Error(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function fraction(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`${where}: "${key}" must be a number in [0, 1), got ${JSON.stringify(v)}`);
  return v;
}

/** Validates config.json's content; `where` names the file in errors. */
export function parseCheckpointConfig(json: unknown, where: string): CheckpointConfig {
  if (!isObject(json)) throw new Error(`${where}: not a JSON object`);
  if (json.format !== checkpointFormat) {
    const hint = 'hidden_size' in json ? ' (this looks like a Hugging Face config: use --init-hf to start from it)' : '';
    throw new Error(`${where}: "format" is ${JSON.stringify(json.format)}, expected "${checkpointFormat}"${hint}`);
  }
  if (json.version !== checkpointVersion) throw new Error(`${where}: unsupported version ${JSON.stringify(json.version)} (this offramp reads ${checkpointVersion})`);
  if (typeof json.id !== 'string') throw new Error(`${where}: "id" is missing`);
  const lab = json.labeler;
  if (!isObject(lab) || !isObject(lab.bert)) throw new Error(`${where}: "labeler.bert" is missing`);
  const b = lab.bert;
  const w = `${where}: labeler.bert`;
  const bert: BertConfig = {
    vocabSize: positiveInt(b, 'vocabSize', w),
    hidden: positiveInt(b, 'hidden', w),
    layers: positiveInt(b, 'layers', w),
    heads: positiveInt(b, 'heads', w),
    ffn: positiveInt(b, 'ffn', w),
    maxPositions: positiveInt(b, 'maxPositions', w),
    typeVocabSize: positiveInt(b, 'typeVocabSize', w),
    dropout: fraction(b, 'dropout', w),
    layerNormEps: typeof b.layerNormEps === 'number' && b.layerNormEps > 0 ? b.layerNormEps : 1e-12,
  };
  if (bert.hidden % bert.heads !== 0) throw new Error(`${w}: hidden ${bert.hidden} is not divisible by heads ${bert.heads}`);
  const labeler: LabelerConfig = {
    bert,
    numLabels: positiveInt(lab, 'numLabels', `${where}: labeler`),
    offRampDropout: fraction(lab, 'offRampDropout', `${where}: labeler`),
  };
  if (typeof json.lowercase !== 'boolean') throw new Error(`${where}: "lowercase" must be true or false`);
  return { format: checkpointFormat, version: checkpointVersion, id: json.id, labeler, lowercase: json.lowercase, info: isObject(json.info) ? json.info : {} };
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

export interface LoadOptions {
  /** non-finite weights: an error (default) or a warning in Checkpoint.warnings */
  nonFinite?: NonFinitePolicy;
  /** the weights file inside the checkpoint (a training state's last epoch; default model.safetensors) */
  weights?: string;
}

/** Loads a checkpoint written by saveCheckpoint (or a run directory's current checkpoint). */
export async function loadCheckpoint(runOrCheckpointDir: string, opts: LoadOptions = {}): Promise<Checkpoint> {
  if (!existsSync(runOrCheckpointDir)) throw new Error(`${runOrCheckpointDir}: no such checkpoint directory`);
  const dir = resolveCheckpoint(runOrCheckpointDir);
  const config = await readCheckpointConfig(dir);
  const { labeler } = config;
  const vocabPath = join(dir, 'vocab.txt');
  await readText(vocabPath); // a clear error when it is missing
  const vocab = readVocabFile(vocabPath);
  if (vocab.length !== labeler.bert.vocabSize) {
    throw new Error(`${vocabPath}: ${vocab.length} tokens, but config.json says vocabSize ${labeler.bert.vocabSize}`);
  }
  const tokenizer = new WordPiece(vocab, { lowercase: config.lowercase }, vocabPath);
  const labelsPath = join(dir, 'labels.txt');
  const labelLines = (await readText(labelsPath)).split('\n').map((l) => l.replace(/\r$/, ''));
  if (labelLines[labelLines.length - 1] === '') labelLines.pop();
  const labels = new LabelSet(labelLines);
  if (labels.size !== labelLines.length || labels.labels.some((l, i) => l !== labelLines[i])) {
    throw new Error(`${labelsPath}: labels must be distinct and sorted (as offramp writes them)`);
  }
  if (labels.size !== labeler.numLabels) throw new Error(`${labelsPath}: ${labels.size} labels, but config.json says numLabels ${labeler.numLabels}`);
  const weightsPath = join(dir, opts.weights ?? 'model.safetensors');
  if (!existsSync(weightsPath)) throw new Error(`${weightsPath}: cannot read (no such file)`);
  const st = await readSafetensors(weightsPath);
  if (st.metadata.checkpoint_id !== undefined && st.metadata.checkpoint_id !== config.id) {
    throw new Error(`${dir}: ${opts.weights ?? 'model.safetensors'} (id ${st.metadata.checkpoint_id}) and config.json (id ${config.id}) come from different saves; was the directory being written?`);
  }
  const model = new EarlyExitModel(labeler, 0);
  try {
    const warnings: string[] = [];
    const extraTensors = loadParams(model.store, st.tensors, weightsPath, opts.nonFinite, warnings);
    return { model, tokenizer, labels, config, extraTensors, dir, warnings };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
