// The labeler checkpoint's contents (see checkpoint.ts for the files on disk): config.json's schema and
// building a model from the four files' contents. No file system here, so a browser page that fetched
// the files builds the same model as loadCheckpoint in Node.
import { LabelSet } from '../data/sentence.js';
import { parseVocab, WordPiece } from '../data/wordpiece.js';
import type { BertConfig } from '../nn/bert.js';
import type { ParamStore } from '../nn/module.js';
import { sizeOf } from '../tensor/shape.js';
import { EarlyExitModel, type LabelerConfig } from '../earlyexit/model.js';
import { NonFiniteCount, reportNonFinite, type NonFinitePolicy } from './finite.js';
import { bytesSource, SafetensorsReader, type ByteSource } from './safetensors-reader.js';
import type { TensorEntry } from './safetensors-format.js';

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

/**
 * Reads every parameter of the store from `weights`, a chunk at a time straight into the parameter's
 * storage. Every parameter must be present with its exact shape and a float dtype (the error names
 * the tensor); returns the tensor names the store has no parameter for.
 */
export function loadParams(store: ParamStore, weights: SafetensorsReader, nonFinite: NonFinitePolicy = 'error', warnings: string[] = []): string[] {
  const { file, tensors } = weights;
  const missing = [...store.params.keys()].filter((name) => !tensors.has(name));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((n) => `'${n}'`).join(', ');
    throw new Error(`${file}: missing tensor ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
  for (const name of store.params.keys()) readParam(store, name, weights, tensors.get(name)!, nonFinite, warnings);
  return [...tensors.keys()].filter((name) => !store.params.has(name));
}

/**
 * Reads the file's tensor `t` into the store's parameter `name`, a chunk at a time: its shape must be
 * the parameter's (`expected` says where that shape comes from in the error), its values float and
 * finite (or reported, by `nonFinite`). Errors name the tensor as the file does.
 */
export function readParam(store: ParamStore, name: string, weights: SafetensorsReader, t: TensorEntry, nonFinite: NonFinitePolicy, warnings: string[], expected = 'the model expects'): void {
  const param = store.get(name);
  if (t.shape.length !== param.shape.length || t.shape.some((d, i) => d !== param.shape[i])) {
    throw new Error(`${weights.file}: tensor '${t.name}' has shape [${t.shape.join(', ')}], ${expected} [${param.shape.join(', ')}]`);
  }
  const count = new NonFiniteCount();
  weights.readFloats(t, (values, offset) => {
    count.add(values, offset);
    store.write(name, values, offset);
  });
  reportNonFinite(count.problem(t.name, sizeOf(param.shape), weights.file), nonFinite, warnings);
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

/** A checkpoint's four files, as read from disk or fetched. */
export interface CheckpointContents {
  configText: string;
  vocabText: string;
  labelsText: string;
  /** model.safetensors: its bytes, or a source that reads them where they are needed (an open file) */
  weights: Uint8Array | ByteSource;
}

export interface FromContentsOptions {
  /** non-finite weights: an error (default) or a warning in Checkpoint.warnings */
  nonFinite?: NonFinitePolicy;
  /** the weights file's name inside the checkpoint, for messages (default model.safetensors) */
  weightsName?: string;
}

/** Builds the model from a checkpoint's files; `dir` names the checkpoint in errors (a path or a URL). */
export function checkpointFromContents(files: CheckpointContents, dir: string, opts: FromContentsOptions = {}): Checkpoint {
  const file = (name: string) => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);
  const configPath = file('config.json');
  let json: unknown;
  try {
    json = JSON.parse(files.configText);
  } catch (err) {
    throw new Error(`${configPath}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  const config = parseCheckpointConfig(json, configPath);
  const { labeler } = config;
  const vocabPath = file('vocab.txt');
  const vocab = parseVocab(files.vocabText);
  if (vocab.length !== labeler.bert.vocabSize) {
    throw new Error(`${vocabPath}: ${vocab.length} tokens, but config.json says vocabSize ${labeler.bert.vocabSize}`);
  }
  const tokenizer = new WordPiece(vocab, { lowercase: config.lowercase }, vocabPath);
  const labelsPath = file('labels.txt');
  const labelLines = files.labelsText.split('\n').map((l) => l.replace(/\r$/, ''));
  if (labelLines[labelLines.length - 1] === '') labelLines.pop();
  const labels = new LabelSet(labelLines);
  if (labels.size !== labelLines.length || labels.labels.some((l, i) => l !== labelLines[i])) {
    throw new Error(`${labelsPath}: labels must be distinct and sorted (as offramp writes them)`);
  }
  if (labels.size !== labeler.numLabels) throw new Error(`${labelsPath}: ${labels.size} labels, but config.json says numLabels ${labeler.numLabels}`);
  const weightsName = opts.weightsName ?? 'model.safetensors';
  const weightsPath = file(weightsName);
  const st = new SafetensorsReader(files.weights instanceof Uint8Array ? bytesSource(files.weights, weightsPath) : files.weights, weightsPath);
  if (st.metadata.checkpoint_id !== undefined && st.metadata.checkpoint_id !== config.id) {
    throw new Error(`${dir}: ${weightsName} (id ${st.metadata.checkpoint_id}) and config.json (id ${config.id}) come from different saves; was the directory being written?`);
  }
  const model = new EarlyExitModel(labeler, null);
  try {
    const warnings: string[] = [];
    const extraTensors = loadParams(model.store, st, opts.nonFinite, warnings);
    return { model, tokenizer, labels, config, extraTensors, dir, warnings };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
