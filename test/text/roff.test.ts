import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roffParagraphs, stripRoffEscapes } from '../../src/text/roff.js';

test('stripRoffEscapes: fonts, sizes, strings and comments removed; \\- and \\(bu resolved', () => {
  assert.equal(stripRoffEscapes('\\fB\\-\\-all\\fP 列出\\s-1所有\\s0\\*(Aq文件 \\(bu 完 \\" a comment'), '--all 列出所有文件 • 完 ');
  assert.equal(stripRoffEscapes('a\\ b\\&c\\e'), 'a bc\\');
});

test('roffParagraphs: text runs split at requests, font requests inline, .nf blocks and macros dropped', () => {
  const page = [
    '.\\" comment line',
    '.de XX',
    '宏定义里的文字',
    '..',
    '.TH LS 1',
    '.SH 描述',
    '列出',
    '.B FILE',
    '的信息（默认为当前目录）。',
    '.PP',
    'Second paragraph',
    'wraps here.',
    '.nf',
    '示例 代码',
    '.fi',
    '',
    '最后一段。',
  ].join('\n');
  assert.deepEqual(roffParagraphs(page), ['列出FILE的信息（默认为当前目录）。', 'Second paragraph wraps here.', '最后一段。']);
});
