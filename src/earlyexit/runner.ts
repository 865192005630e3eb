// Paper §3.3, halt-and-copy, with compute that really shrinks. At layer l only the active rows
// issue queries: they are gathered from the packed batch into one [ΣM_l, H] matrix, go through Q,
// attention, the output projection and the FFN, and are scattered back. Halted rows keep their
// state (a copy) and still provide keys and values, computed from that state with layer l's
// weights. [CLS]/[SEP] stay active while any word of their sentence is. A sentence whose words
// have all left stops running entirely.
import type { PackedBatch } from '../data/batch.js';
import type { AttentionSegment } from '../ops/attention.js';
import { add, gatherRows, scatterAddRows, sub } from '../ops/index.js';
import { indices } from '../tensor/create.js';
import { noGrad, tidy } from '../tensor/engine.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EarlyExitModel } from './model.js';

/** What a halted piece keeps: its layer output (paper) or its pre-LayerNorm residual, re-normalised by every later layer (official code's keep_norm_same). */
export type CopyMode = 'output' | 'preNorm';

/** Rows of one layer step, all sorted ascending. */
interface LayerRows {
  /** packed rows that issue queries, or null when every row does */
  query: Int32Array | null;
  /** packed rows of the sentences still running, or null when all are */
  keyValue: Int32Array | null;
  segments: AttentionSegment[];
  /** words whose off-ramp runs this layer (those of running sentences) */
  words: Int32Array;
}

export class HaltAndCopy {
  /** hidden state of every packed row: [T, H] */
  h: Tensor;
  /** pre-LayerNorm residual of every row (CopyMode 'preNorm' only): [T, H] */
  private pre: Tensor | null;
  readonly wordActive: boolean[];
  /** per sentence: the number of active pieces at each executed layer (FLOPs counter input) */
  readonly activePieces: number[][];
  layer = 0;

  constructor(
    readonly model: EarlyExitModel,
    readonly batch: PackedBatch,
    readonly copy: CopyMode,
    private readonly rng: Rng | null,
    /** training: keep every sentence running to the last layer (its [CLS]/[SEP] still query), so every off-ramp sees every word */
    private readonly runToEnd = false,
  ) {
    const d = rng ? { p: model.cfg.bert.dropout, rng } : null;
    // inference keeps only the embedding output; training keeps the graph for backward
    this.h = rng ? model.bert.embeddings.forward(batch.ids, batch.pos, d) : noGrad(() => tidy(() => model.bert.embeddings.forward(batch.ids, batch.pos, null)));
    this.pre = copy === 'preNorm' ? this.h : null;
    this.wordActive = new Array<boolean>(batch.firstPiece.length).fill(true);
    this.activePieces = Array.from({ length: batch.cuSeqlens.length - 1 }, () => []);
  }

  sentenceRunning(s: number): boolean {
    if (this.runToEnd) return true;
    const { cuWords } = this.batch;
    for (let w = cuWords[s]!; w < cuWords[s + 1]!; w++) if (this.wordActive[w]) return true;
    return false;
  }

  get running(): boolean {
    return this.runToEnd ? this.layer < this.model.layers : this.wordActive.some((a) => a);
  }

  /** Halt a word: all of its pieces stop issuing queries from the next layer on. */
  halt(word: number): void {
    this.wordActive[word] = false;
  }

  private rows(): LayerRows {
    const { cuSeqlens, cuWords, pieceWord } = this.batch;
    const t = pieceWord.length;
    const query: number[] = [];
    const keyValue: number[] = [];
    const words: number[] = [];
    const segments: AttentionSegment[] = [];
    for (let s = 0; s + 1 < cuSeqlens.length; s++) {
      if (!this.sentenceRunning(s)) continue;
      const q0 = query.length;
      const k0 = keyValue.length;
      for (let r = cuSeqlens[s]!; r < cuSeqlens[s + 1]!; r++) {
        keyValue.push(r);
        const w = pieceWord[r]!;
        if (w < 0 || this.wordActive[w]) query.push(r); // [CLS]/[SEP] (w = −1) never halt
      }
      for (let w = cuWords[s]!; w < cuWords[s + 1]!; w++) words.push(w);
      segments.push({ qStart: q0, qEnd: query.length, kStart: k0, kEnd: keyValue.length });
      this.activePieces[s]!.push(query.length - q0);
    }
    return {
      query: query.length === t ? null : Int32Array.from(query),
      keyValue: keyValue.length === t ? null : Int32Array.from(keyValue),
      segments,
      words: Int32Array.from(words),
    };
  }

  /**
   * Run the next layer on the active rows and its off-ramp on the words of running sentences.
   * Returns those words (batch indices) and their logits [words, C].
   */
  step(): { words: Int32Array; logits: Tensor } {
    const l = ++this.layer;
    const layer = this.model.bert.layers[l - 1]!;
    const rows = this.rows();
    const t = this.batch.ids.length;
    const d = this.rng ? { p: this.model.cfg.bert.dropout, rng: this.rng } : null;
    const qIdx = rows.query && indices(rows.query);
    const kv = rows.keyValue ? gatherRows(this.h, indices(rows.keyValue)) : this.h; // [N, H]
    const x = qIdx ? gatherRows(this.h, qIdx) : this.h; // [M, H]
    const { preNorm, out } = layer.forward(x, kv, rows.segments, d); // [M, H] each
    if (this.pre) {
      // official keep_norm_same: halted rows keep their residual and are re-normalised by this layer's LN
      const pre = qIdx ? add(this.pre, scatterAddRows(sub(preNorm, gatherRows(this.pre, qIdx)), qIdx, t)) : preNorm; // [T, H]
      this.pre = pre;
      this.h = layer.outNorm.forward(pre); // [T, H]
    } else {
      this.h = qIdx ? add(this.h, scatterAddRows(sub(out, x), qIdx, t)) : out; // [T, H]
    }
    const first = indices(Array.from(rows.words, (w) => this.batch.firstPiece[w]!));
    return { words: rows.words, logits: this.model.offRamp(l, this.h, first, this.rng) };
  }

  /** Free the state tensors (after inference). */
  dispose(): void {
    this.h.dispose();
    this.pre?.dispose();
  }

  /** One inference step with everything but the new state freed; returns host logits. */
  async inferStep(): Promise<{ words: Int32Array; logits: Float32Array | Float64Array }> {
    const prevH = this.h;
    const prevPre = this.pre;
    const { words, logits } = noGrad(() => tidy(() => {
      const r = this.step();
      this.h.keep();
      this.pre?.keep();
      return r;
    }));
    if (prevH !== this.h) prevH.dispose();
    if (prevPre && prevPre !== this.pre && prevPre !== prevH) prevPre.dispose();
    const host = (await logits.data()) as Float32Array | Float64Array;
    logits.dispose();
    return { words, logits: host };
  }
}
