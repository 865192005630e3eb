// Process-wide state: the chosen backend, the gradient-recording switch and the tidy scopes.
import type { Backend } from '../backend/backend.js';
import type { Tensor } from './tensor.js';

export type BackendName = 'cpu' | 'webgpu' | 'gpujs';
const backendNames: readonly BackendName[] = ['cpu', 'webgpu', 'gpujs'];

// Each backend is loaded only when chosen, so the CPU path never pulls in native GPU bindings.
const factories: Record<BackendName, () => Promise<Backend>> = {
  cpu: async () => (await import('../backend/cpu/index.js')).createCpuBackend(),
  webgpu: async () => (await import('../backend/webgpu/index.js')).createWebGpuBackend(),
  gpujs: async () => (await import('../backend/gpujs/index.js')).createGpujsBackend(),
};

let current: Backend | null = null;
let cpuSync: (() => Backend) | null = null;

/** Lets the CPU backend module offer synchronous creation for the default case. */
export function registerSyncCpu(create: () => Backend): void {
  cpuSync = create;
}

export interface InitOptions {
  /** Which backend to use; default: env OFFRAMP_BACKEND, else cpu. */
  prefer?: BackendName;
  /** Print the chosen backend (default true). */
  log?: boolean;
}

/** Choose the backend once. Calling init again with another backend is an error, never a silent swap. */
export async function init(opts: InitOptions = {}): Promise<Backend> {
  const want = opts.prefer ?? envBackend() ?? 'cpu';
  if (current) {
    if (current.name !== want) throw new Error(`init: backend already initialised as '${current.name}', cannot switch to '${want}'`);
    return current;
  }
  current = await factories[want]();
  if (opts.log ?? true) console.error(`offramp: backend ${current.name} (${current.description})`);
  return current;
}

function envBackend(): BackendName | undefined {
  const v = process.env.OFFRAMP_BACKEND;
  if (v === undefined || v === '') return undefined;
  if (!(backendNames as readonly string[]).includes(v)) {
    throw new Error(`OFFRAMP_BACKEND=${v} is not one of ${backendNames.join(', ')}`);
  }
  return v as BackendName;
}

/** The active backend. Without init, the CPU backend is created on first use (unless the env asks for another). */
export function backend(): Backend {
  if (current) return current;
  const want = envBackend() ?? 'cpu';
  if (want !== 'cpu' || !cpuSync) throw new Error(`backend: call 'await init()' before using the ${want} backend`);
  current = cpuSync();
  return current;
}

/**
 * Install a backend object directly, e.g. a test's mirror that runs every kernel on two backends.
 * Like init, it is a one-time explicit choice: replacing an active backend is an error.
 */
export function useBackend(be: Backend): void {
  if (current && current !== be) throw new Error(`useBackend: backend already initialised as '${current.name}'`);
  current = be;
}

/** Release the device (lets a process with a GPU device exit by itself). */
export function shutdown(): void {
  current?.destroy();
  current = null;
}

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
const scopes: Set<Tensor>[] = [];

export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

export function untrack(t: Tensor): void {
  for (const s of scopes) s.delete(t);
}

/** Tensors found in fn's result (directly, in arrays or in plain objects) survive; others made inside are disposed. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
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
  const keep = new Set<Tensor>();
  collect(result, keep);
  for (const t of scope) {
    if (keep.has(t)) track(t); // hand returned tensors to the enclosing scope
    else t.dispose();
  }
  return result;
}

function collect(x: unknown, out: Set<Tensor>): void {
  if (x === null || typeof x !== 'object') return;
  if (isTensor(x)) {
    out.add(x);
    return;
  }
  if (ArrayBuffer.isView(x)) return;
  for (const v of Array.isArray(x) ? x : Object.values(x)) collect(v, out);
}

function isTensor(x: object): x is Tensor {
  return (x as { isTensor?: boolean }).isTensor === true;
}
