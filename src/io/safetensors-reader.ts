// Reading a safetensors file's float tensors a chunk at a time from a ByteSource (an open file in Node,
// bytes in memory in a browser), so that a loader writes each chunk straight into backend storage and
// never holds the whole file or a decoded copy of a tensor. No file system here: the Node file source
// is in safetensors.ts.
import { decodeFloats, dtypeBytes, headerLength, isFloatDtype, parseHeader, type SafetensorsHeader, type TensorEntry } from './safetensors-format.js';

/** Random-access bytes of one file. */
export interface ByteSource {
  readonly byteLength: number;
  /** Fills `into` with the bytes from `position` on; throws if the source ends first. */
  read(into: Uint8Array, position: number): void;
}

/** A ByteSource over bytes already in memory (fetched, or dropped on a page). */
export function bytesSource(bytes: Uint8Array, file: string): ByteSource {
  return {
    byteLength: bytes.length,
    read(into, position) {
      if (position + into.length > bytes.length) throw new Error(`${file}: ends at byte ${bytes.length}, expected at least ${position + into.length}`);
      into.set(bytes.subarray(position, position + into.length));
    },
  };
}

/** values per chunk: small enough to be no memory at all next to the weights, large enough that calls are few */
export const chunkValues = 1 << 16;

export class SafetensorsReader {
  readonly header: SafetensorsHeader;
  /** by name */
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  private raw: Uint8Array | null = null;
  private values: Float32Array | null = null;

  /** Reads and validates the header; `file` names the file in errors. */
  constructor(private readonly src: ByteSource, readonly file: string, private readonly chunk = chunkValues) {
    const first8 = new Uint8Array(8);
    if (src.byteLength >= 8) src.read(first8, 0);
    const json = new Uint8Array(headerLength(first8, src.byteLength, file));
    src.read(json, 8);
    this.header = parseHeader(json, src.byteLength, file);
    this.tensors = new Map(this.header.entries.map((e) => [e.name, e]));
  }

  get metadata(): Record<string, string> {
    return this.header.metadata;
  }

  /**
   * Calls visit(values, offset) for consecutive chunks of a float tensor's values, converted to f32.
   * `values` is a scratch array reused by the next chunk: copy what must outlive the call.
   */
  readFloats(e: TensorEntry, visit: (values: Float32Array, offset: number) => void): void {
    const { dtype } = e;
    if (!isFloatDtype(dtype)) throw new Error(`${this.file}: tensor '${e.name}' has integer dtype ${dtype}, expected a float`);
    const size = dtypeBytes[dtype];
    const count = (e.end - e.begin) / size;
    this.values ??= new Float32Array(this.chunk);
    // f32 is read straight into the values scratch; other dtypes into a raw scratch and converted
    const raw = dtype === 'F32' ? new Uint8Array(this.values.buffer) : this.rawScratch(this.chunk * size);
    for (let offset = 0; offset < count; offset += this.chunk) {
      const n = Math.min(this.chunk, count - offset);
      const bytes = raw.subarray(0, n * size);
      this.src.read(bytes, this.header.dataStart + e.begin + offset * size);
      const values = this.values.subarray(0, n);
      if (dtype !== 'F32') decodeFloats(dtype, bytes, values);
      visit(values, offset);
    }
  }

  private rawScratch(bytes: number): Uint8Array {
    if (!this.raw || this.raw.length < bytes) this.raw = new Uint8Array(bytes);
    return this.raw;
  }
}
