// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {str: str} },
// then the raw little-endian tensor bytes, with offsets relative to the end of the header. As in the
// reference implementation, the tensors must tile the data region exactly: no overlap, no gap, no
// trailing bytes. Floats are read into Float32Array, integers into Int32Array; F32 and I32 are written.
// This module is the format alone (no file system: it is shared with the browser build); reading and
// writing files is safetensors.ts, reading tensors a chunk at a time is safetensors-reader.ts.

export type ReadDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I32' | 'I64';
export type FloatDtype = 'F32' | 'F64' | 'F16' | 'BF16';

export interface SafetensorsTensor {
  /** the dtype stored in the file; data is converted to 32 bits */
  dtype: ReadDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What can be written: dtype F32 or I32 follows the array type. */
export interface TensorToWrite {
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

export interface Safetensors {
  /** in the order of their data in the file */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** bytes per element */
export const dtypeBytes: Readonly<Record<ReadDtype, number>> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8 };
const BYTES = dtypeBytes;

export function isFloatDtype(dtype: ReadDtype): dtype is FloatDtype {
  return dtype !== 'I32' && dtype !== 'I64';
}

/** One tensor as the header describes it. */
export interface TensorEntry {
  name: string;
  dtype: ReadDtype;
  shape: number[];
  /** its bytes in the data region: [begin, end) */
  begin: number;
  end: number;
}

/** A validated header: the tensors tile the data region exactly. */
export interface SafetensorsHeader {
  /** in the order of their data in the file */
  entries: TensorEntry[];
  metadata: Record<string, string>;
  /** the data region's offset in the file */
  dataStart: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function parseEntry(file: string, name: string, info: unknown, dataBytes: number): TensorEntry {
  const where = `${file}: tensor "${name}"`;
  if (!isObject(info)) throw new Error(`${where}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string' || !(dtype in BYTES)) {
    throw new Error(`${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) throw new Error(`${where}: bad shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new Error(`${where}: bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataBytes) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] out of range of the ${dataBytes}-byte data region`);
  }
  const size = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES[dtype as ReadDtype];
  if (end - begin !== size) {
    throw new Error(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${size} bytes, data_offsets span ${end - begin}`);
  }
  return { name, dtype: dtype as ReadDtype, shape: shape as number[], begin, end };
}

/** Returns the entries in data order; throws unless they tile [0, dataBytes) exactly. */
function inDataOrder(file: string, entries: TensorEntry[], dataBytes: number): TensorEntry[] {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last = '';
  for (const e of sorted) {
    if (e.begin < covered) throw new Error(`${file}: tensors "${last}" and "${e.name}" overlap (bytes ${e.begin}..${covered})`);
    if (e.begin > covered) throw new Error(`${file}: bytes ${covered}..${e.begin} of the data region belong to no tensor`);
    covered = e.end;
    last = e.name;
  }
  if (covered !== dataBytes) throw new Error(`${file}: ${dataBytes - covered} trailing bytes after the last tensor`);
  return sorted;
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Converts out.length values of `dtype` from `raw` (little-endian bytes whose offset is a multiple of the
 * dtype's size) into out. Typed arrays use host byte order, and every Node platform is little-endian.
 */
export function decodeFloats(dtype: FloatDtype, raw: Uint8Array, out: Float32Array): void {
  const n = out.length;
  switch (dtype) {
    case 'F32':
      out.set(new Float32Array(raw.buffer, raw.byteOffset, n));
      return;
    case 'F64':
      out.set(new Float64Array(raw.buffer, raw.byteOffset, n));
      return;
    case 'F16': {
      const halves = new Uint16Array(raw.buffer, raw.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = f16ToF32(halves[i]!);
      return;
    }
    case 'BF16': {
      // bf16 is the top half of an f32
      const halves = new Uint16Array(raw.buffer, raw.byteOffset, n);
      const bits = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) bits[i] = halves[i]! << 16;
      return;
    }
  }
}

/** Decodes one tensor's bytes into an array of its own. */
function decode(file: string, e: TensorEntry, bytes: Uint8Array): Float32Array | Int32Array {
  // copy into a fresh ArrayBuffer: aligned for the typed array, and not a view of Node's Buffer pool
  const raw = new ArrayBuffer(e.end - e.begin);
  new Uint8Array(raw).set(bytes.subarray(e.begin, e.end));
  const count = (e.end - e.begin) / BYTES[e.dtype];
  switch (e.dtype) {
    case 'F32':
      return new Float32Array(raw);
    case 'F64':
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(count);
      decodeFloats(e.dtype, new Uint8Array(raw), out);
      return out;
    }
    case 'I32':
      return new Int32Array(raw);
    case 'I64': {
      const wide = new BigInt64Array(raw);
      const out = new Int32Array(wide.length);
      wide.forEach((v, i) => {
        if (v < -0x80000000n || v > 0x7fffffffn) throw new Error(`${file}: tensor "${e.name}" holds ${v}, outside the int32 range`);
        out[i] = Number(v);
      });
      return out;
    }
  }
}

/** The header's length from a file's first 8 bytes; throws unless the file has that many bytes after them. */
export function headerLength(first8: Uint8Array, fileBytes: number, file: string): number {
  if (fileBytes < 8) throw new Error(`${file}: ${fileBytes} bytes, too short for the 8-byte header length`);
  const headerBytes = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (headerBytes > BigInt(fileBytes - 8)) {
    throw new Error(`${file}: header length ${headerBytes} exceeds the ${fileBytes - 8} bytes after it`);
  }
  return Number(headerBytes);
}

/** Parses the JSON header (the `headerLength` bytes after the first 8) of a file of `fileBytes` bytes. */
export function parseHeader(json: Uint8Array, fileBytes: number, file: string): SafetensorsHeader {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    throw new Error(`${file}: header is not valid UTF-8 JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isObject(header)) throw new Error(`${file}: header is not a JSON object`);

  const dataStart = 8 + json.length;
  const dataBytes = fileBytes - dataStart;
  const { __metadata__: meta, ...infos } = header;
  if (meta !== undefined && !isObject(meta)) throw new Error(`${file}: __metadata__ is not an object`);
  // fromEntries defines own properties, so even a key "__proto__" stays data
  const metadata: Record<string, string> = Object.fromEntries(
    Object.entries(meta ?? {}).map(([k, v]) => {
      if (typeof v !== 'string') throw new Error(`${file}: __metadata__ value of "${k}" is not a string`);
      return [k, v];
    }),
  );
  const entries = Object.entries(infos).map(([name, info]) => parseEntry(file, name, info, dataBytes));
  // JSON objects reorder integer-like keys, so the data order is the only stable one
  return { entries: inDataOrder(file, entries, dataBytes), metadata, dataStart };
}

/** Parses a whole safetensors file held in memory; `file` names it in errors. */
export function parseSafetensors(buf: Uint8Array, file: string): Safetensors {
  const header = parseHeader(buf.subarray(8, 8 + headerLength(buf, buf.length, file)), buf.length, file);
  const data = buf.subarray(header.dataStart);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of header.entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(file, e, data) });
  return { tensors, metadata: header.metadata };
}

/** Serializes tensors in the given order, F32 or I32 after their array type; `file` names it in errors. */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite>,
  file: string,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: [string, unknown][] = [];
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`${file}: metadata value of "${k}" is not a string`);
    }
    header.push(['__metadata__', metadata]);
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error(`${file}: invalid tensor name ${JSON.stringify(name)}`);
    if (!t.shape.every(isCount)) throw new Error(`${file}: tensor "${name}" has bad shape [${t.shape.join(', ')}]`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`${file}: tensor "${name}" has shape [${t.shape.join(', ')}] (${count} values) but ${t.data.length} values`);
    }
    if (!(t.data instanceof Float32Array || t.data instanceof Int32Array)) {
      throw new Error(`${file}: tensor "${name}" must be a Float32Array or an Int32Array`);
    }
    const dtype = t.data instanceof Float32Array ? 'F32' : 'I32';
    header.push([name, { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }]);
    offset += t.data.byteLength;
  }
  // fromEntries, not assignment: a tensor named "__proto__" must stay a key
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  // pad with spaces so the data starts 8-byte aligned, as the reference writer does
  const headerBytes = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerBytes + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes), true);
  out.fill(0x20, 8, 8 + headerBytes);
  out.set(json, 8);
  let at = 8 + headerBytes;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
