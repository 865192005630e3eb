// The CPU backend's f32 heap: one shared WebAssembly.Memory that the wasm kernels (and the matmul
// worker pool) address directly, so f32 storage lives where the kernels read and write it and no
// kernel copies its operands in or its result out.
//
// Blocks come from a BlockAllocator (allocator.ts): freed blocks merge with free neighbours and are
// split for smaller requests, so batches of any length reuse the same bytes and the heap stays near the
// most bytes ever live at once. The memory grows (by at least a quarter) when the allocator needs more;
// a wasm memory cannot shrink, so what it has grown to stays reserved for the next batch. A shared
// memory never detaches its buffer on grow; `memory.buffer` returns a new, longer
// SharedArrayBuffer over the same bytes, so views made earlier stay valid and new views are made
// over the newest buffer. Every buffer object the memory has handed out is remembered, so `owns`
// can tell a heap view from a plain array.
import { MEMORY_MAX_PAGES, sharedMemory } from './wasm-kernels.js';
import type { WasmMemory } from './wasm-api.js';
import { BlockAllocator } from './allocator.js';

const PAGE = 65536;
/** bytes below this are never handed out (address 0 stays a null pointer) */
const BASE = 1024;

export class WasmHeap {
  readonly memory: WasmMemory;
  private buf: ArrayBufferLike;
  private readonly own = new Set<ArrayBufferLike>();
  readonly blocks: BlockAllocator;

  constructor(initialPages = 256) {
    this.memory = sharedMemory(initialPages);
    this.buf = this.memory.buffer;
    this.own.add(this.buf);
    this.blocks = new BlockAllocator(BASE, (end) => end <= this.buf.byteLength || this.grow(end));
  }

  /** The newest buffer (views over it reach every byte allocated so far). */
  get buffer(): ArrayBufferLike {
    return this.buf;
  }

  /** A block of at least `bytes` bytes, 64-byte aligned; -1 when the memory cannot grow that far. */
  alloc(bytes: number): number {
    return this.blocks.alloc(bytes);
  }

  /** Return a block from `alloc`. Unknown offsets (and second releases) are ignored. */
  free(off: number): void {
    this.blocks.free(off);
  }

  /** A view of `size` f32s on a fresh block (zero-filled if asked); a plain array if the heap is full. */
  f32(size: number, zero = false): Float32Array {
    if (size === 0) return new Float32Array(0);
    const off = this.alloc(size * 4);
    if (off < 0) return new Float32Array(size);
    const v = new Float32Array(this.buf, off, size);
    if (zero) v.fill(0);
    return v;
  }

  view(off: number, size: number): Float32Array {
    return new Float32Array(this.buf, off, size);
  }

  /** Whether `x` is a view on this heap's memory. */
  owns(x: ArrayBufferView): boolean {
    return this.own.has(x.buffer);
  }

  /** Release the block under a view from `f32` (no-op for plain arrays and empty views). */
  release(x: ArrayBufferView): void {
    if (x.byteLength > 0 && this.own.has(x.buffer)) this.free(x.byteOffset);
  }

  /** Blocks handed out and not released. */
  get liveBlocks(): number {
    return this.blocks.liveBlocks;
  }

  /** Bytes of the memory (what it has grown to; never less than the allocator's high-water mark). */
  get memoryBytes(): number {
    return this.buf.byteLength;
  }

  private grow(need: number): boolean {
    const have = this.buf.byteLength;
    const maxBytes = MEMORY_MAX_PAGES * PAGE;
    if (need > maxBytes) return false;
    const want = Math.min(maxBytes, Math.max(need, have + Math.floor(have / 4)));
    this.memory.grow(Math.ceil((want - have) / PAGE));
    this.buf = this.memory.buffer;
    this.own.add(this.buf);
    return true;
  }
}

let shared: WasmHeap | null = null;

/** The process-wide heap (one per thread that uses the CPU backend). */
export function wasmHeap(): WasmHeap {
  return (shared ??= new WasmHeap());
}
