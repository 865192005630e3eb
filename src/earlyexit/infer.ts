// Inference with an exit policy: run layer by layer, read each off-ramp's logits back, let the
// policy decide who leaves, halt them, and stop when every word has left. Returns each word's
// label and exit layer and, per sentence, the active pieces of every executed layer (for FLOPs).
import type { PackedBatch } from '../data/batch.js';
import { noGrad } from '../tensor/engine.js';
import type { EarlyExitModel } from './model.js';
import { wordsLeaving, type ExitPolicy } from './policy.js';
import { HaltAndCopy, type CopyMode } from './runner.js';
import { argmaxRow, wordUncertainties } from './uncertainty.js';

export interface BatchLabels {
  /** label id of each word of the batch: [W] */
  labels: Int32Array;
  /** 1-based layer each word left at: [W] */
  exitLayer: Int32Array;
  /** per sentence: active pieces M_l of each layer it ran */
  activePieces: number[][];
}

/** What one layer step did, for explaining it (the explorer page): indexed by the batch's words. */
export interface LayerTrace {
  /** 1-based layer */
  layer: number;
  /** each word's off-ramp uncertainty at this layer; NaN for words of sentences that no longer run: [W] */
  uncertainty: Float64Array;
  /** words whose pieces were computed at this layer (not halted before it): [W] */
  computed: boolean[];
}

export async function labelBatch(
  model: EarlyExitModel, batch: PackedBatch, policy: ExitPolicy, copy: CopyMode = 'output', onLayer?: (trace: LayerTrace) => void,
): Promise<BatchLabels> {
  if (policy.kind === 'static' && !(policy.layers >= 1 && policy.layers <= model.layers)) {
    throw new RangeError(`static policy: depth ${policy.layers} is not in [1, ${model.layers}]`);
  }
  const c = model.cfg.numLabels;
  const w = batch.firstPiece.length;
  const labels = new Int32Array(w);
  const exitLayer = new Int32Array(w);
  const runner = noGrad(() => new HaltAndCopy(model, batch, copy, null));
  try {
    while (runner.running) {
      const computed = runner.wordActive.slice();
      const { sentences, logits } = await runner.inferStep();
      const u = wordUncertainties(logits, logits.length / c, c);
      if (onLayer) {
        const uncertainty = new Float64Array(w).fill(NaN);
        for (const { firstWord, row, count } of sentences) uncertainty.set(u.subarray(row, row + count), firstWord);
        onLayer({ layer: runner.layer, uncertainty, computed });
      }
      for (const { firstWord, row, count } of sentences) {
        const active = runner.wordActive.slice(firstWord, firstWord + count);
        const leaving = wordsLeaving(policy, runner.layer, model.layers, u.subarray(row, row + count), active);
        leaving.forEach((leave, i) => {
          if (!leave) return;
          labels[firstWord + i] = argmaxRow(logits, row + i, c);
          exitLayer[firstWord + i] = runner.layer;
          runner.halt(firstWord + i);
        });
      }
    }
  } finally {
    runner.dispose();
  }
  return { labels, exitLayer, activePieces: runner.activePieces };
}
