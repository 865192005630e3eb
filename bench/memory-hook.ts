// Loaded with `node --import` in front of the offramp CLI by bench/memory.ts: when the process exits it
// prints one JSON line on stderr with the peak resident memory and the wasm heap's sizes.
import { wasmHeap } from '../src/backend/cpu/heap.js';

process.on('exit', () => {
  const heap = wasmHeap();
  const mb = (bytes: number) => bytes / 2 ** 20;
  process.stderr.write(`${JSON.stringify({
    memoryStats: true,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    wasmMemoryMB: mb(heap.memoryBytes),
    heapHighWaterMB: mb(heap.blocks.highWaterBytes),
    heapPeakLiveMB: mb(heap.blocks.peakLiveBytes),
  })}\n`);
});
