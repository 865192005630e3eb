// The backend choice, made once per process: `await init()` (or env OFFRAMP_BACKEND) picks it, and
// `backend()` returns it. Without init the CPU backend is created on first use. Nothing is chosen
// or registered by importing a module.
import type { Backend } from './backend.js';
import { envVar } from '../platform/env.js';
import { createCpuBackend } from './cpu/index.js';

export type BackendName = 'cpu' | 'webgpu' | 'gpujs';
const backendNames: readonly BackendName[] = ['cpu', 'webgpu', 'gpujs'];

// The GPU backends are loaded only when chosen, so the CPU path never pulls in native GPU bindings.
const factories: Record<BackendName, () => Promise<Backend>> = {
  cpu: async () => createCpuBackend(),
  webgpu: async () => (await import('./webgpu/index.js')).createWebGpuBackend(),
  gpujs: async () => (await import('./gpujs/index.js')).createGpujsBackend(),
};

let current: Backend | null = null;

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
  const v = envVar('OFFRAMP_BACKEND');
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
  if (want !== 'cpu') throw new Error(`backend: call 'await init()' before using the ${want} backend`);
  current = createCpuBackend();
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
