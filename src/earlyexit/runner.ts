// Paper §3.3, halt-and-copy, with compute that really shrinks. At layer l only the active rows
// issue queries: they are gathered from the packed batch into one [ΣM_l, H] matrix, go through Q,
// attention, the output projection and the FFN, and are written back (writeRows). Halted rows
// keep their state (a copy) and still provide keys and values, computed from that state with
// layer l's weights. [CLS]/[SEP] stay active while any word of their sentence is. A sentence
// whose words have all left stops running entirely. With no halts this is the plain forward pass
// (EarlyExitModel.forwardAll, stage 1).
import type { PackedBatch } from '../data/batch.js';
import type { Bert } from '../nn/bert.js';
import type { AttentionSegment } from '../ops/attention.js';
import { gatherRows, scatterRows } from '../ops/index.js';
import { indices } from '../tensor/create.js';
import { isGradEnabled, noGrad, tidy } from '../tensor/engine.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** What the runner drives: EarlyExitModel, by shape, so that model.ts can build on the runner without an import cycle. */
export interface OffRampEncoder {
  readonly bert: Bert;
  /** off-ramp of layer `layer` (1-based) on the given word rows: h [T, H] → logits [W, C] */
  offRamp(layer: number, h: Tensor, firstPiece: Tensor, rng: Rng | null): Tensor;
}

/** What a halted piece keeps: its layer output (paper) or its pre-LayerNorm residual, re-normalised by every later layer (official code's keep_norm_same). */
export type CopyMode = 'output' | 'preNorm';

/** A running sentence's words in one step's logits: batch words firstWord + i are logits rows row + i, i < count. */
export interface SentenceWords {
  firstWord: number;
  row: number;
  count: number;
}

/** Rows of one layer step, all sorted ascending. */
interface LayerRows {
  /** packed rows that issue queries, or null when every row does */
  query: Int32Array | null;
  /** packed rows of the sentences still running, or null when all are */
  keyValue: Int32Array | null;
  segments: AttentionSegment[];
  /** the running sentences, whose words' off-ramp runs this layer */
  sentences: SentenceWords[];
  /** first piece of each of those words, in logits-row order */
  firstPieces: Int32Array;
}

/**
 * h with its rows `rows` (distinct) replaced by src: [T, H] ← [M, H]. Exact (values are copied,
 * not added back); the gradient goes to src for those rows and to h for the others. The one place
 * active rows are written back.
 */
