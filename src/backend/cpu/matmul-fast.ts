// Fast f32 matmul for the CPU backend: WebAssembly SIMD micro-kernel (wasm-kernels.ts) with packed
// panels and cache blocking, split over the calling thread and a persistent pool of workers that share
// one WebAssembly memory (gemm.ts), which is also the CPU backend's f32 heap (heap.ts): operands and
// result stay where they are. Synchronous like every CPU kernel: the caller takes tasks itself
// and then blocks in Atomics.wait until the workers are done (a page's main thread, which may not
// block, spins). The workers come from platform/threads.ts (worker_threads in Node, Web Workers in a
// cross-origin-isolated page). Small products stay on the calling thread.
import { envVar } from '../../platform/env.js';
import { callerCanWait, hardwareThreads, startWorker, threadsUnavailableReason } from '../../platform/threads.js';
import type { MatmulArgs } from '../backend.js';
import { C, CTRL_BYTES, MAX_TASKS, kernelNames, rowJobViews, runTasks, scratchBytes } from './gemm.js';
import { NR, PEAK_FLOPS_PER_ITER, instantiate, kernelModule, type MatmulExports } from './wasm-kernels.js';
import { wasmHeap, type WasmHeap } from './heap.js';
import { cpuFma } from './fma.js';

export interface FastMatmulOptions {
  /** threads in all, the caller included (default: env OFFRAMP_CPU_THREADS, else available cores, at most 8; 1 where the platform has no shared-memory threads) */
  threads: number;
  /** below this many flops (2·batch·m·k·n) the caller works alone */
  minParallelFlops: number;
  /** polls of the job word a worker makes before sleeping */
  spin: number;
}

function defaultThreads(): number {
  if (threadsUnavailableReason() !== '') return 1;
  const env = Number(envVar('OFFRAMP_CPU_THREADS'));
  return Number.isInteger(env) && env >= 1 ? env : Math.min(8, Math.max(1, hardwareThreads()));
}

/** How the pool runs, for backend descriptions: "4 threads" or "1 thread (why)". */
export function threadingSummary(): string {
  const n = fastMatmulOptions.threads;
  const why = threadsUnavailableReason();
  return n === 1 ? `1 thread${why === '' ? '' : ` (${why})`}` : `${n} threads`;
}

export const fastMatmulOptions: FastMatmulOptions = {
  threads: defaultThreads(),
  minParallelFlops: 1 << 20,
  spin: 20000,
};

interface State {
  heap: WasmHeap;
  w: MatmulExports;
  ctrl: Int32Array;
  workers: number;
  seq: number;
  fnIndex: Map<string, number>;
  /** row jobs' arguments and bytes per unit (views into the control block) */
  args: Float64Array;
  strides: Float64Array;
}

let state: State | null = null;

function init(): State {
  if (state) return state;
  const heap = wasmHeap();
  const memory = heap.memory;
  const module = kernelModule(cpuFma());
  // one thread needs no shared buffer (a page that is not cross-origin isolated has none)
  const single = fastMatmulOptions.threads === 1;
  const ctrl = new Int32Array(single ? new ArrayBuffer(CTRL_BYTES) : new SharedArrayBuffer(CTRL_BYTES));
  const workers = fastMatmulOptions.threads - 1;
  for (let t = 1; t <= workers; t++) {
    startWorker(new URL('./worker.js', import.meta.url), { memory, module, ctrl: ctrl.buffer, thread: t, spin: fastMatmulOptions.spin });
  }
  const w = instantiate(memory, module);
  const names = kernelNames(w);
  state = {
    heap, w, ctrl, workers, seq: Atomics.load(ctrl, C.SEQ), fnIndex: new Map(names.map((k, i) => [k, i])), ...rowJobViews(ctrl),
  };
  return state;
}

/** The kernel exports instantiated on the calling thread (over the shared heap). */
export function kernels(): MatmulExports {
  return init().w;
}

/** Start the worker pool now (it starts lazily otherwise) and resolve once every worker is ready. */
export async function fastMatmulReady(): Promise<number> {
  const s = init();
  while (Atomics.load(s.ctrl, C.READY) < s.workers) await new Promise((r) => setTimeout(r, 1));
  return s.workers + 1;
}

