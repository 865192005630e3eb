// The early-exit labeler: a BERT encoder plus one off-ramp per layer (paper §3.1: dropout and a
// linear layer on the first piece of every word, separate weights per layer; the last layer's
// off-ramp is the final classifier). Stage-1 training loss: Σ_l l·CE_l / Σ_l l.
import type { PackedBatch } from '../data/batch.js';
import { Bert, type BertConfig } from '../nn/bert.js';
import { Linear } from '../nn/layers.js';
import { ParamStore } from '../nn/module.js';
import { add, crossEntropy, div, dropout, gatherRows, mul } from '../ops/index.js';
import { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { HaltAndCopy } from './runner.js';

export interface LabelerConfig {
  bert: BertConfig;
  numLabels: number;
  /** dropout before each off-ramp (the official code uses 0.3) */
  offRampDropout: number;
}

export class EarlyExitModel {
  readonly store: ParamStore;
  readonly bert: Bert;
  readonly offRamps: Linear[];

  /**
   * seed null: built for a checkpoint load (parameters allocated, not initialised; see ParamStore);
   * `loaded`: the parameters a load will fill when the others are initialised from the seed.
   */
  constructor(readonly cfg: LabelerConfig, seed: number | null, loaded?: (name: string) => boolean) {
    this.store = new ParamStore(seed === null ? null : new Rng(seed), loaded);
    this.bert = new Bert(this.store, cfg.bert);
    this.offRamps = Array.from({ length: cfg.bert.layers }, (_, l) => new Linear(this.store, `offramps.${l}`, cfg.bert.hidden, cfg.numLabels));
  }

  get layers(): number {
    return this.cfg.bert.layers;
  }

  /** Off-ramp of layer `layer` (1-based) on the given word rows: h [T, H] → logits [W, C]. */
  offRamp(layer: number, h: Tensor, firstPiece: Tensor, rng: Rng | null): Tensor {
    let x = gatherRows(h, firstPiece); // [W, H]
    if (rng && this.cfg.offRampDropout > 0) x = dropout(x, this.cfg.offRampDropout, rng);
    return this.offRamps[layer - 1]!.forward(x); // [W, C]
  }

  /** Every layer on every row (the halt-and-copy runner with no halts); returns the logits of every off-ramp ([W, C] each). */
  forwardAll(batch: PackedBatch, rng: Rng | null): Tensor[] {
    const runner = new HaltAndCopy(this, batch, 'output', rng, true);
    return this.bert.layers.map(() => runner.step().logits); // [W, C] each
  }

  /** Stage-1 joint loss Σ_l l·CE_l / Σ_l l (weights favour deep layers, as PABEE and the official code). */
  jointLoss(batch: PackedBatch, rng: Rng | null): Tensor {
    const logits = this.forwardAll(batch, rng);
    let total: Tensor | null = null;
    logits.forEach((z, l) => {
      const ce = mul(crossEntropy(z, batch.labels), l + 1);
      total = total ? add(total, ce) : ce;
    });
    const weights = (this.layers * (this.layers + 1)) / 2;
    return div(total!, weights);
  }

  parameters(): Tensor[] {
    return [...this.store.params.values()];
  }

  dispose(): void {
    this.store.dispose();
  }
}
