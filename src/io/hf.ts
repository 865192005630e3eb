// Hugging Face BERT import: a directory with config.json, vocab.txt and model.safetensors (and
// optionally tokenizer_config.json) becomes a BertConfig, a WordPiece tokenizer with BERT's own
// casing, and the encoder weights of an EarlyExitModel whose off-ramps are new.
//
// Names: BertModel checkpoints have no prefix ("embeddings.word_embeddings.weight"), task models
// (BertForTokenClassification, BertForPreTraining…) carry "bert."; old TF-converted checkpoints
// name LayerNorm parameters gamma/beta. All map to this project's names ("bert." + HF name with
// weight/bias). Tensors the labeler does not use (pooler, MLM/NSP heads, a task classifier,
// position_ids buffers) are skipped and reported.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readVocabFile, WordPiece } from '../data/wordpiece.js';
import type { BertConfig } from '../nn/bert.js';
import { EarlyExitModel } from '../earlyexit/model.js';
import { readParam } from './checkpoint-format.js';
import type { NonFinitePolicy } from './finite.js';
import { withSafetensorsFile, type TensorEntry } from './safetensors.js';

export type CaseSource = 'flag' | 'tokenizer_config.json' | 'vocabulary';

export interface HfBert {
  dir: string;
  config: BertConfig;
  tokenizer: WordPiece;
  lowercase: boolean;
  /** where the casing decision came from */
  caseSource: CaseSource;
  /** the encoder tensors' header entries (dtype, shape, name in the file) under this project's names */
  tensors: Map<string, TensorEntry>;
  /** file name → project name, for every tensor whose name changed */
  renamed: Map<string, string>;
  /** tensors in the file the encoder does not use */
  skipped: string[];
}

