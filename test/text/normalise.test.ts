import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cjkShare,
  cleanText,
  countChars,
  countWords,
  dedupeLines,
  dropUrls,
  isEnglishProse,
  joinWrappedLines,
  splitChineseSentences,
  splitEnglishSentences,
  stripAnsi,
} from '../../src/text/normalise.js';

test('cleanText: NFC, colour codes and control characters gone, whitespace collapsed', () => {
  assert.equal(cleanText('  Cafe\u0301\tin\u00a0\x1b[33mParis\x1b[m\r\n\u200bnow  '), 'Café in Paris now');
  assert.equal(stripAnsi('\x1b[37;1m3. 关于\x1b[;m'), '3. 关于');
});

test('splitEnglishSentences: ends at . ! ? before a capital, not after titles or initials', () => {
  const paragraph = 'Mr. Lincoln met Gen. Grant in Washington, D.C. on Monday.  "Is it over?" he asked. ' +
    'John F. Kennedy spoke next! The U.S. Army paid $9,126,439. 08 cents remained. it went on.';
  assert.deepEqual(splitEnglishSentences(paragraph), [
    'Mr. Lincoln met Gen. Grant in Washington, D.C. on Monday.',
    '"Is it over?" he asked.',
    'John F. Kennedy spoke next!',
    'The U.S. Army paid $9,126,439. 08 cents remained. it went on.',
  ]);
  assert.deepEqual(splitEnglishSentences(' \n '), []);
});

test('splitEnglishSentences: the sentences hold exactly the words of the paragraph', () => {
  const word = fc.stringMatching(/^[A-Za-z][a-z]{0,6}[.!?,]?$/);
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), (words) => {
      const paragraph = words.join(' ');
      assert.equal(splitEnglishSentences(paragraph).join(' '), paragraph);
    }),
  );
});

test('splitChineseSentences: splits after 。！？ and keeps the closing quote with its sentence', () => {
  assert.deepEqual(splitChineseSentences('子曰：“学而时习之，不亦说乎？”有朋自远方来。不亦乐乎！！人不知'), [
    '子曰：“学而时习之，不亦说乎？”',
    '有朋自远方来。',
    '不亦乐乎！！',
    '人不知',
  ]);
});

test('joinWrappedLines: no space next to Chinese, one space inside a wrapped English phrase', () => {
  assert.equal(joinWrappedLines(['    目前，Debian 只有 Linux 版本，但随着 Debian GNU/Hurd', '    以及使用', '  BSD', 'kernel 的诞生', '']), '目前，Debian 只有 Linux 版本，但随着 Debian GNU/Hurd以及使用BSD kernel 的诞生');
});

test('dropUrls: link glosses and bare URLs go, the text around stays', () => {
  assert.equal(dropUrls('参见 Linux Online (https:// www.linux.org/) 的页面 https://www.gnu.org/software/hurd 以获得信息。'), '参见 Linux Online  的页面  以获得信息。');
});

test('cjkShare and isEnglishProse tell prose from tables of figures', () => {
  assert.equal(cjkShare('ab中文'), 0.5);
  assert.equal(cjkShare('   '), 0);
  assert.equal(isEnglishProse('The balance in the Treasury was $9,126,439.'), true);
  assert.equal(isEnglishProse('Executive - 998,170.00 - 472,270.00 - + 275,900.00'), false);
});

test('dedupeLines keeps the first of each line in order and drops empty lines; counts', () => {
  const lines = dedupeLines(['a b', '', 'c', 'a b', '中文', 'c']);
  assert.deepEqual(lines, ['a b', 'c', '中文']);
  assert.equal(countWords(lines), 4);
  assert.equal(countChars(['𠀀中', 'ab']), 4);
});
