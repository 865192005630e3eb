// Weights with NaN or ±Infinity give confident nonsense (every word the same label), so loaders
// check every tensor; the CLI's --allow-non-finite turns the error into a warning.

/** How loaders treat non-finite weights: refuse the file, or load it and report the tensors. */
export type NonFinitePolicy = 'error' | 'warn';

/** Counts the non-finite values of a tensor seen in chunks, remembering the first. */
export class NonFiniteCount {
  private count = 0;
  private first = -1;
  private firstValue = 0;

  /** `data` holds the tensor's values from index `offset` on. */
  add(data: Float32Array, offset = 0): void {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        if (this.count === 0) [this.first, this.firstValue] = [offset + i, data[i]!];
        this.count++;
      }
    }
  }

  /** null when every value was finite, else a description naming the tensor and the first bad value. */
  problem(tensor: string, size: number, file: string): string | null {
    if (this.count === 0) return null;
    return `${file}: tensor '${tensor}' has ${this.count} non-finite value(s) of ${size} (first: ${this.firstValue} at index ${this.first})`;
  }
}

/** Throws for 'error'; for 'warn' adds the problem to `warnings`. */
export function reportNonFinite(problem: string | null, policy: NonFinitePolicy, warnings: string[]): void {
  if (problem === null) return;
  if (policy === 'error') throw new Error(`${problem}; the checkpoint is broken (--allow-non-finite loads it anyway)`);
  warnings.push(problem);
}
