// The task loop of the worker pool, run by the calling thread and by every pool worker over one shared
// WebAssembly memory (the CPU backend's f32 heap, so operands and results are already there). The caller
// describes the job in the control block and bumps SEQ; every thread then claims tasks until none are
// left: for a matmul, a group of batches × a block of output columns; for a row kernel (runRows in
// matmul-fast.ts), a slice of its rows or elements. Each output element is computed by one task with a
// fixed summation order, so results do not depend on how many threads ran or which took which task.
import { MR, NR, EDGE_TILE_BYTES, type MatmulExports } from './wasm-kernels.js';

/** Control block layout (Int32Array over a SharedArrayBuffer). */
export const C = {
  /** job sequence number; workers wait on it */
  SEQ: 0,
  /** next task to claim: (seq & 0x7fff) << 16 | task index, claimed by compare-exchange */
  NEXT: 1,
  /** tasks finished in the current job; the caller waits on it */
  DONE: 2,
  /** workers that have started and can take tasks */
  READY: 3,
  NTASKS: 4,
  A: 5, B: 6, OUT: 7, M: 8, K: 9, N: 10, BATCH: 11, A_BATCH: 12, B_BATCH: 13,
  AI: 14, AK: 15, BK: 16, BJ: 17,
  COL_BLOCK: 18, N_COL_BLOCKS: 19, BATCH_GROUP: 20,
  SCRATCH: 21, SCRATCH_STRIDE: 22,
  /** 0: matmul tasks; 1: each task runs the peak probe loop for ITERS iterations; 2: a row kernel's slices */
  KIND: 24,
  ITERS: 25,
  /** row jobs: the kernel (index in kernelNames), the argument that counts units, units in all, units per task */
  FN: 26, SPLIT_ARG: 27, UNITS: 28, CHUNK: 29,
  SIZE: 32,
} as const;

/** Row jobs: up to this many kernel arguments, as f64 after the control words, then each one's bytes per unit. */
export const MAX_ARGS = 16;
export const CTRL_BYTES = C.SIZE * 4 + 2 * MAX_ARGS * 8;

/** The kernel exports by name, in an order every thread agrees on (row jobs name them by index). */
export function kernelNames(w: MatmulExports): string[] {
  return Object.keys(w).filter((k) => typeof (w as unknown as Record<string, unknown>)[k] === 'function').sort();
}

/** A row job's arguments and each one's bytes per unit: the f64 views after the control words. */
export function rowJobViews(ctrl: Int32Array): { args: Float64Array; strides: Float64Array } {
  return { args: new Float64Array(ctrl.buffer, C.SIZE * 4, MAX_ARGS), strides: new Float64Array(ctrl.buffer, C.SIZE * 4 + MAX_ARGS * 8, MAX_ARGS) };
}

interface RowViews { args: Float64Array; strides: Float64Array; fns: ((...a: number[]) => unknown)[] }
const rowViews = new WeakMap<ArrayBufferLike, RowViews>();
function views(ctrl: Int32Array, w: MatmulExports): RowViews {
  let v = rowViews.get(ctrl.buffer);
  if (!v) {
    const fns = kernelNames(w).map((k) => (w as unknown as Record<string, (...a: number[]) => unknown>)[k]!);
    v = { ...rowJobViews(ctrl), fns };
    rowViews.set(ctrl.buffer, v);
  }
  return v;
}

/** Row task t: the kernel on units [t·chunk, (t+1)·chunk), every pointer argument moved to its first unit. */
function runRowTask(ctrl: Int32Array, w: MatmulExports, t: number): void {
  const { args, strides, fns } = views(ctrl, w);
  const chunk = ctrl[C.CHUNK]!;
  const u0 = t * chunk;
  const split = ctrl[C.SPLIT_ARG]!;
  const a: number[] = [];
  for (let i = 0; i < MAX_ARGS; i++) a.push(args[i]! + strides[i]! * u0);
  a[split] = Math.min(chunk, ctrl[C.UNITS]! - u0);
  fns[ctrl[C.FN]!]!(...a);
}

