// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {str: str} },
// then the raw little-endian tensor bytes, with offsets relative to the end of the header. As in the
// reference implementation, the tensors must tile the data region exactly: no overlap, no gap, no
// trailing bytes. Floats are read into Float32Array, integers into Int32Array; F32 and I32 are written.
// This module is the format alone (no file system: it is shared with the browser build); reading and
// writing files is safetensors.ts.

export type ReadDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I32' | 'I64';

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

const BYTES: Record<ReadDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8 };

interface Entry {
  name: string;
  dtype: ReadDtype;
  shape: number[];
  begin: number;
  end: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function parseEntry(file: string, name: string, info: unknown, dataBytes: number): Entry {
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
function inDataOrder(file: string, entries: Entry[], dataBytes: number): Entry[] {
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

/** Decodes one tensor's bytes. Typed arrays use host byte order, and every Node platform is little-endian. */
function decode(file: string, e: Entry, bytes: Uint8Array): Float32Array | Int32Array {
  // copy into a fresh ArrayBuffer: aligned for the typed array, and not a view of Node's Buffer pool
  const raw = new ArrayBuffer(e.end - e.begin);
  new Uint8Array(raw).set(bytes.subarray(e.begin, e.end));
  switch (e.dtype) {
    case 'F32':
      return new Float32Array(raw);
    case 'F64':
      return Float32Array.from(new Float64Array(raw));
    case 'F16':
      return Float32Array.from(new Uint16Array(raw), f16ToF32);
    case 'BF16': {
      // bf16 is the top half of an f32
      const halves = new Uint16Array(raw);
      const bits = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
      return new Float32Array(bits.buffer);
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

/** Parses a whole safetensors file held in memory; `file` names it in errors. */
export function parseSafetensors(buf: Uint8Array, file: string): Safetensors {
  if (buf.length < 8) throw new Error(`${file}: ${buf.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerBytes = view.getBigUint64(0, true);
  if (headerBytes > BigInt(buf.length - 8)) {
    throw new Error(`${file}: header length ${headerBytes} exceeds the ${buf.length - 8} bytes after it`);
  }
  const headerEnd = 8 + Number(headerBytes);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, headerEnd)));
  } catch (err) {
    throw new Error(`${file}: header is not valid UTF-8 JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isObject(header)) throw new Error(`${file}: header is not a JSON object`);

  const data = buf.subarray(headerEnd);
  const { __metadata__: meta, ...infos } = header;
  if (meta !== undefined && !isObject(meta)) throw new Error(`${file}: __metadata__ is not an object`);
  // fromEntries defines own properties, so even a key "__proto__" stays data
  const metadata: Record<string, string> = Object.fromEntries(
    Object.entries(meta ?? {}).map(([k, v]) => {
      if (typeof v !== 'string') throw new Error(`${file}: __metadata__ value of "${k}" is not a string`);
      return [k, v];
    }),
  );
  const entries = Object.entries(infos).map(([name, info]) => parseEntry(file, name, info, data.length));
  // JSON objects reorder integer-like keys, so the data order is the only stable one
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of inDataOrder(file, entries, data.length)) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(file, e, data) });
  return { tensors, metadata };
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