const roundUp = (x: number, r: number) => Math.ceil(x / r) * r;

/**
 * out [batch, m, n] = op(a) @ op(b) in f32, same contract as matmulRef. Operands that are views on the
 * wasm heap (heap.ts) are read in place; others are copied into temporary heap blocks. The result is
 * written straight into `out` when it is a heap view of length batch·m·n, else into a temporary block
 * that is copied to `out` (or to a new array when `out` is not given). Returns null when the problem
 * does not fit in the heap (the caller falls back to the reference loop).
 */
export function matmulFast(a: Float32Array, b: Float32Array, p: MatmulArgs, threads = fastMatmulOptions.threads, out?: Float32Array): Float32Array | null {
  const { batch, m, k, n } = p;
  const total = batch * m * n;
  if (total === 0 || k === 0) return out ? out.fill(0) : new Float32Array(total);
  const s = init();
  const heap = s.heap;
  const flops = 2 * batch * m * n * k;
  const helpers = flops < fastMatmulOptions.minParallelFlops ? 0 : Math.min(threads - 1, Atomics.load(s.ctrl, C.READY));
  const nThreads = helpers + 1;

  // tasks: groups of batches × blocks of columns (at least 8·NR wide); ~8 tasks per thread so the split
  // still balances when the OS preempts one thread on a shared machine
  const want = nThreads === 1 ? 1 : 8 * nThreads;
  let ncb = Math.max(1, Math.min(Math.ceil(n / (8 * NR)), Math.ceil(want / batch)));
  const colBlock = roundUp(Math.ceil(n / ncb), NR);
  ncb = Math.ceil(n / colBlock);
  const nGroups = Math.min(batch, Math.max(1, Math.ceil(want / ncb)), Math.floor(MAX_TASKS / ncb));
  const group = Math.ceil(batch / nGroups);
  const nTasks = Math.ceil(batch / group) * ncb;

  const aLen = p.aBatchStride === 0 ? m * k : batch * m * k;
  const bLen = p.bBatchStride === 0 ? k * n : batch * k * n;
  const temps: number[] = [];
  const temp = (bytes: number): number => {
    const off = heap.alloc(bytes);
    if (off >= 0) temps.push(off);
    return off;
  };
  const inPlace = (x: Float32Array) => heap.owns(x) && x.byteOffset % 4 === 0;
  const aIn = inPlace(a);
  const bIn = inPlace(b);
  const A = aIn ? a.byteOffset : temp(aLen * 4);
  const B = bIn ? b.byteOffset : temp(bLen * 4);
  const direct = out !== undefined && out.length === total && heap.owns(out);
  const OUT = direct ? out.byteOffset : temp(total * 4);
  const stride = scratchBytes(m, k, colBlock);
  const SCRATCH = temp(nThreads * stride);
  if (A < 0 || B < 0 || OUT < 0 || SCRATCH < 0) {
    for (const t of temps) heap.free(t);
    return null;
  }
  if (!aIn) heap.view(A, aLen).set(a.subarray(0, aLen));
  if (!bIn) heap.view(B, bLen).set(b.subarray(0, bLen));

  const c = s.ctrl;
  c[C.A] = A; c[C.B] = B; c[C.OUT] = OUT; c[C.M] = m; c[C.K] = k; c[C.N] = n; c[C.BATCH] = batch;
  c[C.A_BATCH] = p.aBatchStride; c[C.B_BATCH] = p.bBatchStride;
  // strides of op(a)[i, p] and op(b)[p, j]
  c[C.AI] = p.transA ? 1 : k; c[C.AK] = p.transA ? m : 1;
  c[C.BK] = p.transB ? 1 : n; c[C.BJ] = p.transB ? k : 1;
  c[C.COL_BLOCK] = colBlock; c[C.N_COL_BLOCKS] = ncb; c[C.BATCH_GROUP] = group;
  c[C.SCRATCH] = SCRATCH; c[C.SCRATCH_STRIDE] = stride;
  runJob(s, 0, nTasks, helpers > 0);
  let result: Float32Array;
  if (direct) result = out;
  else if (out) {
    out.set(heap.view(OUT, total));
    result = out;
  } else result = heap.view(OUT, total).slice();
  for (const t of temps) heap.free(t);
  return result;
}

