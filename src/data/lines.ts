// Text files as the readers see them: strict UTF-8 (a byte that is not UTF-8, or a zero byte, is an
// error naming the line, with a hint about the encoding, never silently dropped), a UTF-8
// byte-order mark accepted, LF or CRLF line endings.
import { readBytesSync } from '../platform/files.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** What the bytes probably are, for the error message. */
function encodingHint(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return 'the file starts with a UTF-16 byte-order mark: convert it, e.g. iconv -f UTF-16 -t UTF-8';
  }
  const sample = bytes.subarray(0, 4096);
  if (sample.length > 0 && sample.filter((b) => b === 0).length > sample.length / 8) {
    return 'the file has many zero bytes, as UTF-16 has: convert it, e.g. iconv -f UTF-16 -t UTF-8';
  }
  return 'the file is probably Latin-1 or Windows-1252: convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8';
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629), or -1. */
function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const extra = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (extra < 0) return i;
    for (let k = 1; k <= extra; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    const next = b[i + 1]!;
    // overlong forms, UTF-16 surrogates and code points above U+10FFFF
    if ((c === 0xe0 && next < 0xa0) || (c === 0xed && next > 0x9f) || (c === 0xf0 && next < 0x90) || (c === 0xf4 && next > 0x8f)) return i;
    i += extra + 1;
  }
  return -1;
}

/** Decodes UTF-8 (a leading BOM dropped); throws an Error naming file, line and bytes otherwise. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (err) {
    const at = Math.max(0, firstInvalidByte(bytes));
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const shown = [...bytes.subarray(at, at + 4)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    throw new Error(`${file}:${line}: bytes that are not UTF-8 (${shown} at byte ${at - lineStart + 1} of the line); ${encodingHint(bytes)}`, { cause: err });
  }
  // NUL is valid UTF-8 but never text: UTF-16 without a byte-order mark decodes this way
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new Error(`${file}:${text.slice(0, nul).split('\n').length}: a zero byte; ${encodingHint(bytes)}`);
  return text;
}

/** A text file's content, strictly UTF-8 (see decodeUtf8). */
export function readUtf8File(path: string): string {
  return decodeUtf8(readBytesSync(path), path);
}

/** Lines of a text file: LF or CRLF endings, a leading byte-order mark dropped. */
export function splitLines(text: string): string[] {
  // Only \n and \r\n end lines: U+2028 and friends are ordinary characters in these files.
  return text.replace(/^\uFEFF/, '').split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}
