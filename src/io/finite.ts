// Weights with NaN or ±Infinity give confident nonsense (every word the same label), so loaders
// check every tensor; the CLI's --allow-non-finite turns the error into a warning.

/** How loaders treat non-finite weights: refuse the file, or load it and report the tensors. */
export type NonFinitePolicy = 'error' | 'warn';

/** null when every value is finite, else a description naming the tensor and the first bad value. */
export function nonFiniteProblem(data: Float32Array, tensor: string, file: string): string | null {
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      if (count === 0) first = i;
      count++;
    }
  }
  if (count === 0) return null;
  return `${file}: tensor '${tensor}' has ${count} non-finite value(s) of ${data.length} (first: ${data[first]} at index ${first})`;
}

/** Throws for 'error'; for 'warn' adds the problem to `warnings`. */
export function checkFinite(data: Float32Array, tensor: string, file: string, policy: NonFinitePolicy, warnings: string[]): void {
  const problem = nonFiniteProblem(data, tensor, file);
  if (problem === null) return;
  if (policy === 'error') throw new Error(`${problem}; the checkpoint is broken (--allow-non-finite loads it anyway)`);
  warnings.push(problem);
}
