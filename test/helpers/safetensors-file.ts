// A safetensors file written by hand, for tests of the readers' error paths.

/** 8-byte LE header length, the JSON header, then `data`. */
export function buildSafetensors(header: unknown, data: Uint8Array | number[] = []): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
