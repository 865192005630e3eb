// Strict UTF-8: bytes that are not UTF-8 are an error naming the line and the likely encoding,
// never silently dropped; a UTF-8 byte-order mark is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConll } from '../../src/data/conll.js';
import { decodeUtf8 } from '../../src/data/lines.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

test('decodeUtf8: Latin-1 bytes are an error naming the line, the bytes and an iconv hint', () => {
  const latin1 = bytes('EU B-ORG\n\nGerm', [0xff, 0xfe], 'n B-MISC\n');
  assert.throws(() => decodeUtf8(latin1, 'eng.train'), /eng\.train:3: bytes that are not UTF-8 \(0xff 0xfe 0x6e 0x20 at byte 5 of the line\); the file is probably Latin-1 or Windows-1252: convert it, e\.g\. iconv/);
  // a truncated multi-byte sequence and an overlong form are caught too
  assert.throws(() => decodeUtf8(bytes('a\nb', [0xe4, 0xb8]), 'f'), /f:2: bytes that are not UTF-8 \(0xe4 0xb8/);
  assert.throws(() => decodeUtf8(bytes([0xc0, 0xaf]), 'f'), /f:1: .*0xc0 0xaf/);
});

test('decodeUtf8: UTF-16 gets its own hint; a UTF-8 BOM is accepted', () => {
  const utf16 = Uint8Array.from([0xff, 0xfe, ...[...'EU O\n'].flatMap((c) => [c.charCodeAt(0), 0])]);
  assert.throws(() => decodeUtf8(utf16, 'f'), /f:1: .*UTF-16 byte-order mark: convert it, e\.g\. iconv -f UTF-16 -t UTF-8/);
  const noBom = Uint8Array.from([...'EU O\nrejects O\n'].flatMap((c) => [c.charCodeAt(0), 0]));
  assert.throws(() => decodeUtf8(noBom, 'f'), /f:1: a zero byte; the file has many zero bytes, as UTF-16 has/);
  const dir = mkdtempSync(join(tmpdir(), 'offramp-lines-'));
  try {
    writeFileSync(join(dir, 'bom.txt'), bytes([0xef, 0xbb, 0xbf], 'Germän B-MISC\n'));
    assert.deepEqual(readConll(join(dir, 'bom.txt'))[0]!.words, ['Germän']);
    writeFileSync(join(dir, 'latin1.txt'), bytes('Germ', [0xe4], 'n B-MISC\n'));
    assert.throws(() => readConll(join(dir, 'latin1.txt')), /latin1\.txt:1: bytes that are not UTF-8 \(0xe4/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
