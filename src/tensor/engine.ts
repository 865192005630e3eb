// Process-wide state: the gradient-recording switch and the tidy scopes (the backend choice lives in
// backend/registry.ts and is re-exported here for callers that import it from the engine).
export { backend, init, shutdown, useBackend, type BackendName, type InitOptions } from '../backend/registry.js';

// ---- gradient recording ----
let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn without recording gradients. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

// ---- tidy scopes: every tensor made inside is disposed at the end unless returned or kept ----
/** What a tidy scope owns: a tensor (engine.ts cannot import tensor.ts, which imports it). */
export interface Owned {
  readonly isTensor: true;
  dispose(): void;
}

const scopes: Set<Owned>[] = [];

export function track(t: Owned): void {
  scopes[scopes.length - 1]?.add(t);
}

export function untrack(t: Owned): void {
  for (const s of scopes) s.delete(t);
}

/** Tensors found in fn's result (directly, in arrays or in plain objects) survive; others made inside are disposed. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Owned>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const keep = new Set<Owned>();
  collect(result, keep);
  for (const t of scope) {
    if (keep.has(t)) track(t); // hand returned tensors to the enclosing scope
    else t.dispose();
  }
  return result;
}

function collect(x: unknown, out: Set<Owned>): void {
  if (x === null || typeof x !== 'object') return;
  if (isTensor(x)) {
    out.add(x);
    return;
  }
  if (ArrayBuffer.isView(x)) return;
  for (const v of Array.isArray(x) ? x : Object.values(x)) collect(v, out);
}

function isTensor(x: object): x is Owned {
  return (x as { isTensor?: boolean }).isTensor === true;
}
