// Analytic compute of one sentence under early exit (DESIGN §3), from the number of active pieces
// M_l of every executed layer. Notation: L layers, H hidden, F FFN width, C labels, N pieces of the
// sentence incl. [CLS]/[SEP], n words, d = H / heads. Embeddings are never counted.
//
// This project's count, in FLOPs (2 per multiply-add), per executed layer:
//   4H²(M_l+N)   Q and O projections on active rows, K and V on all rows
//   4H·M_l·N     scores and context at full width
//   4H·F·M_l     FFN on active rows
//   2H·C·n       off-ramp l on every word
// Baseline: all L layers with M_l = N and the last classifier once.
//
// The official code's count (thop, reference §4), in MACs: per executed layer
//   2H²(M_l+N) + 2d·M_l·N + 2H·F·M_l + H·C·n
// (its attention hook uses the head width d, not H); baseline: L full layers + H·C·n once.
// Corpus speedup is a ratio of totals, Σ baseline / Σ early exit, in both counts.

export interface FlopsShape {
  layers: number;
  hidden: number;
  ffn: number;
  heads: number;
  labels: number;
}

function checkSentence(s: FlopsShape, N: number, n: number, activePieces: readonly number[]): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`flops: words n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(N) || N < n + 2) {
    throw new Error(`flops: pieces N must be an integer ≥ n + 2 = ${n + 2} (words plus [CLS]/[SEP]), got ${N}`);
  }
  if (activePieces.length < 1 || activePieces.length > s.layers) {
    throw new Error(`flops: expected 1..${s.layers} executed layers, got ${activePieces.length}`);
  }
  activePieces.forEach((m, l) => {
    const bound = l === 0 ? N : activePieces[l - 1]!;
    // halted pieces never come back (A_{l+1} ⊂ A_l), and [CLS]/[SEP] never halt
    if (!Number.isInteger(m) || m < 2 || m > bound) {
      throw new Error(`flops: activePieces[${l}] = ${m} must be an integer in [2, ${bound}]`);
    }
  });
}

/** FLOPs of one sentence; activePieces[l] = M_l for each executed layer. */
export function earlyExitFlops(s: FlopsShape, N: number, n: number, activePieces: readonly number[]): number {
  checkSentence(s, N, n, activePieces);
  const H = s.hidden;
  let total = 0;
  for (const M of activePieces) total += 4 * H * H * (M + N) + 4 * H * M * N + 4 * H * s.ffn * M + 2 * H * s.labels * n;
  return total;
}

/** FLOPs of the full model on one sentence: L layers with every piece active, last classifier only. */
export function baselineFlops(s: FlopsShape, N: number, n: number): number {
  const H = s.hidden;
  return s.layers * (8 * H * H * N + 4 * H * N * N + 4 * H * s.ffn * N) + 2 * H * s.labels * n;
}

function headWidth(s: FlopsShape): number {
  if (!Number.isInteger(s.hidden / s.heads)) throw new Error(`flops: hidden ${s.hidden} is not divisible by heads ${s.heads}`);
  return s.hidden / s.heads;
}

/** The official code's MACs of one sentence (thop count, head width in the attention term). */
export function officialMacs(s: FlopsShape, N: number, n: number, activePieces: readonly number[]): number {
  checkSentence(s, N, n, activePieces);
  const H = s.hidden;
  const d = headWidth(s);
  let total = 0;
  for (const M of activePieces) total += 2 * H * H * (M + N) + 2 * d * M * N + 2 * H * s.ffn * M + H * s.labels * n;
  return total;
}

/** The official code's MACs of its `one_cls` baseline: L full layers and the last classifier once. */
export function officialBaselineMacs(s: FlopsShape, N: number, n: number): number {
  const H = s.hidden;
  const d = headWidth(s);
  return s.layers * (4 * H * H * N + 2 * d * N * N + 2 * H * s.ffn * N) + H * s.labels * n;
}

/**
 * M_l for each executed layer from per-word exit layers (1-based: a word exiting at l is active in
 * layers 1..l) and per-word piece counts. [CLS] and [SEP] are active in every executed layer; the
 * sentence runs until the last word exits.
 * @example activePiecesFromExits(12, [1, 3], [2, 1]) // [5, 3, 3]
 */
export function activePiecesFromExits(layers: number, exitLayers: readonly number[], piecesPerWord: readonly number[]): number[] {
  if (exitLayers.length !== piecesPerWord.length) {
    throw new Error(`flops: ${exitLayers.length} exit layers but ${piecesPerWord.length} piece counts`);
  }
  if (exitLayers.length === 0) throw new Error('flops: a sentence needs at least one word');
  exitLayers.forEach((e, j) => {
    if (!Number.isInteger(e) || e < 1 || e > layers) throw new Error(`flops: word ${j} exits at layer ${e}, outside 1..${layers}`);
    const p = piecesPerWord[j]!;
    if (!Number.isInteger(p) || p < 1) throw new Error(`flops: word ${j} has ${p} pieces, expected an integer ≥ 1`);
  });
  const executed = Math.max(...exitLayers);
  const active = new Array<number>(executed).fill(2);
  exitLayers.forEach((e, j) => {
    for (let l = 0; l < e; l++) active[l]! += piecesPerWord[j]!;
  });
  return active;
}

/** Accumulates both counts over a corpus, sentence by sentence. */
export class FlopsMeter {
  #total = 0;
  #baseline = 0;
  #officialTotal = 0;
  #officialBaseline = 0;

  constructor(readonly shape: FlopsShape) {}

  add(N: number, n: number, activePieces: readonly number[]): void {
    this.#total += earlyExitFlops(this.shape, N, n, activePieces);
    this.#baseline += baselineFlops(this.shape, N, n);
    this.#officialTotal += officialMacs(this.shape, N, n, activePieces);
    this.#officialBaseline += officialBaselineMacs(this.shape, N, n);
  }

  /** Σ early-exit FLOPs */
  total(): number {
    return this.#total;
  }

  /** Σ baseline FLOPs */
  baseline(): number {
    return this.#baseline;
  }

  /** Σ early-exit MACs as the official code counts them */
  officialTotal(): number {
    return this.#officialTotal;
  }

  /** Σ baseline MACs as the official code counts them */
  officialBaseline(): number {
    return this.#officialBaseline;
  }

  /** Σ baseline / Σ early exit */
  speedup(): number {
    if (this.#total === 0) throw new Error('FlopsMeter: no sentence added');
    return this.#baseline / this.#total;
  }

  /** The same ratio in the official code's MACs. */
  officialSpeedup(): number {
    if (this.#officialTotal === 0) throw new Error('FlopsMeter: no sentence added');
    return this.#officialBaseline / this.#officialTotal;
  }
}
