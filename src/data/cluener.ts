// CLUENER2020 JSON Lines: {"text": ..., "label": {type: {mention: [[start, end], ...]}}}
// with inclusive character offsets. Every character is a word; labels are BIO per character.
// Records without "label" (the unlabelled test.json) give unlabelled sentences (labels = []).
// Nested spans cannot be expressed in BIO: the outer span is kept and the ones inside it
// dropped (train.json has one such record, a book title containing two company names).
// Spans that cross without nesting are an error. Every record is checked against this schema: an
// object with a "text" string and, if present, a "label" object of {type: {mention: [[start, end]…]}}.
import type { Sentence } from './sentence.js';
import { readUtf8File, splitLines } from './lines.js';
import { spansToTags, type Span } from './tagscheme.js';

export function readCluener(path: string): Sentence[] {
  return parseCluener(readUtf8File(path), path);
}

export function parseCluener(text: string, fileName: string): Sentence[] {
  const sentences: Sentence[] = [];
  splitLines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${fileName}:${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: invalid JSON (${(e as Error).message}): ${line.slice(0, 80)}`, { cause: e });
    }
    const sentence = parseRecord(record, where);
    sentences.push({ ...sentence, lines: sentence.words.map(() => i + 1) });
  });
  return sentences;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseRecord(record: unknown, where: string): Sentence {
  if (!isObject(record)) throw new Error(`${where}: a record must be a JSON object, got ${JSON.stringify(record)?.slice(0, 60)}`);
  const { text, label } = record;
  if (typeof text !== 'string') throw new Error(`${where}: record has no "text" string`);
  // Offsets count code points (they come from Python), so split by code point, not UTF-16 unit.
  const chars = Array.from(text);
  if (label === undefined) return { words: chars, labels: [] };
  if (!isObject(label)) throw new Error(`${where}: "label" must be an object {type: {mention: [[start, end], ...]}}, got ${JSON.stringify(label).slice(0, 60)}`);
  const spans: Span[] = [];
  for (const [type, mentions] of Object.entries(label)) {
    if (type === '' || /\s/.test(type)) throw new Error(`${where}: entity type ${JSON.stringify(type)} is empty or has white space`);
    if (!isObject(mentions)) throw new Error(`${where}: "label"."${type}" must be an object {mention: [[start, end], ...]}, got ${JSON.stringify(mentions).slice(0, 60)}`);
    for (const [mention, offsets] of Object.entries(mentions)) {
      if (!Array.isArray(offsets) || offsets.length === 0) throw new Error(`${where}: offsets of ${type} ${JSON.stringify(mention)} are not a non-empty list`);
      for (const pair of offsets as unknown[]) {
        const [start, end] = Array.isArray(pair) && pair.length === 2 ? pair : [];
        if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || chars.slice(start, end + 1).join('') !== mention) {
          throw new Error(`${where}: ${type} span ${JSON.stringify(pair)} does not cover ${JSON.stringify(mention)}`);
        }
        spans.push({ type, start, end: end + 1 });
      }
    }
  }
  return { words: chars, labels: spansToTags(outermost(spans, where), chars.length, 'bio') };
}

/** Drops spans lying inside another (longer spans first, then earlier); rejects crossing spans. */
function outermost(spans: Span[], where: string): Span[] {
  const byLength = [...spans].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Span[] = [];
  for (const span of byLength) {
    const overlapping = kept.find((k) => k.start < span.end && span.start < k.end);
    if (!overlapping) kept.push(span);
    else if (span.start < overlapping.start || span.end > overlapping.end) {
      throw new Error(`${where}: spans ${overlapping.type} [${overlapping.start}, ${overlapping.end - 1}] and ${span.type} [${span.start}, ${span.end - 1}] cross`);
    }
  }
  return kept;
}