/** Below this many units × unit bytes a row kernel runs on the caller alone (a pool job costs a few µs, a
 * sleeping worker tens; a 512×256 add takes ~20 µs). */
const MIN_PARALLEL_ROW_BYTES = 1 << 20;

/**
 * A row kernel (wasm-rows.ts export `fn`) over `units` units (elements or rows), sliced over the pool:
 * argument `splitArg` holds the unit count, and each argument i moves by strides[i] bytes per unit
 * (0 for what every slice shares). Slices start at multiples of `granule` units (keep SIMD groups whole,
 * so a slice computes exactly what the whole call would). `unitBytes` sizes the work for the threshold.
 */
export function runRows(fn: string, args: readonly number[], splitArg: number, strides: readonly number[], granule: number, unitBytes: number): void {
  const s = init();
  const units = args[splitArg]!;
  const helpers = Math.min(fastMatmulOptions.threads - 1, Atomics.load(s.ctrl, C.READY));
  const kernel = (s.w as unknown as Record<string, (...a: number[]) => unknown>)[fn]!;
  if (helpers === 0 || units * unitBytes < MIN_PARALLEL_ROW_BYTES || units < 2 * granule) {
    kernel(...args);
    return;
  }
  // ~4 slices per thread, so a preempted thread on a shared machine delays the job by a quarter slice
  const want = 4 * (helpers + 1);
  const chunk = Math.ceil(units / want / granule) * granule;
  const nTasks = Math.ceil(units / chunk);
  const c = s.ctrl;
  s.args.fill(0);
  s.strides.fill(0);
  args.forEach((a, i) => (s.args[i] = a));
  strides.forEach((b, i) => (s.strides[i] = b));
  c[C.FN] = s.fnIndex.get(fn)!;
  c[C.SPLIT_ARG] = splitArg;
  c[C.UNITS] = units;
  c[C.CHUNK] = chunk;
  runJob(s, 2, nTasks, true);
}

/** Pool jobs run and the caller's time spent waiting for workers after its own tasks (for bench/threads.ts). */
export const poolStats = { jobs: 0, waitMs: 0 };

/**
 * Publish a job of `nTasks` tasks (waking the workers when `wake`), take tasks on the caller too, then
 * wait (spinning a little first) until every task is done.
 */
function runJob(s: State, kind: number, nTasks: number, wake: boolean): void {
  const c = s.ctrl;
  c[C.KIND] = kind;
  c[C.NTASKS] = nTasks;
  c[C.DONE] = 0;
  const seq = (s.seq + 1) | 0;
  s.seq = seq;
  Atomics.store(c, C.NEXT, (seq & 0x7fff) << 16);
  if (wake) {
    Atomics.store(c, C.SEQ, seq);
    Atomics.notify(c, C.SEQ);
  }
  runTasks(c, s.w, 0, seq);
  poolStats.jobs++;
  if (Atomics.load(c, C.DONE) >= nTasks) return;
  const t0 = performance.now();
  for (let i = 0; Atomics.load(c, C.DONE) < nTasks; i++) {
    const done = Atomics.load(c, C.DONE);
    if (callerCanWait && i > fastMatmulOptions.spin && done < nTasks) Atomics.wait(c, C.DONE, done, 1);
  }
  poolStats.waitMs += performance.now() - t0;
}

/**
 * Peak probe: the wasm SIMD multiply-add loop (wasm-kernels.ts `peak`) for `iters` iterations on
 * `threads` threads at once (the caller and ready workers). Returns flops done.
 */
export function peakLoop(iters: number, threads = fastMatmulOptions.threads): number {
  const s = init();
  const n = Math.min(threads, Atomics.load(s.ctrl, C.READY) + 1);
  s.ctrl[C.ITERS] = iters;
  runJob(s, 1, n, n > 1);
  return n * iters * PEAK_FLOPS_PER_ITER;
}
