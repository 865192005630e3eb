import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCluener } from '../../src/data/cluener.js';

const line = (record: unknown): string => JSON.stringify(record);

test('cluener: one word per character, BIO per character, inclusive ends', () => {
  const text = line({ text: '浙商银行叶老桂', label: { company: { 浙商银行: [[0, 3]] }, name: { 叶老桂: [[4, 6]] } } });
  assert.deepEqual(parseCluener(text, 'train.json'), [
    { words: ['浙', '商', '银', '行', '叶', '老', '桂'], labels: ['B-company', 'I-company', 'I-company', 'I-company', 'B-name', 'I-name', 'I-name'], lines: [1, 1, 1, 1, 1, 1, 1] },
  ]);
});

test('cluener: a mention listed at several offsets, adjacent spans of one type, single-character spans', () => {
  const text = line({ text: '桑普桑普vs甲', label: { organization: { 桑普: [[0, 1], [2, 3]], 甲: [[6, 6]] } } });
  assert.deepEqual(parseCluener(text, 'f')[0]!.labels, ['B-organization', 'I-organization', 'B-organization', 'I-organization', 'O', 'O', 'B-organization']);
});

test('cluener: nested spans keep the outer one (BIO cannot nest)', () => {
  const text = line({ text: '《招商银行》', label: { book: { '《招商银行》': [[0, 5]] }, company: { 招商银行: [[1, 4]] } } });
  assert.deepEqual(parseCluener(text, 'f')[0]!.labels, ['B-book', 'I-book', 'I-book', 'I-book', 'I-book', 'I-book']);
});

test('cluener: crossing spans are an error naming the line', () => {
  const text = `${line({ text: 'ab', label: {} })}\n${line({ text: 'abc', label: { x: { ab: [[0, 1]] }, y: { bc: [[1, 2]] } } })}`;
  assert.throws(() => parseCluener(text, 'f.json'), /f\.json:2: spans .* cross/);
});

test('cluener: records without labels (test.json) give unlabelled sentences', () => {
  const [s] = parseCluener(`${line({ id: 0, text: '四川' })}\n`, 'test.json');
  assert.deepEqual(s, { words: ['四', '川'], labels: [], lines: [1, 1] });
});

test('cluener: offsets count code points, not UTF-16 units', () => {
  const [s] = parseCluener(line({ text: '😀张三', label: { name: { 张三: [[1, 2]] } } }), 'f');
  assert.deepEqual(s!.labels, ['O', 'B-name', 'I-name']);
});

test('cluener: a span that does not cover its mention, or bad JSON, names file and line', () => {
  assert.throws(() => parseCluener(line({ text: '张三', label: { name: { 张三: [[0, 0]] } } }), 'f'), /f:1: name span \[0,0\] does not cover "张三"/);
  assert.throws(() => parseCluener('\n{"text": ', 'g.json'), /g\.json:2: invalid JSON/);
});

test('cluener: records are checked against the schema; each error names file and line', () => {
  const bad: [unknown, RegExp][] = [
    [[1, 2], /f\.json:1: a record must be a JSON object/],
    [{ text: '张三', label: [] }, /f\.json:1: "label" must be an object/],
    [{ text: '张三', label: { name: [[0, 1]] } }, /f\.json:1: "label"\."name" must be an object/],
    [{ text: '张三', label: { name: null } }, /f\.json:1: "label"\."name" must be an object/],
    [{ text: '张三', label: { name: { 张三: [] } } }, /f\.json:1: offsets of name "张三" are not a non-empty list/],
    [{ text: '张三', label: { name: { 张三: [[0, 1, 2]] } } }, /f\.json:1: name span \[0,1,2\] does not cover/],
    [{ text: '张三', label: { '': { 张三: [[0, 1]] } } }, /f\.json:1: entity type "" is empty/],
    [{ text: 3 }, /f\.json:1: record has no "text" string/],
  ];
  for (const [record, message] of bad) assert.throws(() => parseCluener(line(record), 'f.json'), message, JSON.stringify(record));
});
