import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
  type TensorToWrite,
} from '../../src/io/safetensors.js';
import { buildSafetensors } from '../helpers/safetensors-file.js';

/** little-endian bytes of 16-bit words */
function words16(...w: number[]): number[] {
  return w.flatMap((x) => [x & 0xff, x >> 8]);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'offramp-st-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const tensorArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((shape) => {
  const count = shape.reduce((a, b) => a * b, 1);
  return fc.oneof(
    fc.array(fc.float(), { minLength: count, maxLength: count }).map((v): TensorToWrite => ({ shape, data: Float32Array.from(v) })),
    fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: count, maxLength: count }).map((v): TensorToWrite => ({ shape, data: Int32Array.from(v) })),
  );
});
const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constant('__proto__')).filter((s) => s !== '__metadata__');
const tensorsArb = fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([name]) => name, maxLength: 5 }).map((e) => new Map(e));
const metadataArb = fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3, noNullPrototype: true });

test('property: serialize then parse gives back names, order, shapes, dtypes, values and metadata', () => {
  fc.assert(
    fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
      const bytes = serializeSafetensors(tensors, 'mem.safetensors', metadata);
      const headerBytes = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      assert.equal((8 + headerBytes) % 8, 0, 'data region starts 8-byte aligned');
      const back = parseSafetensors(bytes, 'mem.safetensors');
      assert.deepEqual(back.metadata, metadata);
      // tensors of size 0 share an offset, so only the set of names is certain
      assert.deepEqual([...back.tensors.keys()].sort(), [...tensors.keys()].sort());
      for (const [name, t] of tensors) {
        const r = back.tensors.get(name)!;
        assert.equal(r.dtype, t.data instanceof Float32Array ? 'F32' : 'I32');
        assert.deepEqual(r.shape, [...t.shape]);
        // deepEqual compares with Object.is: NaN, -0 and infinities must survive
        assert.deepEqual(r.data, t.data);
      }
    }),
  );
});

test('property: writeSafetensors then readSafetensors round-trips through a file', async () => {
  await withTempDir(async (dir) => {
    await fc.assert(
      fc.asyncProperty(tensorsArb, metadataArb, async (tensors, metadata) => {
        const path = join(dir, 'model.safetensors');
        await writeSafetensors(path, tensors, metadata);
        const back = await readSafetensors(path);
        assert.deepEqual(back.metadata, metadata);
        const byName = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        assert.deepEqual(
          byName(back.tensors).map(([n, t]) => [n, t.shape, t.data]),
          byName(tensors).map(([n, t]) => [n, [...t.shape], t.data]),
        );
      }),
      { numRuns: 25 },
    );
  });
});

test('F16 and BF16 decode from hand-made bytes', () => {
  const file = buildSafetensors(
    {
      h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] },
      __metadata__: { format: 'pt' },
    },
    [
      // F16: 1.0, -2.0, 65504 (largest), 2^-24 (smallest subnormal), +inf, 0.5 + 2^-11 (mantissa bit 0 of 0.5)
      ...words16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3801),
      // BF16 = top half of F32: 0x3F80 → 0x3F800000 = 1.0, 0xC040 → -3.0, 0x4049 → 0x40490000 = 3.140625
      ...words16(0x3f80, 0xc040, 0x4049),
    ],
  );
  const { tensors, metadata } = parseSafetensors(file, 'half.safetensors');
  assert.deepEqual(metadata, { format: 'pt' });
  assert.equal(tensors.get('h')!.dtype, 'F16');
  assert.deepEqual([...tensors.get('h')!.data], [1, -2, 65504, 2 ** -24, Infinity, 0.5 + 2 ** -11]);
  assert.deepEqual([...tensors.get('b')!.data], [1, -3, 3.140625]);
  const nan = parseSafetensors(buildSafetensors({ n: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, words16(0x7e00)), 'nan.safetensors');
  assert.ok(Number.isNaN(nan.tensors.get('n')!.data[0]));
});

