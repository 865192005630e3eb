import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextDependentWords, labelSynthetic, makeSyntheticTask, syntheticLabels } from '../../src/data/synthetic.js';
import { tagsToSpans, spansToTags } from '../../src/data/tagscheme.js';
import { WordPiece } from '../../src/data/wordpiece.js';

const sizes = { train: 300, dev: 50, test: 50 };

test('synthetic: the same seed gives the same task, another seed a different one', () => {
  assert.deepEqual(makeSyntheticTask(1, sizes), makeSyntheticTask(1, sizes));
  assert.notDeepEqual(makeSyntheticTask(1, sizes).train, makeSyntheticTask(2, sizes).train);
});

test('synthetic: labels are well-formed BIO from the task label set, one per word', () => {
  const { train, dev, test: testSplit } = makeSyntheticTask(3, sizes);
  assert.equal(train.length, 300);
  for (const s of [...train, ...dev, ...testSplit]) {
    assert.equal(s.labels.length, s.words.length);
    assert.ok(s.labels.every((l) => syntheticLabels.includes(l)));
    assert.deepEqual(spansToTags(tagsToSpans(s.labels, 'bio'), s.labels.length, 'bio'), s.labels);
  }
});

test('synthetic: every word is one whole piece of the task vocabulary', () => {
  const task = makeSyntheticTask(4, sizes);
  const tok = new WordPiece(task.vocab, { lowercase: false });
  for (const word of task.train.flatMap((s) => s.words)) assert.equal(tok.tokenize(word).length, 1, word);
});

test('synthetic: context decides hard words, identity decides easy ones', () => {
  assert.deepEqual(labelSynthetic(['in', 'jordan']), ['O', 'B-LOC']);
  assert.deepEqual(labelSynthetic(['joined', 'jordan', 'united']), ['O', 'B-ORG', 'I-ORG']);
  assert.deepEqual(labelSynthetic(['met', 'young', 'jordan', 'smith']), ['O', 'O', 'B-PER', 'I-PER']);
  assert.deepEqual(labelSynthetic(['in', 'the', 'jordan', 'united']), ['O', 'O', 'O', 'O']);
  assert.deepEqual(labelSynthetic(['smith', 'said', 'paris', 'united']), ['B-PER', 'O', 'B-LOC', 'I-LOC']);

  const words = new Map<string, Set<string>>();
  for (const s of makeSyntheticTask(5, sizes).train) {
    s.words.forEach((w, i) => (words.get(w) ?? words.set(w, new Set()).get(w)!).add(s.labels[i]!));
  }
  for (const [word, labels] of words) {
    if (contextDependentWords.has(word)) assert.ok(labels.size >= 2, `${word} should take several labels, got ${[...labels]}`);
    else assert.equal(labels.size, 1, `${word} should have one label, got ${[...labels]}`);
  }
  const hard = [...words.keys()].filter((w) => contextDependentWords.has(w)).length;
  assert.ok(hard > 0 && hard < words.size / 2, 'a minority of word types is hard');
});
