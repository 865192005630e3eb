// Loading weights a chunk at a time (SafetensorsReader → loadParams → the parameters' storage) against
// decoding the whole file (parseSafetensors): the same bits; and the errors on damaged files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { LabelSet, makeSyntheticTask, WordPiece } from '../../src/data/index.js';
import { EarlyExitModel, type LabelerConfig } from '../../src/earlyexit/model.js';
import { loadCheckpoint, loadParams, saveCheckpoint } from '../../src/io/checkpoint.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { bytesSource, parseSafetensors, SafetensorsReader, serializeSafetensors, withFileSource, withSafetensorsFile, type TensorToWrite } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/random.js';
import { buildSafetensors } from '../helpers/safetensors-file.js';

/** Every value of a float tensor as the reader delivers it, chunk by chunk, as bits (NaN payloads and -0 count). */
function readBits(reader: SafetensorsReader, name: string): Uint32Array {
  const e = reader.tensors.get(name)!;
  const parts: number[] = [];
  let next = 0;
  reader.readFloats(e, (values, offset) => {
    assert.equal(offset, next, 'chunks come in order, without gaps');
    next += values.length;
    parts.push(...new Uint32Array(values.buffer, values.byteOffset, values.length));
  });
  return Uint32Array.from(parts);
}

const bitsOf = (a: Float32Array | Int32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

test('property: chunked F32 reads give the bits parseSafetensors decodes, for any chunk size', () => {
  const bits = fc.integer({ min: 0, max: 2 ** 32 - 1 }); // every f32 bit pattern, NaN payloads included
  const tensorArb = fc.array(bits, { maxLength: 40 }).map((v): TensorToWrite => ({ shape: [v.length], data: new Float32Array(Uint32Array.from(v).buffer) }));
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), tensorArb), { selector: ([n]) => n, maxLength: 4 }), fc.integer({ min: 1, max: 9 }), (entries, chunk) => {
      const bytes = serializeSafetensors(new Map(entries), 'mem.safetensors');
      const whole = parseSafetensors(bytes, 'mem.safetensors');
      const reader = new SafetensorsReader(bytesSource(bytes, 'mem.safetensors'), 'mem.safetensors', chunk);
      for (const [name] of entries) assert.deepEqual(readBits(reader, name), bitsOf(whole.tensors.get(name)!.data), name);
    }),
    { numRuns: 60 },
  );
});

test('chunked reads convert F16, BF16 and F64 exactly as parseSafetensors does', () => {
  const rng = new Rng(5);
  const n = 23;
  const u16 = Uint16Array.from({ length: n }, () => Math.floor(rng.uniform() * 65536));
  const f64 = Float64Array.from({ length: n }, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 80 - 40));
  f64[0] = NaN;
  f64[1] = 1e300; // overflows f32: Infinity
  const data = new Uint8Array(2 * n * 2 + n * 8);
  data.set(new Uint8Array(f64.buffer), 0);
  data.set(new Uint8Array(u16.buffer), n * 8);
  data.set(new Uint8Array(u16.buffer), n * 8 + n * 2);
  const bytes = buildSafetensors({
    d: { dtype: 'F64', shape: [n], data_offsets: [0, n * 8] },
    h: { dtype: 'F16', shape: [n], data_offsets: [n * 8, n * 10] },
    b: { dtype: 'BF16', shape: [n], data_offsets: [n * 10, n * 12] },
  }, data);
  const whole = parseSafetensors(bytes, 'mixed.safetensors');
  for (const chunk of [1, 4, 23, 100]) {
    const reader = new SafetensorsReader(bytesSource(bytes, 'mixed.safetensors'), 'mixed.safetensors', chunk);
    for (const name of ['h', 'b', 'd']) assert.deepEqual(readBits(reader, name), bitsOf(whole.tensors.get(name)!.data), `${name}, chunk ${chunk}`);
  }
});