export interface HfOptions {
  /** override the casing (else tokenizer_config.json's do_lower_case, else a guess from vocab.txt) */
  lowercase?: boolean;
  /** dropout to train with (default: the config's hidden_dropout_prob) */
  dropout?: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** BertConfig from a Hugging Face config.json object; `where` names the file in errors. */
export function bertConfigFromHf(json: unknown, where: string): BertConfig {
  if (!isObject(json)) throw new Error(`${where}: not a JSON object`);
  const int = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw new Error(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(json[key])}`);
    return v as number;
  };
  const num = (key: string, fallback: number, ok: (x: number) => boolean): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== 'number' || !ok(v)) throw new Error(`${where}: "${key}" has a bad value ${JSON.stringify(json[key])}`);
    return v;
  };
  if (json.model_type !== undefined && json.model_type !== 'bert') {
    throw new Error(`${where}: model_type is ${JSON.stringify(json.model_type)}; only "bert" checkpoints can be imported`);
  }
  const act = json.hidden_act ?? 'gelu';
  if (act !== 'gelu') throw new Error(`${where}: hidden_act ${JSON.stringify(act)} is not supported (offramp's BERT uses the exact erf GELU, "gelu")`);
  const posType = json.position_embedding_type ?? 'absolute';
  if (posType !== 'absolute') throw new Error(`${where}: position_embedding_type ${JSON.stringify(posType)} is not supported (only "absolute")`);
  const hidden = int('hidden_size');
  const heads = int('num_attention_heads');
  if (hidden % heads !== 0) throw new Error(`${where}: hidden_size ${hidden} is not divisible by num_attention_heads ${heads}`);
  return {
    vocabSize: int('vocab_size'),
    hidden,
    layers: int('num_hidden_layers'),
    heads,
    ffn: int('intermediate_size', 4 * hidden),
    maxPositions: int('max_position_embeddings', 512),
    typeVocabSize: int('type_vocab_size', 2),
    dropout: num('hidden_dropout_prob', 0.1, (x) => x >= 0 && x < 1),
    layerNormEps: num('layer_norm_eps', 1e-12, (x) => x > 0),
  };
}

/**
 * Guess the casing of a BERT vocabulary: Google's uncased vocabularies have [unused…] slots and no
 * upper-case letter outside the bracketed special tokens.
 */
export function guessLowercase(vocab: readonly string[]): boolean {
  let unused = false;
  for (const token of vocab) {
    if (token.startsWith('[') && token.endsWith(']')) {
      if (token.startsWith('[unused')) unused = true;
      continue;
    }
    if (token.toLowerCase() !== token) return false;
  }
  return unused;
}

/** This project's parameter name for a Hugging Face tensor name, or null when the encoder does not use it. */
export function mapHfName(name: string): string | null {
  let n = name.startsWith('bert.') ? name.slice(5) : name;
  if (!n.startsWith('embeddings.') && !n.startsWith('encoder.')) return null;
  if (n.endsWith('.position_ids')) return null;
  n = n.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  return `bert.${n}`;
}

/** Reads a Hugging Face BERT directory: config, vocabulary and the weights' header (the weights themselves are read by labelerFromHf). */
export async function readHfBert(dir: string, opts: HfOptions = {}): Promise<HfBert> {
  if (!existsSync(dir)) throw new Error(`${dir}: no such directory`);
  const config = bertConfigFromHf(await readJson(join(dir, 'config.json')), join(dir, 'config.json'));
  if (opts.dropout !== undefined) config.dropout = opts.dropout;
  const vocabPath = join(dir, 'vocab.txt');
  if (!existsSync(vocabPath)) throw new Error(`${vocabPath}: cannot read (no such file)`);
  const vocab = readVocabFile(vocabPath);
  if (vocab.length > config.vocabSize) {
    throw new Error(`${vocabPath}: ${vocab.length} tokens, more than config.json's vocab_size ${config.vocabSize}`);
  }
  let lowercase: boolean;
  let caseSource: CaseSource;
  const tokCfgPath = join(dir, 'tokenizer_config.json');
  const tokCfg = existsSync(tokCfgPath) ? await readJson(tokCfgPath) : undefined;
  const doLower = isObject(tokCfg) ? tokCfg.do_lower_case : undefined;
  if (opts.lowercase !== undefined) {
    lowercase = opts.lowercase;
    caseSource = 'flag';
  } else if (typeof doLower === 'boolean') {
    lowercase = doLower;
    caseSource = 'tokenizer_config.json';
  } else {
    lowercase = guessLowercase(vocab);
    caseSource = 'vocabulary';
  }
  const tokenizer = new WordPiece(vocab, { lowercase }, vocabPath);
  const weightsPath = join(dir, 'model.safetensors');
  if (!existsSync(weightsPath)) {
    const hint = existsSync(join(dir, 'pytorch_model.bin')) ? ' (only pytorch_model.bin is there: convert it to safetensors first)' : '';
    throw new Error(`${weightsPath}: cannot read (no such file)${hint}`);
  }
  const header = withSafetensorsFile(weightsPath, (reader) => reader.header);
  const tensors = new Map<string, TensorEntry>();
  const renamed = new Map<string, string>();
  const skipped: string[] = [];
  for (const t of header.entries) {
    const { name } = t;
    const ours = mapHfName(name);
    if (ours === null) {
      skipped.push(name);
      continue;
    }
    const previous = [...renamed].find(([, v]) => v === ours)?.[0] ?? (tensors.has(ours) ? ours : undefined);
    if (previous !== undefined) throw new Error(`${weightsPath}: tensors '${previous}' and '${name}' both map to '${ours}'`);
    tensors.set(ours, t);
    if (ours !== name) renamed.set(name, ours);
  }
  return { dir, config, tokenizer, lowercase, caseSource, tensors, renamed, skipped };
}

/**
 * A new labeler whose encoder comes from `hf` and whose off-ramps are freshly initialised (seeded, the
 * same values as in a model built from scratch with that seed). The encoder is read from the file a
 * chunk at a time into its parameters. Every encoder parameter must be in the file with its shape and
 * finite values; errors name the file's tensor.
 */
export function labelerFromHf(hf: HfBert, numLabels: number, offRampDropout: number, seed: number, nonFinite: NonFinitePolicy = 'error', warnings: string[] = []): EarlyExitModel {
  const fromFile = (name: string) => name.startsWith('bert.'); // off-ramps are new
  const model = new EarlyExitModel({ bert: hf.config, numLabels, offRampDropout }, seed, fromFile);
  const weightsPath = join(hf.dir, 'model.safetensors');
  const fileName = (ours: string): string => [...hf.renamed].find(([, v]) => v === ours)?.[0] ?? ours;
  try {
    withSafetensorsFile(weightsPath, (reader) => {
      for (const name of model.store.params.keys()) {
        if (!fromFile(name)) continue;
        // the entry of the file as it is now (hf.tensors maps the names and may be older)
        const t = hf.tensors.has(name) ? reader.tensors.get(fileName(name)) : undefined;
        if (!t) throw new Error(`${weightsPath}: missing tensor '${name.slice(5)}' (or '${name}')`);
        readParam(model.store, name, reader, t, nonFinite, warnings, 'config.json implies');
      }
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
