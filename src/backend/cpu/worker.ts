// A pool worker: instantiates the kernel module over the shared memory, then waits for jobs (see gemm.ts).
import { workerInput } from '../../platform/threads.js';
import { C, runTasks } from './gemm.js';
import { instantiate } from './wasm-kernels.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

interface Init {
  memory: WasmMemory;
  module: WasmModule;
  ctrl: SharedArrayBuffer;
  thread: number;
  /** polls of SEQ before sleeping in Atomics.wait (jobs often come back to back) */
  spin: number;
}

const { memory, module, ctrl: sab, thread, spin } = (await workerInput()) as Init;
const ctrl = new Int32Array(sab);
const w = instantiate(memory, module);
let seen = Atomics.load(ctrl, C.SEQ);
Atomics.add(ctrl, C.READY, 1);
for (;;) {
  let s = Atomics.load(ctrl, C.SEQ);
  for (let i = 0; s === seen && i < spin; i++) s = Atomics.load(ctrl, C.SEQ);
  if (s === seen) {
    Atomics.wait(ctrl, C.SEQ, seen);
    continue;
  }
  seen = s;
  runTasks(ctrl, w, thread, s);
}
