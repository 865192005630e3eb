// Threads for the CPU matmul pool (Node): worker_threads workers, unref()'d so an idle pool never keeps
// the process alive. The browser build swaps in browser/threads.ts (Web Workers).
import { availableParallelism } from 'node:os';
import { Worker, workerData } from 'node:worker_threads';

/** Why the pool may or may not have helper threads here ('' when it may). */
export function threadsUnavailableReason(): string {
  return '';
}

/** Cores this machine offers. */
export function hardwareThreads(): number {
  return availableParallelism();
}

/** Whether the calling thread may block in Atomics.wait (always, in Node). */
export const callerCanWait = true;

/** Start a pool worker running the module at `url` with `data` (a memory, a module, a control buffer). */
export function startWorker(url: URL, data: unknown): void {
  const worker = new Worker(url, { workerData: data });
  worker.unref();
  worker.on('error', (e) => {
    console.error('offramp: cpu matmul worker failed', e);
  });
}

/** Inside a pool worker: the data it was started with. */
export async function workerInput(): Promise<unknown> {
  return workerData;
}
