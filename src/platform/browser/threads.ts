// Browser build of platform/threads.ts: Web Workers (module workers) that share the wasm memory. Shared
// memory can be posted only on a cross-origin-isolated page (COOP same-origin + COEP require-corp),
// so elsewhere the pool has no helpers and the CPU backend runs on one thread.
interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  document?: unknown;
  Worker: new (url: URL, opts: { type: 'module' }) => { postMessage(data: unknown): void; addEventListener(type: 'error', f: (e: unknown) => void): void };
  addEventListener(type: 'message', f: (e: { data: unknown }) => void, opts: { once: true }): void;
}
const g = globalThis as unknown as BrowserGlobals;

export function threadsUnavailableReason(): string {
  return g.crossOriginIsolated === true ? '' : 'page not cross-origin isolated (no COOP/COEP headers)';
}

export function hardwareThreads(): number {
  return g.navigator?.hardwareConcurrency ?? 1;
}

/** A page's main thread may not block in Atomics.wait (it spins instead); workers may. */
export const callerCanWait = g.document === undefined;

export function startWorker(url: URL, data: unknown): void {
  const worker = new g.Worker(url, { type: 'module' });
  worker.addEventListener('error', (e) => {
    console.error('offramp: cpu matmul worker failed', e);
  });
  worker.postMessage(data);
}

export function workerInput(): Promise<unknown> {
  return new Promise((resolve) => g.addEventListener('message', (e) => resolve(e.data), { once: true }));
}
