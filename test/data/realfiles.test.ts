// Reader counts on the shared data sets against the tables in ../shared/data/SOURCES.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCluener } from '../../src/data/cluener.js';
import { readConll } from '../../src/data/conll.js';
import { readConllu } from '../../src/data/conllu.js';
import { packBatch } from '../../src/data/batch.js';
import { LabelSet, type Sentence } from '../../src/data/sentence.js';
import { tagsToSpans, validateTags } from '../../src/data/tagscheme.js';
import { dataPath as dataPathOf } from '../../src/data/paths.js';
import { WordPiece } from '../../src/data/wordpiece.js';
import { sharedFile } from './shared.js';

function counts(sentences: Sentence[]): [number, number] {
  return [sentences.length, sentences.reduce((n, s) => n + s.words.length, 0)];
}

const tagCount = (sentences: Sentence[]): number => LabelSet.fromSentences(sentences).size;

const columnFiles: [string, string, number, number][] = [
  ['conll2003', 'eng.train', 14041, 203621],
  ['conll2003', 'eng.testa', 3250, 51362],
  ['conll2003', 'eng.testb', 3453, 46435],
  ['ark-twitter-pos', 'oct27.train', 1000, 14619],
  ['ark-twitter-pos', 'oct27.dev', 327, 4823],
  ['ark-twitter-pos', 'oct27.test', 500, 7152],
  ['ark-twitter-pos', 'daily547.conll', 547, 7707],
  ['twitter2017-ner', 'train.txt', 3373, 53007],
  ['twitter2017-ner', 'valid.txt', 723, 11309],
  ['twitter2017-ner', 'test.txt', 723, 11330],
];

for (const [dir, file, sentences, tokens] of columnFiles) {
  test(`real data: ${dir}/${file} has ${sentences} sentences and ${tokens} tokens`, (t) => {
    const path = sharedFile(t, dir, file);
    if (path) assert.deepEqual(counts(readConll(path)), [sentences, tokens]);
  });
}

const conlluFiles: [string, string, number, number][] = [
  ['ud-english-ewt', 'en_ewt-ud-train.conllu', 12544, 204577],
  ['ud-english-ewt', 'en_ewt-ud-dev.conllu', 2001, 25147],
  ['ud-english-ewt', 'en_ewt-ud-test.conllu', 2077, 25094],
  ['ud-chinese-1.4', 'zh-ud-train.conllu', 3997, 98608],
  ['ud-chinese-1.4', 'zh-ud-dev.conllu', 500, 12663],
  ['ud-chinese-1.4', 'zh-ud-test.conllu', 500, 12012],
];

for (const [dir, file, sentences, words] of conlluFiles) {
  test(`real data: ${dir}/${file} has ${sentences} sentences and ${words} words`, (t) => {
    const path = sharedFile(t, dir, file);
    if (path) assert.deepEqual(counts(readConllu(path)), [sentences, words]);
  });
}

test('real data: tag inventories match SOURCES.md', (t) => {
  const paths = {
    conll: sharedFile(t, 'conll2003', 'eng.train'),
    ark: sharedFile(t, 'ark-twitter-pos', 'oct27.train'),
    twitter: sharedFile(t, 'twitter2017-ner', 'train.txt'),
    ewt: sharedFile(t, 'ud-english-ewt', 'en_ewt-ud-train.conllu'),
    zh: sharedFile(t, 'ud-chinese-1.4', 'zh-ud-train.conllu'),
  };
  if (Object.values(paths).some((p) => p === undefined)) return;
  assert.equal(tagCount(readConll(paths.conll!)), 9);
  assert.equal(tagCount(readConll(paths.twitter!)), 9);
  assert.equal(tagCount(readConll(paths.ark!)), 25);
  assert.equal(tagCount(readConllu(paths.ewt!)), 17);
  assert.equal(tagCount(readConllu(paths.ewt!, { tag: 'xpos' })), 49);
  assert.equal(tagCount(readConllu(paths.zh!)), 15);
  assert.equal(tagCount(readConllu(paths.zh!, { tag: 'xpos' })), 42);
  // conll2003 is IOB2 here: every entity starts with B-.
  for (const s of readConll(paths.conll!)) assert.ok(tagsToSpans(s.labels, 'bio').every((sp) => s.labels[sp.start]!.startsWith('B-')));
});

const cluenerFiles: [string, number, number, number][] = [
  // train.json lists 23,971 spans; the two nested inside a book title are dropped (BIO cannot nest).
  ['train.json', 10748, 401764, 23969],
  ['dev.json', 1343, 50260, 3072],
  ['test.json', 1345, 50972, 0],
];

for (const [file, records, chars, spans] of cluenerFiles) {
  test(`real data: cluener/${file} has ${records} records, ${chars} characters, ${spans} BIO spans`, (t) => {
    const path = sharedFile(t, 'cluener', file);
    if (!path) return;
    const sentences = readCluener(path);
    assert.deepEqual(counts(sentences), [records, chars]);
    assert.equal(sentences.reduce((n, s) => n + tagsToSpans(s.labels, 'bio').length, 0), spans);
    if (file === 'test.json') assert.ok(sentences.every((s) => s.labels.length === 0));
    else assert.equal(tagCount(sentences), 21);
  });
}

test('real data: every Twitter-2017 word keeps a first piece under bert-base-cased (U+200B, U+0092 words too)', (t) => {
  const data = sharedFile(t, 'twitter2017-ner', 'train.txt');
  const vocab = sharedFile(t, 'bert-vocab', 'google_cased_en_vocab.txt');
  if (!data || !vocab) return;
  const sentences = readConll(data);
  const labels = LabelSet.fromSentences(sentences);
  const batch = packBatch(sentences, WordPiece.fromFile(vocab, { lowercase: false }), labels, { maxPositions: 512 });
  assert.equal(batch.firstPiece.length, 53007);
  assert.equal(batch.source.length, 3373, 'no tweet needs a second window');
  assert.equal(batch.truncatedPieces, 0);
  assert.equal(batch.unknownLabels, 0);
});

test('real data: every shared file passes the strict tag check with the scheme auto detects', (t) => {
  const files: [string, string, () => Sentence[], string][] = [
    ['conll2003', 'eng.train', () => readConll(dataPathOf('conll2003', 'eng.train')), 'bio'],
    ['conll2003', 'eng.testb', () => readConll(dataPathOf('conll2003', 'eng.testb')), 'bio'],
    ['twitter2017-ner', 'train.txt', () => readConll(dataPathOf('twitter2017-ner', 'train.txt')), 'bio'],
    ['ark-twitter-pos', 'oct27.train', () => readConll(dataPathOf('ark-twitter-pos', 'oct27.train')), 'plain'],
    ['ud-english-ewt', 'en_ewt-ud-dev.conllu', () => readConllu(dataPathOf('ud-english-ewt', 'en_ewt-ud-dev.conllu')), 'plain'],
    ['cluener', 'dev.json', () => readCluener(dataPathOf('cluener', 'dev.json')), 'bio'],
  ];
  for (const [dir, file, read, scheme] of files) {
    if (!sharedFile(t, dir, file)) return;
    assert.equal(validateTags(read(), file, 'auto'), scheme, `${dir}/${file}`);
  }
  // UD English EWT has XPOS everywhere, UPOS too: no _ tags
  const ewt = sharedFile(t, 'ud-english-ewt', 'en_ewt-ud-train.conllu');
  if (ewt) assert.equal(readConllu(ewt, { tag: 'xpos' }).length, 12544);
});
