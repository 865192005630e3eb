import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { basicTokenize } from '../../src/data/basictokenizer.js';
import { WordPiece } from '../../src/data/wordpiece.js';
import { sharedFile } from './shared.js';

const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

function bertVocab(t: TestContext, name: string, lowercase: boolean): WordPiece | undefined {
  const path = sharedFile(t, 'bert-vocab', name);
  return path === undefined ? undefined : WordPiece.fromFile(path, { lowercase });
}

test('basic tokenizer: BERT punctuation = ASCII symbols + Unicode P*, not currency signs', () => {
  assert.deepEqual(basicTokenize('a$b^c`d~e', false), ['a', '$', 'b', '^', 'c', '`', 'd', '~', 'e']);
  assert.deepEqual(basicTokenize('¿qué?', false), ['¿', 'qué', '?']);
  assert.deepEqual(basicTokenize('5€', false), ['5€']);
});

test('basic tokenizer: control and zero-width characters vanish, Unicode spaces split', () => {
  assert.deepEqual(basicTokenize('a\u200bb\u0092c', false), ['abc']);
  assert.deepEqual(basicTokenize('a\u00a0b\u3000c\td', false), ['a', 'b', 'c', 'd']);
  assert.deepEqual(basicTokenize('\u200b', false), []);
});

test('basic tokenizer: CJK ideographs become single tokens, kana does not', () => {
  assert.deepEqual(basicTokenize('我爱ab北京', false), ['我', '爱', 'ab', '北', '京']);
  assert.deepEqual(basicTokenize('ひらがな', false), ['ひらがな']);
});

test('basic tokenizer: lower-casing strips accents; cased keeps them (NFC)', () => {
  assert.deepEqual(basicTokenize('Héllo CAFÉ', true), ['hello', 'cafe']);
  assert.deepEqual(basicTokenize('He\u0301llo', false), ['Héllo']);
});

test('wordpiece on a toy vocabulary: greedy longest match with ## continuations', () => {
  const tok = new WordPiece([...specials, 'un', 'una', '##aff', '##able', '##a', 'runn', 'run', '##ing'], { lowercase: true });
  // Greedy does not backtrack: "una" leaves "##ffable", which matches nothing, so the word is [UNK].
  assert.deepEqual(tok.tokenize('unaffable running'), ['[UNK]', 'runn', '##ing']);
  const tok2 = new WordPiece([...specials, 'un', '##aff', '##able', 'run', '##ning'], { lowercase: true });
  assert.deepEqual(tok2.tokenize('UNAFFABLE running'), ['un', '##aff', '##able', 'run', '##ning']);
  assert.deepEqual(tok2.tokenizeWord('unaffable'), [5, 6, 7]);
});

test('wordpiece: a vocabulary without a special token is rejected by name', () => {
  assert.throws(() => new WordPiece(['[PAD]', '[UNK]', '[CLS]', '[SEP]'], { lowercase: false }, 'my/vocab.txt'), /my\/vocab\.txt has no \[MASK\] token/);
});

test('bert-base-uncased: hand-checked pieces and ids', (t) => {
  const tok = bertVocab(t, 'google_uncased_en_vocab.txt', true);
  if (!tok) return;
  assert.equal(tok.size, 30522);
  assert.deepEqual([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId], [0, 100, 101, 102, 103]);
  assert.deepEqual(tok.tokenize('Hello world'), ['hello', 'world']);
  assert.deepEqual([...tok.tokenizeWord('hello'), ...tok.tokenizeWord('world')], [7592, 2088]);
  // BERT's docstring example "un ##aff ##able" is for a toy vocabulary; the real one splits differently.
  assert.deepEqual(tok.tokenize('unaffable'), ['una', '##ffa', '##ble']);
  assert.deepEqual(tok.tokenize('Héllo'), ['hello']);
  assert.deepEqual(tok.tokenize("don't"), ['don', "'", 't']);
  assert.deepEqual(tok.tokenize('a😀'), ['[UNK]']);
});

test('bert-base-cased: accents and case kept, over-long words become [UNK]', (t) => {
  const tok = bertVocab(t, 'google_cased_en_vocab.txt', false);
  if (!tok) return;
  assert.equal(tok.size, 28996);
  assert.deepEqual([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId], [0, 100, 101, 102, 103]);
  assert.deepEqual(tok.tokenize('Hello, world!'), ['Hello', ',', 'world', '!']);
  assert.deepEqual(tok.tokenize('Héllo'), ['H', '##é', '##llo']);
  assert.deepEqual(tok.tokenize('a'.repeat(101)), ['[UNK]']);
  assert.notDeepEqual(tok.tokenize('a'.repeat(100)), ['[UNK]']);
  assert.deepEqual(tok.tokenizeWord('\u200b'), [tok.unkId], 'a word erased by cleaning keeps one piece');
});

test('bert-base-chinese: CJK split per character; the U+2028 vocabulary line does not shift ids', (t) => {
  const tok = bertVocab(t, 'google_zh_vocab.txt', true);
  if (!tok) return;
  assert.equal(tok.size, 21128);
  assert.deepEqual(tok.tokenize('中国人'), ['中', '国', '人']);
  assert.deepEqual(['中', '国', '人'].map((c) => tok.idOf(c)), [704, 1744, 782]);
  assert.equal(tok.idOf('\u2028'), 343);
});