export function writeRows(h: Tensor, rows: Tensor, src: Tensor): Tensor {
  return scatterRows(h, src, rows); // [T, H]: src's rows copied exactly, the others h's
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
    readonly model: OffRampEncoder,
    readonly batch: PackedBatch,
    copy: CopyMode,
    private readonly rng: Rng | null,
    /** training: keep every sentence running to the last layer (its [CLS]/[SEP] still query), so every off-ramp sees every word */
    private readonly runToEnd = false,
  ) {
    const d = rng ? { p: model.bert.cfg.dropout, rng } : null;
    const embed = () => model.bert.embeddings.forward(batch.ids, batch.pos, d); // [T, H]
    // without gradients only the embedding output is kept; with them the graph stays for backward
    this.h = isGradEnabled() ? embed() : tidy(embed);
    this.pre = copy === 'preNorm' ? this.h : null;
    this.wordActive = new Array<boolean>(batch.firstPiece.length).fill(true);
    this.activePieces = Array.from({ length: batch.cuSeqlens.length - 1 }, () => []);
  }

  private sentenceRunning(s: number): boolean {
    if (this.runToEnd) return true;
    const { cuWords } = this.batch;
    for (let w = cuWords[s]!; w < cuWords[s + 1]!; w++) if (this.wordActive[w]) return true;
    return false;
  }

  get running(): boolean {
    return this.runToEnd ? this.layer < this.model.bert.layers.length : this.wordActive.some((a) => a);
  }

  /** Halt a word: all of its pieces stop issuing queries from the next layer on. */
  halt(word: number): void {
    this.wordActive[word] = false;
  }

  private rows(): LayerRows {
    const { cuSeqlens, cuWords, pieceWord, firstPiece } = this.batch;
    const t = pieceWord.length;
    const query: number[] = [];
    const keyValue: number[] = [];
    const firstPieces: number[] = [];
    const segments: AttentionSegment[] = [];
    const sentences: SentenceWords[] = [];
    for (let s = 0; s + 1 < cuSeqlens.length; s++) {
      if (!this.sentenceRunning(s)) continue;
      const q0 = query.length;
      const k0 = keyValue.length;
      for (let r = cuSeqlens[s]!; r < cuSeqlens[s + 1]!; r++) {
        keyValue.push(r);
        const w = pieceWord[r]!;
        if (w < 0 || this.wordActive[w]) query.push(r); // [CLS]/[SEP] (w = −1) never halt
      }
      sentences.push({ firstWord: cuWords[s]!, row: firstPieces.length, count: cuWords[s + 1]! - cuWords[s]! });
      for (let w = cuWords[s]!; w < cuWords[s + 1]!; w++) firstPieces.push(firstPiece[w]!);
      segments.push({ qStart: q0, qEnd: query.length, kStart: k0, kEnd: keyValue.length });
      this.activePieces[s]!.push(query.length - q0);
    }
    return {
      query: query.length === t ? null : Int32Array.from(query),
      keyValue: keyValue.length === t ? null : Int32Array.from(keyValue),
      segments,
      sentences,
      firstPieces: Int32Array.from(firstPieces),
    };
  }

  /**
   * Run the next layer on the active rows and its off-ramp on the words of running sentences.
   * Returns those sentences' word ranges and the words' logits [ΣW, C].
   */
  step(): { sentences: SentenceWords[]; logits: Tensor } {
    const l = ++this.layer;
    const layer = this.model.bert.layers[l - 1]!;
    const rows = this.rows();
    const d = this.rng ? { p: this.model.bert.cfg.dropout, rng: this.rng } : null;
    const qIdx = rows.query && indices(rows.query);
    const kv = rows.keyValue ? gatherRows(this.h, indices(rows.keyValue)) : this.h; // [N, H]
    const x = qIdx ? gatherRows(this.h, qIdx) : this.h; // [M, H]
    const { preNorm, out } = layer.forward(x, kv, rows.segments, d); // [M, H] each
    // the state halted rows keep: the layer output (paper) or the pre-LayerNorm residual (official keep_norm_same)
    const updated = this.pre ? preNorm : out; // [M, H]
    const state = qIdx ? writeRows(this.pre ?? this.h, qIdx, updated) : updated; // [T, H]
    if (this.pre) {
      this.pre = state;
      this.h = layer.outNorm.forward(state); // [T, H]: halted rows re-normalised by this layer's LN
    } else {
      this.h = state;
    }
    return { sentences: rows.sentences, logits: this.model.offRamp(l, this.h, indices(rows.firstPieces), this.rng) };
  }

  /** Free the state tensors (after inference). */
  dispose(): void {
    this.h.dispose();
    this.pre?.dispose();
  }

  /** One inference step with everything but the new state freed; returns host logits. */
  async inferStep(): Promise<{ sentences: SentenceWords[]; logits: Float32Array | Float64Array }> {
    const prevH = this.h;
    const prevPre = this.pre;
    const { sentences, logits } = noGrad(() => tidy(() => {
      const r = this.step();
      this.h.keep();
      this.pre?.keep();
      return r;
    }));
    if (prevH !== this.h) prevH.dispose();
    if (prevPre && prevPre !== this.pre && prevPre !== prevH) prevPre.dispose();
    const host = (await logits.data()) as Float32Array | Float64Array;
    logits.dispose();
    return { sentences, logits: host };
  }
}
