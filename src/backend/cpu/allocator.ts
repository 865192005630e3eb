// Block allocation for the wasm heap (heap.ts), on byte offsets only (no memory here, so it can be tested
// alone). The span [base, top) is cut into blocks, each in use or free. A freed block merges with free
// neighbours on both sides, and a free block that reaches `top` gives its bytes back to the bump pointer,
// so no two free blocks touch and the top of the span is always in use. Free blocks sit in bins of 64 B
// steps up to 1 KiB, then 8 bins per power of two; a request takes the smallest free block that fits
// (the lowest on ties: address-ordered best fit, which fragments least), searching its own bin and then
// larger ones, splits off what it does not need and bumps `top` only when no free block fits. Batches of different lengths ask for
// different sizes, so exact-size reuse alone would grow the span on every new length; with merging and
// splitting the span stays near the most bytes ever in use at once (see docs/performance.md, "Memory").

/** Blocks are multiples of this (and start at multiples of it when `base` is one). */
export const ALIGN = 64;

/** The bin of a free block of `bytes` bytes (a multiple of ALIGN, below 2^32). */
export function binOf(bytes: number): number {
  if (bytes <= 1024) return bytes / ALIGN - 1;
  const e = 31 - Math.clz32(bytes);
  return 16 + (e - 10) * 8 + (Math.floor(bytes / 2 ** (e - 3)) & 7);
}

export class BlockAllocator {
  private top: number;
  private high: number;
  private live = 0;
  private peak = 0;
  /** offset → bytes of every block in use */
  private readonly used = new Map<number, number>();
  /** offset → bytes, and end → offset, of every free block */
  private readonly freeAt = new Map<number, number>();
  private readonly freeEnd = new Map<number, number>();
  /** free offsets per bin, and each one's index in its bin (removal in O(1)) */
  private readonly bins: number[][] = [];
  private readonly slot = new Map<number, number>();

  /** `reserve(end)` makes bytes below `end` addressable, or says it cannot. */
  constructor(private readonly base: number, private readonly reserve: (end: number) => boolean) {
    this.top = this.high = base;
  }

  /** A block of at least `bytes` bytes; -1 when the span cannot grow that far. */
  alloc(bytes: number): number {
    let n = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let off = this.fit(n);
    if (off >= 0) {
      const size = this.freeAt.get(off)!;
      this.unlink(off);
      if (size - n >= ALIGN) this.link(off + n, size - n);
      else n = size;
    } else {
      if (!this.reserve(this.top + n)) return -1;
      off = this.top;
      this.top += n;
      this.high = Math.max(this.high, this.top);
    }
    this.used.set(off, n);
    this.live += n;
    this.peak = Math.max(this.peak, this.live);
    return off;
  }

  /** Return a block from `alloc`. Unknown offsets (and second frees) are ignored. */
  free(off: number): void {
    const n = this.used.get(off);
    if (n === undefined) return;
    this.used.delete(off);
    this.live -= n;
    let [start, end] = [off, off + n];
    const next = this.freeAt.get(end);
    if (next !== undefined) {
      this.unlink(end);
      end += next;
    }
    const prev = this.freeEnd.get(start);
    if (prev !== undefined) {
      this.unlink(prev);
      start = prev;
    }
    if (end === this.top) this.top = start;
    else this.link(start, end - start);
  }

  /** Blocks in use. */
  get liveBlocks(): number {
    return this.used.size;
  }

  /** Bytes in blocks in use. */
  get liveBytes(): number {
    return this.live;
  }

  /** The most bytes ever in use at once (since the last `resetPeak`). */
  get peakLiveBytes(): number {
    return this.peak;
  }

  /** The highest end the span has ever reached (the memory it needs). */
  get highWaterBytes(): number {
    return this.high;
  }

  /** Bytes in free blocks below the top (held, not in use). */
  get freeBytes(): number {
    return this.top - this.base - this.live;
  }

  resetPeak(): void {
    this.peak = this.live;
  }

  /** The smallest free block of at least n bytes (the lowest such on ties), or -1. */
  private fit(n: number): number {
    for (let b = binOf(n); b < this.bins.length; b++) {
      const bin = this.bins[b];
      if (!bin || bin.length === 0) continue;
      let [best, bestSize] = [-1, Infinity];
      for (const off of bin) {
        const size = this.freeAt.get(off)!;
        if (size >= n && (size < bestSize || (size === bestSize && off < best))) [best, bestSize] = [off, size];
      }
      if (best >= 0) return best;
    }
    return -1;
  }

  private link(off: number, size: number): void {
    this.freeAt.set(off, size);
    this.freeEnd.set(off + size, off);
    const b = binOf(size);
    const bin = (this.bins[b] ??= []);
    this.slot.set(off, bin.length);
    bin.push(off);
  }

  private unlink(off: number): void {
    const size = this.freeAt.get(off)!;
    this.freeAt.delete(off);
    this.freeEnd.delete(off + size);
    const bin = this.bins[binOf(size)]!;
    const i = this.slot.get(off)!;
    this.slot.delete(off);
    const last = bin.pop()!;
    if (last !== off) {
      bin[i] = last;
      this.slot.set(last, i);
    }
  }
}
