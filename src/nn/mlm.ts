// BERT for masked-language-model pretraining (Hugging Face BertForMaskedLM names): the encoder,
// then on the masked rows only — the [M, V] vocabulary projection is the expensive part —
// dense → GELU → LayerNorm → logits = x·Eᵀ + b with E the word-embedding matrix (tied weights).
import type { MlmBatch } from '../data/mlm.js';
import { add, div, exp, ge, gatherRows, gelu, layerNorm, log, matmul, max, reshape, sub, sum } from '../ops/index.js';
import { indices } from '../tensor/create.js';
import { noGrad } from '../tensor/engine.js';
import { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Bert, fullSegments, type BertConfig, type Dropout } from './bert.js';
import { ParamStore } from './module.js';

/** The head's tensors; `word` is the (shared) word-embedding matrix. */
export interface MlmHeadParams {
  denseWeight: Tensor; // [H, H]
  denseBias: Tensor; // [H]
  normWeight: Tensor; // [H]
  normBias: Tensor; // [H]
  word: Tensor; // [V, H]
  bias: Tensor; // [V]
  eps: number;
}

/** h [M, H] (the masked rows' encoder outputs) → logits [M, V]. */
export function mlmLogits(p: MlmHeadParams, h: Tensor): Tensor {
  const x = gelu(add(matmul(h, p.denseWeight, { transB: true }), p.denseBias)); // [M, H]
  const y = layerNorm(x, p.normWeight, p.normBias, p.eps); // [M, H]
  return add(matmul(y, p.word, { transB: true }), p.bias); // [M, V]
}

export interface MlmLoss {
  /** mean cross-entropy over the M rows: scalar */
  loss: Tensor;
  /** how many rows have their target as the arg-max (ties count as correct): scalar, no gradient */
  correct: Tensor;
}

/**
 * Cross-entropy and accuracy of logits [M, V] against M target ids (M ≥ 1), as log-sum-exp minus
 * the target logit: the target logits are gathered rather than picked with an [M, V] one-hot,
 * which keeps the passes over the [M, V] logits to a minimum.
 */
export function mlmLoss(logits: Tensor, targets: Int32Array): MlmLoss {
  const [m, v] = logits.shape as [number, number];
  if (m !== targets.length || m === 0) throw new Error(`mlmLoss: ${m} logit rows for ${targets.length} targets`);
  const flat = Int32Array.from(targets, (t, i) => {
    if (!(t >= 0 && t < v)) throw new RangeError(`mlmLoss: target ${t} at row ${i} is not in [0, ${v})`);
    return i * v + t;
  });
  const rowMax = noGrad(() => max(logits, -1, true)); // [M, 1], only a shift: no gradient needed
  const lse = add(log(sum(exp(sub(logits, rowMax)), -1, true)), rowMax); // [M, 1]
  const target = gatherRows(reshape(logits, [m * v, 1]), indices(flat)); // [M, 1]
  const loss = div(sum(sub(lse, target)), m);
  const correct = noGrad(() => sum(ge(target, rowMax))); // scalar
  return { loss, correct };
}

export class MaskedLm {
  readonly store: ParamStore;
  readonly bert: Bert;
  readonly head: MlmHeadParams;

  constructor(readonly cfg: BertConfig, seed: number) {
    this.store = new ParamStore(new Rng(seed));
    this.bert = new Bert(this.store, cfg);
    const s = this.store;
    const h = cfg.hidden;
    this.head = {
      denseWeight: s.normal('cls.predictions.transform.dense.weight', [h, h]),
      denseBias: s.zeros('cls.predictions.transform.dense.bias', [h]),
      normWeight: s.ones('cls.predictions.transform.LayerNorm.weight', [h]),
      normBias: s.zeros('cls.predictions.transform.LayerNorm.bias', [h]),
      word: this.bert.embeddings.word,
      bias: s.zeros('cls.predictions.bias', [cfg.vocabSize]),
      eps: cfg.layerNormEps,
    };
  }

  /** The encoder's last-layer output of every row: [T, H]. Dropout from rng when given (training). */
  encode(batch: MlmBatch, rng: Rng | null): Tensor {
    const d: Dropout | null = rng ? { p: this.cfg.dropout, rng } : null;
    const segments = fullSegments(batch.cuSeqlens);
    let h = this.bert.embeddings.forward(batch.ids, batch.pos, d); // [T, H]
    for (const layer of this.bert.layers) h = layer.forward(h, h, segments, d).out; // [T, H]
    return h;
  }

  /** Loss and accuracy on the batch's masked rows. */
  forward(batch: MlmBatch, rng: Rng | null): MlmLoss {
    const masked = gatherRows(this.encode(batch, rng), indices(batch.maskedRows)); // [M, H]
    return mlmLoss(mlmLogits(this.head, masked), batch.targets);
  }

  parameters(): Tensor[] {
    return [...this.store.params.values()];
  }

  dispose(): void {
    this.store.dispose();
  }
}
