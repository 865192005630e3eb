// BERT encoder (post-LN, GELU), built so a layer can run its queries on a subset of rows:
// `EncoderLayer.forward` takes the query rows and the key/value rows separately. Which rows are
// active is decided elsewhere (src/earlyexit); this file knows nothing of early exit.
import { add, dropout, gatherRows, gelu } from '../ops/index.js';
import { indices } from '../tensor/create.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { sparseQueryAttention, type AttentionSegment } from '../ops/attention.js';
import { LayerNorm, Linear } from './layers.js';
import type { ParamStore } from './module.js';

export interface BertConfig {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  /** FFN inner width, 4·hidden in BERT */
  ffn: number;
  maxPositions: number;
  typeVocabSize: number;
  /** hidden_dropout_prob and attention_probs_dropout_prob */
  dropout: number;
  layerNormEps: number;
}

export type PresetName = 'tiny' | 'small' | 'base';

/** Twelve layers in every preset keep the paper's 2×/3×/4× granularity. */
export function preset(name: PresetName, vocabSize: number): BertConfig {
  const shape = { tiny: [128, 2], small: [256, 4], base: [768, 12] }[name];
  if (!shape) throw new Error(`preset: unknown preset '${name}' (tiny, small, base)`);
  const [hidden, heads] = shape as [number, number];
  return { vocabSize, hidden, layers: 12, heads, ffn: 4 * hidden, maxPositions: 512, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 };
}

/** Dropout state for training; null at inference. */
export interface Dropout {
  p: number;
  rng: Rng;
}

function drop(x: Tensor, d: Dropout | null): Tensor {
  return d && d.p > 0 ? dropout(x, d.p, d.rng) : x;
}

export class Embeddings {
  readonly word: Tensor; // [V, H]
  readonly position: Tensor; // [P, H]
  readonly tokenType: Tensor; // [2, H]
  readonly norm: LayerNorm;

  constructor(store: ParamStore, cfg: BertConfig) {
    const p = 'bert.embeddings';
    this.word = store.normal(`${p}.word_embeddings.weight`, [cfg.vocabSize, cfg.hidden]);
    this.position = store.normal(`${p}.position_embeddings.weight`, [cfg.maxPositions, cfg.hidden]);
    this.tokenType = store.normal(`${p}.token_type_embeddings.weight`, [cfg.typeVocabSize, cfg.hidden]);
    this.norm = new LayerNorm(store, `${p}.LayerNorm`, cfg.hidden, cfg.layerNormEps);
  }

  /** ids, pos: [T] → [T, H]. Every piece has token type 0 (single-segment input). */
  forward(ids: Int32Array, pos: Int32Array, d: Dropout | null): Tensor {
    const w = gatherRows(this.word, indices(ids)); // [T, H]
    const p = gatherRows(this.position, indices(pos)); // [T, H]
    const t = gatherRows(this.tokenType, indices([0])); // [1, H]
    return drop(this.norm.forward(add(add(w, p), t)), d); // [T, H]
  }
}

export interface LayerOutput {
  /** the residual stream before the final LayerNorm: [M, H] */
  preNorm: Tensor;
  /** the layer output: [M, H] */
  out: Tensor;
}

export class EncoderLayer {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly attnOut: Linear;
  readonly attnNorm: LayerNorm;
  readonly inter: Linear;
  readonly output: Linear;
  readonly outNorm: LayerNorm;

  constructor(store: ParamStore, readonly cfg: BertConfig, index: number) {
    const p = `bert.encoder.layer.${index}`;
    const { hidden: h, ffn: f, layerNormEps: eps } = cfg;
    this.query = new Linear(store, `${p}.attention.self.query`, h, h);
    this.key = new Linear(store, `${p}.attention.self.key`, h, h);
    this.value = new Linear(store, `${p}.attention.self.value`, h, h);
    this.attnOut = new Linear(store, `${p}.attention.output.dense`, h, h);
    this.attnNorm = new LayerNorm(store, `${p}.attention.output.LayerNorm`, h, eps);
    this.inter = new Linear(store, `${p}.intermediate.dense`, h, f);
    this.output = new Linear(store, `${p}.output.dense`, f, h);
    this.outNorm = new LayerNorm(store, `${p}.output.LayerNorm`, h, eps);
  }

  /**
   * x [M, H]: the rows that issue queries; kv [N, H]: the rows keys and values come from.
   * Q, the attention output, the FFN and both LayerNorms run on the M query rows only.
   */
  forward(x: Tensor, kv: Tensor, segments: readonly AttentionSegment[], d: Dropout | null): LayerOutput {
    const q = this.query.forward(x); // [M, H]
    const k = this.key.forward(kv); // [N, H]
    const v = this.value.forward(kv); // [N, H]
    const ctx = sparseQueryAttention(q, k, v, segments, this.cfg.heads); // [M, H]
    const a = this.attnNorm.forward(add(x, drop(this.attnOut.forward(ctx), d))); // [M, H]
    const ffn = this.output.forward(gelu(this.inter.forward(a))); // [M, H]
    const preNorm = add(a, drop(ffn, d)); // [M, H]
    return { preNorm, out: this.outNorm.forward(preNorm) };
  }
}

export class Bert {
  readonly embeddings: Embeddings;
  readonly layers: EncoderLayer[];

  constructor(store: ParamStore, readonly cfg: BertConfig) {
    if (cfg.hidden % cfg.heads !== 0) throw new Error(`Bert: hidden ${cfg.hidden} is not divisible by heads ${cfg.heads}`);
    this.embeddings = new Embeddings(store, cfg);
    this.layers = Array.from({ length: cfg.layers }, (_, i) => new EncoderLayer(store, cfg, i));
  }
}

/** Full self-attention segments of a packed batch: every sentence's rows query all its rows. */
export function fullSegments(cuSeqlens: Int32Array): AttentionSegment[] {
  const segs: AttentionSegment[] = [];
  for (let s = 0; s + 1 < cuSeqlens.length; s++) {
    segs.push({ qStart: cuSeqlens[s]!, qEnd: cuSeqlens[s + 1]!, kStart: cuSeqlens[s]!, kEnd: cuSeqlens[s + 1]! });
  }
  return segs;
}