test('F64 is rounded to F32, I64 narrowed to I32 when it fits', () => {
  const f64 = new Uint8Array(new Float64Array([0.1, -1e300]).buffer);
  const i64 = new Uint8Array(new BigInt64Array([5n, -7n]).buffer);
  const { tensors } = parseSafetensors(
    buildSafetensors({ i: { dtype: 'I64', shape: [2, 1], data_offsets: [16, 32] }, f: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, [...f64, ...i64]),
    'wide.safetensors',
  );
  assert.deepEqual([...tensors.keys()], ['f', 'i'], 'tensors come in data order, not header order');
  assert.deepEqual([...tensors.get('f')!.data], [Math.fround(0.1), -Infinity]);
  assert.ok(tensors.get('i')!.data instanceof Int32Array);
  assert.deepEqual([...tensors.get('i')!.data], [5, -7]);
  const big = new Uint8Array(new BigInt64Array([2n ** 40n]).buffer);
  assert.throws(() => parseSafetensors(buildSafetensors({ i: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, big), 'big.safetensors'), /big\.safetensors: tensor "i" holds 1099511627776, outside the int32 range/);
});

test('malformed files are rejected with the file name and the bad value', () => {
  const f32 = (offsets: [number, number], shape = [1]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const bad = (bytes: Uint8Array, message: RegExp) => assert.throws(() => parseSafetensors(bytes, 'bad.safetensors'), message);
  bad(new Uint8Array(5), /bad\.safetensors: 5 bytes, too short for the 8-byte header length/);
  const tooLong = buildSafetensors({});
  new DataView(tooLong.buffer).setBigUint64(0, 1000n, true);
  bad(tooLong, /bad\.safetensors: header length 1000 exceeds the 2 bytes after it/);
  const notJson = new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7d]);
  bad(notJson, /bad\.safetensors: header is not valid UTF-8 JSON/);
  bad(buildSafetensors([1, 2]), /bad\.safetensors: header is not a JSON object/);
  bad(buildSafetensors({ x: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /bad\.safetensors: tensor "x": unsupported dtype "Q7"/);
  bad(buildSafetensors({ x: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor "x": unsupported dtype "U8" \(supported: F32, F64, F16, BF16, I32, I64\)/);
  bad(buildSafetensors({ x: f32([0, 100]) }, new Array(8).fill(0)), /bad\.safetensors: tensor "x": data_offsets \[0, 100\] out of range of the 8-byte data region/);
  bad(buildSafetensors({ x: f32([4, 0]) }, new Array(4).fill(0)), /data_offsets \[4, 0\] out of range/);
  bad(buildSafetensors({ x: f32([0, 8], [3]) }, new Array(8).fill(0)), /bad\.safetensors: tensor "x": shape \[3\] of F32 needs 12 bytes, data_offsets span 8/);
  bad(buildSafetensors({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Array(4).fill(0)), /tensor "x": bad shape \[-1\]/);
  bad(buildSafetensors({ a: f32([0, 8], [2]), b: f32([4, 12], [2]) }, new Array(12).fill(0)), /bad\.safetensors: tensors "a" and "b" overlap \(bytes 4\.\.8\)/);
  bad(buildSafetensors({ a: f32([0, 4]), b: f32([8, 12]) }, new Array(12).fill(0)), /bad\.safetensors: bytes 4\.\.8 of the data region belong to no tensor/);
  bad(buildSafetensors({ a: f32([0, 4]) }, new Array(6).fill(0)), /bad\.safetensors: 2 trailing bytes after the last tensor/);
  bad(buildSafetensors({ __metadata__: { n: 1 } }), /bad\.safetensors: __metadata__ value of "n" is not a string/);
});

test('serializing rejects a shape that does not match the data, and reserved names', () => {
  assert.throws(
    () => serializeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]), 'out.safetensors'),
    /out\.safetensors: tensor "w" has shape \[2, 2\] \(4 values\) but 3 values/,
  );
  assert.throws(() => serializeSafetensors(new Map([['__metadata__', { shape: [0], data: new Int32Array(0) }]]), 'out.safetensors'), /invalid tensor name "__metadata__"/);
  assert.throws(() => serializeSafetensors(new Map([['w', { shape: [1.5], data: new Float32Array(1) }]]), 'out.safetensors'), /tensor "w" has bad shape \[1\.5\]/);
  // a JavaScript caller can pass any array; only F32 and I32 are written
  const f64 = { shape: [1], data: new Float64Array(1) as unknown as Float32Array };
  assert.throws(() => serializeSafetensors(new Map([['w', f64]]), 'out.safetensors'), /tensor "w" must be a Float32Array or an Int32Array/);
});

test('atomic write: replaces the target, and leaves no temporary file on success or failure', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, 'old contents');
    await writeSafetensors(path, new Map([['w', { shape: [2], data: Float32Array.of(1, 2) }]]));
    assert.deepEqual(await readdir(dir), ['model.safetensors']);
    assert.deepEqual([...(await readSafetensors(path)).tensors.get('w')!.data], [1, 2]);

    // a bad tensor fails before anything is written: the old file stays as it was
    await assert.rejects(writeSafetensors(path, new Map([['w', { shape: [3], data: Float32Array.of(1) }]])), /model\.safetensors: tensor "w"/);
    assert.deepEqual([...(await readSafetensors(path)).tensors.get('w')!.data], [1, 2]);

    // the rename fails when the target is a non-empty directory: the temporary file is removed
    const blocked = join(dir, 'blocked');
    await mkdir(blocked);
    await writeFile(join(blocked, 'keep'), '');
    await assert.rejects(writeSafetensors(blocked, new Map()), /blocked: write failed/);
    assert.deepEqual((await readdir(dir)).sort(), ['blocked', 'model.safetensors']);
    assert.equal((await readFile(join(blocked, 'keep'), 'utf8')), '');
  });
});
