// Every reader, fed random bytes and random mutations of real files (bytes inserted, deleted,
// replaced; lines duplicated, dropped), either parses (and its tags pass the check) or throws an
// Error whose message starts with "file:line: " — never another exception, never a hang (each input
// is small and the readers are linear: the test's timeout catches a loop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseCluener } from '../../src/data/cluener.js';
import { parseConll } from '../../src/data/conll.js';
import { parseConllu } from '../../src/data/conllu.js';
import { decodeUtf8 } from '../../src/data/lines.js';
import { dataPath } from '../../src/data/paths.js';
import type { Sentence } from '../../src/data/sentence.js';
import { validateTags } from '../../src/data/tagscheme.js';

const file = 'fuzz/input.txt';
type Reader = (text: string, name: string) => Sentence[];
const readers: Record<string, Reader> = {
  conll: (t, n) => parseConll(t, n),
  conllu: (t, n) => parseConllu(t, n),
  'conllu xpos, skip missing': (t, n) => parseConllu(t, n, { tag: 'xpos', missingTags: 'skip', skipped: { sentences: 0, words: 0 } }),
  cluener: (t, n) => parseCluener(t, n),
};

/** The head of a shared file (about 40 lines), or a built-in sample when the data is absent. */
function sample(fallback: string, ...parts: string[]): Uint8Array {
  const path = dataPath(...parts);
  const text = existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(0, 40).join('\n') : fallback;
  return new TextEncoder().encode(text);
}

const samples: Record<string, Uint8Array> = {
  conll: sample('EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n', 'conll2003', 'eng.testa'),
  conllu: sample('# c\n1\tI\tI\tPRON\tPRP\t_\t0\troot\t_\t_\n2-3\tdon\'t\t_\t_\t_\t_\t_\t_\t_\t_\n\n', 'ud-english-ewt', 'en_ewt-ud-dev.conllu'),
  cluener: sample('{"text": "浙商银行叶老桂", "label": {"company": {"浙商银行": [[0, 3]]}}}\n', 'cluener', 'dev.json'),
};
samples['conllu xpos, skip missing'] = samples.conllu!;

type Mutation = { at: number; kind: 'insert' | 'delete' | 'replace' | 'dupLine' | 'dropLine'; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('insert', 'delete', 'replace', 'dupLine', 'dropLine'),
  bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.constantFrom(...['\t', ' ', '\n', '_', '-', 'B-', 'I-', '"', '[', ']', '{', '}', ',', '\r\n', '\uFEFF', '\xff'].map((s) => new TextEncoder().encode(s)))),
});

function mutate(base: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  const b = Array.from(base);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'insert') b.splice(at, 0, ...m.bytes);
    else if (m.kind === 'delete') b.splice(at, m.bytes.length);
    else if (m.kind === 'replace') b.splice(at, m.bytes.length, ...m.bytes);
    else {
      const start = b.lastIndexOf(0x0a, at - 1) + 1;
      let end = b.indexOf(0x0a, at);
      end = end < 0 ? b.length : end + 1;
      const line = b.slice(start, end);
      b.splice(start, m.kind === 'dropLine' ? line.length : 0, ...(m.kind === 'dupLine' ? line : []));
    }
  }
  return Uint8Array.from(b);
}

function readOrExplain(read: Reader, bytes: Uint8Array): void {
  try {
    const sentences = read(decodeUtf8(bytes, file), file);
    validateTags(sentences.filter((s) => s.labels.length > 0), file, 'auto');
  } catch (err) {
    assert.ok(err instanceof Error && err.constructor === Error, `not a plain Error: ${String(err)}`);
    assert.match(err.message, /^fuzz\/input\.txt:\d+: \S/, 'the message must name file and line');
  }
}

for (const [name, read] of Object.entries(readers)) {
  test(`fuzz ${name}: random bytes parse or throw an Error naming file and line`, () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => readOrExplain(read, bytes)), { numRuns: 400, seed: 11 });
  });
  test(`fuzz ${name}: random mutations of a real file parse or throw an Error naming file and line`, () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => readOrExplain(read, mutate(samples[name]!, ms))), { numRuns: 400, seed: 12 });
  });
}
