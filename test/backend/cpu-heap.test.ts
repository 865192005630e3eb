// The CPU backend's wasm heap (heap.ts) and its block allocator (allocator.ts): blocks never overlap,
// freed blocks merge and are reused for other sizes, and repeated evaluation of a model (same and other
// batch sizes, other orders) stays within the heap's first-pass high-water mark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALIGN, BlockAllocator, binOf } from '../../src/backend/cpu/allocator.js';
import { wasmHeap, WasmHeap } from '../../src/backend/cpu/heap.js';
import { fastMatmulReady } from '../../src/backend/cpu/matmul-fast.js';
import { LabelSet, makeSyntheticTask, WordPiece } from '../../src/data/index.js';
import { evaluate } from '../../src/earlyexit/evaluate.js';
import { EarlyExitModel } from '../../src/earlyexit/model.js';
import { suiteBackend } from '../helpers/suite.js';

const BASE = 1024;

test('allocator: bins grow with size, 8 per power of two above 1 KiB', () => {
  let prev = -1;
  for (let b = ALIGN; b < 2 ** 31; b = Math.ceil((b * 1.1) / ALIGN) * ALIGN) {
    const bin = binOf(b);
    assert.ok(bin >= prev, `bin of ${b}`);
    prev = bin;
  }
  assert.equal(binOf(1024), 15);
  assert.equal(binOf(1088), 16);
  assert.equal(binOf(4096) - binOf(2048), 8);
  assert.equal(binOf(2 ** 20) - binOf(2 ** 19), 8);
});

test('allocator: freed neighbours merge, merged space serves a larger request, the top goes back', () => {
  const a = new BlockAllocator(BASE, () => true);
  const [x, y, z] = [a.alloc(1000), a.alloc(3000), a.alloc(100)];
  assert.deepEqual([x, y, z], [BASE, BASE + 1024, BASE + 1024 + 3008]);
  a.free(x);
  a.free(y);
  assert.equal(a.freeBytes, 1024 + 3008, 'x and y are one free block');
  assert.equal(a.alloc(3900), BASE, 'a request larger than either block takes the merged one');
  assert.equal(a.freeBytes, 128, 'and leaves its tail free');
  assert.equal(a.alloc(64), BASE + 3904, 'the tail serves a small request');
  a.free(z);
  a.free(BASE);
  a.free(BASE);
  a.free(BASE + 3904);
  assert.equal(a.liveBlocks, 0);
  assert.equal(a.freeBytes, 0, 'blocks that reach the top go back to it');
  assert.equal(a.highWaterBytes, BASE + 4032 + 128);
  assert.equal(a.alloc(1), BASE);
});

test('allocator: random alloc/free sequences keep blocks disjoint, aligned and accounted; all freed is all back', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 1 << 16 }), fc.nat()), { maxLength: 300 }), (ops) => {
    const a = new BlockAllocator(BASE, (end) => end <= 1 << 24);
    const live = new Map<number, number>();
    for (const [isAlloc, bytes, pick] of ops) {
      if (isAlloc || live.size === 0) {
        const off = a.alloc(bytes);
        assert.ok(off >= BASE && off % ALIGN === 0);
        live.set(off, bytes);
      } else {
        const off = [...live.keys()][pick % live.size]!;
        a.free(off);
        live.delete(off);
      }
      const spans = [...live].sort((p, q) => p[0] - q[0]);
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]![0] + spans[i - 1]![1] <= spans[i]![0], 'blocks overlap');
      assert.equal(a.liveBlocks, live.size);
      assert.ok(a.liveBytes >= [...live.values()].reduce((s, b) => s + b, 0));
      assert.ok(a.liveBytes <= a.peakLiveBytes && BASE + a.liveBytes + a.freeBytes <= a.highWaterBytes);
    }
    for (const off of live.keys()) a.free(off);
    assert.equal(a.liveBytes + a.freeBytes, 0);
    assert.equal(a.alloc(1 << 20), BASE, 'with everything freed the whole span is one block again');
  }));
});

test('heap: views made before the memory grows stay valid and owned', () => {
  const h = new WasmHeap(1);
  const v = h.f32(1000);
  v.fill(3);
  const big = h.f32(1 << 20); // grows the memory past its first buffer
  assert.ok(big.buffer !== v.buffer && big.buffer.byteLength > v.buffer.byteLength);
  assert.ok(h.owns(v) && h.owns(big) && !h.owns(new Float32Array(4)));
  big.fill(1);
  assert.equal(v[999], 3);
  // the same bytes, seen through the new buffer
  assert.equal(h.view(v.byteOffset, 1000)[999], 3);
  h.release(v);
  h.release(big);
  h.release(big); // a second release is ignored
  assert.equal(h.liveBlocks, 0);
  assert.ok(h.memoryBytes >= h.blocks.highWaterBytes);
});

const heapInUse = suiteBackend === 'cpu' && process.env.OFFRAMP_CPU_REF !== '1';

test('heap: repeated evaluation (same and smaller batches) stays at the first pass\'s high-water mark; other batches within 1.25× their peak', {
  skip: heapInUse ? false : 'the wasm heap holds f32 storage only on the fast CPU backend',
}, async () => {
  const task = makeSyntheticTask(3, { train: 0, dev: 120, test: 0 });
  const tokenizer = new WordPiece(task.vocab, { lowercase: true });
  const labels = new LabelSet(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG']);
  const model = new EarlyExitModel({
    bert: { vocabSize: tokenizer.size, hidden: 64, layers: 3, heads: 4, ffn: 256, maxPositions: 128, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
    numLabels: labels.size,
    offRampDropout: 0.1,
  }, 5);
  const heap = wasmHeap().blocks;
  const run = (sentences = task.dev, batchPieces = 512) =>
    evaluate(model, sentences, tokenizer, labels, { policy: { kind: 'tokee', threshold: 0.5, halfWidth: 1 }, batchPieces });
  // a matmul's scratch depends on how many workers are ready: all of them, from the first pass on
  await fastMatmulReady();
  try {
    const blocks = heap.liveBlocks;
    heap.resetPeak();
    const before = heap.liveBytes;
    await run();
    const high = heap.highWaterBytes;
    const working = heap.peakLiveBytes - before;
    assert.ok(working > 0, 'the pass used the heap');
    assert.ok(high <= BASE + 1.25 * heap.peakLiveBytes, `high-water ${high} B for a peak of ${heap.peakLiveBytes} B live`);
    for (const [what, batchPieces] of [['same', 512], ['same again', 512], ['smaller batches', 200], ['tiny batches', 37], ['same once more', 512]] as const) {
      await run(task.dev, batchPieces);
      assert.equal(heap.liveBlocks, blocks, `${what}: every block of the pass went back`);
      assert.equal(heap.highWaterBytes, high, `${what} (batch ${batchPieces} pieces): the heap grew past its first pass`);
    }
    // other batches (another order) may need more at once; the span stays within the same bound of that
    let peak = heap.peakLiveBytes;
    for (const batchPieces of [512, 300, 700]) {
      heap.resetPeak();
      await run([...task.dev].reverse(), batchPieces);
      peak = Math.max(peak, heap.peakLiveBytes);
      assert.equal(heap.liveBlocks, blocks);
      assert.ok(heap.highWaterBytes <= BASE + 1.25 * peak, `other order, batch ${batchPieces}: high-water ${heap.highWaterBytes} B for a peak of ${peak} B live`);
    }
  } finally {
    model.dispose();
  }
});
