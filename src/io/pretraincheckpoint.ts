// A pretraining run on disk: a Hugging Face BERT directory that `train --init-hf` reads, plus what
// `pretrain --resume` needs to continue exactly where it stopped.
//   config.json             Hugging Face BertConfig keys (BertForMaskedLM)
//   tokenizer_config.json   do_lower_case, so the casing carries over
//   vocab.txt               the WordPiece vocabulary
//   model.safetensors       bert.* and cls.predictions.* (the decoder weight is tied to the word
//                           embeddings and, as Hugging Face saves it, not stored twice)
//   optimizer.safetensors   AdamW moments exp_avg.<name> / exp_avg_sq.<name>
//   trainer_state.json      step, options, evaluation history; written last
// Every file is written atomically; trainer_state.json and both safetensors files carry the same
// random id, so a directory caught half-way through a save is detected on resume.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WordPiece } from '../data/wordpiece.js';
import type { MaskedLm } from '../nn/mlm.js';
import type { AdamW, AdamWMoments } from '../optim/adamw.js';
import { writeFileAtomic } from './atomic.js';
import { loadParams, paramsToHost } from './checkpoint.js';
import { readSafetensors, withSafetensorsFile, writeSafetensors, type TensorToWrite } from './safetensors.js';

export interface PretrainState {
  /** optimizer steps done; the data position and every random stream follow from it and the seed */
  step: number;
  /** the run's options; a resumed run must use the same */
  options: Record<string, unknown>;
  history: Record<string, unknown>[];
  /** wall-clock seconds of training so far, over every resumed part (absent in older saves) */
  seconds?: number;
}

function hfConfig(model: MaskedLm, tokenizer: WordPiece): Record<string, unknown> {
  const c = model.cfg;
  return {
    architectures: ['BertForMaskedLM'],
    model_type: 'bert',
    vocab_size: c.vocabSize,
    hidden_size: c.hidden,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    intermediate_size: c.ffn,
    hidden_act: 'gelu',
    hidden_dropout_prob: c.dropout,
    attention_probs_dropout_prob: c.dropout,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    initializer_range: 0.02,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: tokenizer.padId,
    position_embedding_type: 'absolute',
  };
}

export async function savePretraining(dir: string, model: MaskedLm, tokenizer: WordPiece, optim: AdamW, state: PretrainState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const id = randomBytes(8).toString('hex');
  const json = (x: unknown): string => `${JSON.stringify(x, null, 2)}\n`;
  await writeFileAtomic(join(dir, 'config.json'), json(hfConfig(model, tokenizer)));
  await writeFileAtomic(join(dir, 'tokenizer_config.json'), json({ tokenizer_class: 'BertTokenizer', do_lower_case: tokenizer.lowercase, model_max_length: model.cfg.maxPositions }));
  await writeFileAtomic(join(dir, 'vocab.txt'), tokenizer.vocab.map((t) => `${t}\n`).join(''));
  await writeSafetensors(join(dir, 'model.safetensors'), await paramsToHost(model.store), { format: 'pt', checkpoint_id: id });
  const optimState = await optim.exportState();
  const moments = new Map<string, TensorToWrite>();
  for (const [name, s] of optimState.moments) {
    moments.set(`exp_avg.${name}`, { shape: [...s.shape], data: s.m });
    moments.set(`exp_avg_sq.${name}`, { shape: [...s.shape], data: s.v });
  }
  await writeSafetensors(join(dir, 'optimizer.safetensors'), moments, { checkpoint_id: id, step: String(optimState.step) });
  await writeFileAtomic(join(dir, 'trainer_state.json'), json({ checkpoint_id: id, ...state }));
}

/** Restores parameters and optimizer state saved by savePretraining; returns the run's state. */
export async function loadPretraining(dir: string, model: MaskedLm, optim: AdamW): Promise<PretrainState> {
  const statePath = join(dir, 'trainer_state.json');
  let raw: { checkpoint_id?: unknown; step?: unknown; options?: unknown; history?: unknown };
  try {
    raw = JSON.parse(await readFile(statePath, 'utf8')) as typeof raw;
  } catch (err) {
    throw new Error(`${statePath}: cannot resume (${(err as Error).message})`, { cause: err });
  }
  if (!Number.isSafeInteger(raw.step) || (raw.step as number) < 0) throw new Error(`${statePath}: "step" must be a non-negative integer, got ${JSON.stringify(raw.step)}`);
  const modelPath = join(dir, 'model.safetensors');
  const optimPath = join(dir, 'optimizer.safetensors');
  const idMismatch = (path: string, id: string | undefined) => new Error(`${path}: checkpoint id ${JSON.stringify(id)} does not match ${statePath}'s ${JSON.stringify(raw.checkpoint_id)} (a save was interrupted)`);
  const moments = await readSafetensors(optimPath);
  withSafetensorsFile(modelPath, (weights) => {
    if (weights.metadata.checkpoint_id !== raw.checkpoint_id) throw idMismatch(modelPath, weights.metadata.checkpoint_id);
    if (moments.metadata.checkpoint_id !== raw.checkpoint_id) throw idMismatch(optimPath, moments.metadata.checkpoint_id);
    loadParams(model.store, weights);
  });
  const saved = new Map<string, AdamWMoments>();
  for (const [key, m] of moments.tensors) {
    if (!key.startsWith('exp_avg.')) continue;
    const name = key.slice('exp_avg.'.length);
    const v = moments.tensors.get(`exp_avg_sq.${name}`);
    if (!v) throw new Error(`${optimPath}: 'exp_avg.${name}' has no 'exp_avg_sq.${name}'`);
    if (!(m.data instanceof Float32Array && v.data instanceof Float32Array)) throw new Error(`${optimPath}: moments of '${name}' are not F32`);
    saved.set(name, { shape: m.shape, m: m.data, v: v.data });
  }
  const step = Number(moments.metadata.step);
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`${optimPath}: metadata "step" must be a non-negative integer, got ${JSON.stringify(moments.metadata.step)}`);
  optim.importState(step, saved);
  return { step: raw.step as number, options: (raw.options ?? {}) as Record<string, unknown>, history: (raw.history ?? []) as Record<string, unknown>[] };
}