const task = makeSyntheticTask(3, { train: 0, dev: 4, test: 0 });
const labels = new LabelSet(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG']);
const tokenizer = new WordPiece(task.vocab, { lowercase: true });
const cfg: LabelerConfig = {
  bert: { vocabSize: tokenizer.size, hidden: 8, layers: 2, heads: 2, ffn: 16, maxPositions: 40, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 },
  numLabels: labels.size,
  offRampDropout: 0.2,
};

test('a model built for loading draws nothing: every parameter is allocated zero until the load fills it', async () => {
  const model = new EarlyExitModel(cfg, null);
  try {
    for (const [name, t] of model.store.params) assert.ok((await t.data()).every((v) => v === 0), name);
  } finally {
    model.dispose();
  }
});

test('loading in 7-value chunks, and loadCheckpoint from the file, give every parameter the bits of the old path (decode the file, ParamStore.set)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'offramp-load-'));
  const saved = new EarlyExitModel(cfg, 3);
  const chunked = new EarlyExitModel(cfg, null);
  const old = new EarlyExitModel(cfg, 4);
  try {
    await saveCheckpoint(dir, saved, tokenizer, labels);
    const path = join(resolveCheckpoint(dir), 'model.safetensors');
    const bytes = readFileSync(path);
    for (const [name, t] of parseSafetensors(bytes, path).tensors) old.store.set(name, t.data as Float32Array, t.shape);
    assert.deepEqual(loadParams(chunked.store, new SafetensorsReader(bytesSource(bytes, path), path, 7)), []);
    const fromFile = await loadCheckpoint(dir);
    try {
      for (const [name, t] of saved.store.params) {
        const want = bitsOf((await t.data()) as Float32Array);
        for (const [how, m] of [['chunks', chunked], ['old path', old], ['loadCheckpoint', fromFile.model]] as const) {
          assert.deepEqual(bitsOf((await m.store.get(name).data()) as Float32Array), want, `${name}: ${how}`);
        }
      }
    } finally {
      fromFile.model.dispose();
    }
  } finally {
    for (const m of [saved, chunked, old]) m.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-finite values are counted over chunks: the same message as for the whole tensor', async () => {
  const rng = new Rng(9);
  const w = Float32Array.from({ length: 40 }, () => rng.normal());
  [w[13], w[14], w[39]] = [NaN, -Infinity, NaN];
  const model = new EarlyExitModel(cfg, null);
  try {
    const name = 'bert.encoder.layer.0.intermediate.dense.weight';
    const size = cfg.bert.ffn * cfg.bert.hidden;
    const data = new Float32Array(size);
    data.set(w);
    const tensors = new Map([...model.store.params].map(([n, t]): [string, TensorToWrite] => [n, { shape: [...t.shape], data: n === name ? data : new Float32Array(t.shape.reduce((a, b) => a * b, 1)) }]));
    const bytes = serializeSafetensors(tensors, 'nan.safetensors');
    const reader = () => new SafetensorsReader(bytesSource(bytes, 'nan.safetensors'), 'nan.safetensors', 5);
    const message = `nan.safetensors: tensor '${name}' has 3 non-finite value(s) of ${size} (first: NaN at index 13)`;
    assert.throws(() => loadParams(model.store, reader()), (err: Error) => err.message.startsWith(`${message};`));
    const warnings: string[] = [];
    loadParams(model.store, reader(), 'warn', warnings);
    assert.deepEqual(warnings, [message]);
  } finally {
    model.dispose();
  }
});

test('a truncated model.safetensors is an error naming the file, whether cut before or while it is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'offramp-trunc-'));
  const model = new EarlyExitModel(cfg, 3);
  try {
    await saveCheckpoint(dir, model, tokenizer, labels);
    const path = join(resolveCheckpoint(dir), 'model.safetensors');
    const full = withFileSource(path, (src) => src.byteLength);
    truncateSync(path, full - 10);
    await assert.rejects(loadCheckpoint(dir), (err: Error) => err.message.startsWith(`${path}: tensor "`) && /out of range of the \d+-byte data region/.test(err.message));
    truncateSync(path, 5);
    await assert.rejects(loadCheckpoint(dir), new RegExp(`^Error: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 5 bytes, too short for the 8-byte header length`));
    // cut after the header was read: the read itself fails, naming the file and the byte
    await saveCheckpoint(dir, model, tokenizer, labels);
    const again = join(resolveCheckpoint(dir), 'model.safetensors');
    const target = new EarlyExitModel(cfg, null);
    try {
      assert.throws(
        () => withSafetensorsFile(again, (reader) => {
          truncateSync(again, reader.header.dataStart + 4);
          loadParams(target.store, reader);
        }),
        (err: Error) => err.message.startsWith(`${again}: ends at byte `) && err.message.includes('was it changed while being read?'),
      );
    } finally {
      target.dispose();
    }
    writeFileSync(again, new Uint8Array(0));
    await assert.rejects(loadCheckpoint(dir), /model\.safetensors: 0 bytes, too short/);
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
