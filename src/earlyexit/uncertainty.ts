// Paper §3.1–3.2: how unsure an off-ramp is about a word, and the window that lets a word see how
// unsure its neighbours are. Computed on the host from logits read back once per layer.

/** u = entropy(softmax(z)) / log C ∈ [0, 1], from log-softmax (stable for any logits). */
export function normalizedEntropy(logits: ArrayLike<number>, offset: number, numLabels: number): number {
  if (numLabels < 2) return 0;
  let max = -Infinity;
  for (let c = 0; c < numLabels; c++) max = Math.max(max, logits[offset + c]!);
  let sumExp = 0;
  for (let c = 0; c < numLabels; c++) sumExp += Math.exp(logits[offset + c]! - max);
  const logZ = Math.log(sumExp);
  let h = 0;
  for (let c = 0; c < numLabels; c++) {
    const logp = logits[offset + c]! - max - logZ;
    h -= Math.exp(logp) * logp;
  }
  return Math.min(1, Math.max(0, h / Math.log(numLabels)));
}

/** Uncertainty of each word from logits [W, C]. */
export function wordUncertainties(logits: ArrayLike<number>, words: number, numLabels: number): Float64Array {
  const u = new Float64Array(words);
  for (let j = 0; j < words; j++) u[j] = normalizedEntropy(logits, j * numLabels, numLabels);
  return u;
}

/**
 * Window-based uncertainty u'_j = max(u_{j−k} … u_{j+k}) over one sentence's words, truncated at the
 * sentence edges (k is the paper's half-width; the official code's win_size is 2k+1). Words with
 * `counted[j] = false` are left out of their neighbours' windows (their own entry is still theirs).
 */
export function windowUncertainty(u: ArrayLike<number>, halfWidth: number, counted?: ArrayLike<boolean>): Float64Array {
  const n = u.length;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let m = u[j]!;
    const lo = Math.max(0, j - halfWidth);
    const hi = Math.min(n - 1, j + halfWidth);
    for (let i = lo; i <= hi; i++) if (i !== j && (!counted || counted[i])) m = Math.max(m, u[i]!);
    out[j] = m;
  }
  return out;
}

/** Index of the largest logit of word j (the label it would take if it left now). */
export function argmaxRow(logits: ArrayLike<number>, j: number, numLabels: number): number {
  let best = 0;
  for (let c = 1; c < numLabels; c++) if (logits[j * numLabels + c]! > logits[j * numLabels + best]!) best = c;
  return best;
}