export const MAX_TASKS = 0xffff;
/** depth of a packed k-chunk: the B micro-panel (KC×NR) stays in L1 */
export const KC = 512;
/** rows of A per block: the A block (MC×KC) stays in L2 */
export const MC = 128;

const roundUp = (x: number, r: number) => Math.ceil(x / r) * r;

/** Scratch bytes one thread needs: an edge tile, packed A (all of K) and packed B (all of K, one column block). */
export function scratchBytes(m: number, k: number, colBlock: number): number {
  return roundUp(EDGE_TILE_BYTES + roundUp(m, MR) * k * 4 + roundUp(colBlock, NR) * k * 4, 64);
}

/** Claim and run tasks of job `seq` until none are left. `thread` selects the scratch area. */
export function runTasks(ctrl: Int32Array, w: MatmulExports, thread: number, seq: number): void {
  const tag = (seq & 0x7fff) << 16;
  const nTasks = ctrl[C.NTASKS]!;
  let packedA = -1; // batch whose A is in this thread's scratch (valid within this job only)
  for (;;) {
    const cur = Atomics.load(ctrl, C.NEXT);
    if ((cur & ~0xffff) !== tag) return;
    const t = cur & 0xffff;
    if (t >= nTasks) return;
    if (Atomics.compareExchange(ctrl, C.NEXT, cur, cur + 1) !== cur) continue;
    const kind = ctrl[C.KIND];
    if (kind === 1) w.peak(ctrl[C.ITERS]!);
    else if (kind === 2) runRowTask(ctrl, w, t);
    else packedA = runTask(ctrl, w, thread, t, packedA);
    Atomics.add(ctrl, C.DONE, 1);
    Atomics.notify(ctrl, C.DONE);
  }
}

function runTask(ctrl: Int32Array, w: MatmulExports, thread: number, t: number, packedA: number): number {
  const m = ctrl[C.M]!;
  const k = ctrl[C.K]!;
  const n = ctrl[C.N]!;
  const ncb = ctrl[C.N_COL_BLOCKS]!;
  const colBlock = ctrl[C.COL_BLOCK]!;
  const group = ctrl[C.BATCH_GROUP]!;
  const aBatch = ctrl[C.A_BATCH]!;
  const bBatch = ctrl[C.B_BATCH]!;
  const scratch = ctrl[C.SCRATCH]! + thread * ctrl[C.SCRATCH_STRIDE]!;
  const aPack = scratch + EDGE_TILE_BYTES;
  const bPack = aPack + roundUp(m, MR) * k * 4;
  const cb = t % ncb;
  const b0 = Math.floor(t / ncb) * group;
  const b1 = Math.min(b0 + group, ctrl[C.BATCH]!);
  const j0 = cb * colBlock;
  const nb = Math.min(colBlock, n - j0);
  const aPanel = k * MR * 4;
  const bPanel = k * NR * 4;
  for (let b = b0; b < b1; b++) {
    const aKey = aBatch === 0 ? 0 : b;
    if (aKey !== packedA) {
      // op(A)[i, p] = a[i·ai + p·ak] → panels of MR rows
      w.pack(ctrl[C.A]! + aKey * aBatch * 4, ctrl[C.AK]!, ctrl[C.AI]!, k, m, aPack, MR);
      packedA = aKey;
    }
    if (b === b0 || bBatch !== 0) {
      // op(B)[p, j] = b[p·bk + j·bj] → panels of NR columns
      w.pack(ctrl[C.B]! + (b * bBatch + j0 * ctrl[C.BJ]!) * 4, ctrl[C.BK]!, ctrl[C.BJ]!, k, nb, bPack, NR);
    }
    const out = ctrl[C.OUT]! + (b * m * n + j0) * 4;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        w.gemm(aPack + (ic / MR) * aPanel + pc * MR * 4, aPanel, bPack + pc * NR * 4, bPanel, out + ic * n * 4, n * 4, mc, nb, kc, pc === 0 ? 1 : 0, scratch);
      }
    }
  }
  return packedA;
}
