// Raw prose → one sentence per line, for MLM pretraining text (docs/pretraining-text.md).
// Rule-based on purpose: the sources are edited prose (speeches, a novel, manuals, classical
// texts), where punctuation marks sentence ends well enough for packing lines into sequences.

// Terminal colour codes (fortune files) and invisible characters: matched on purpose.
/* eslint-disable no-control-regex */
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;
const INVISIBLE = /[\u0000-\u001f\u007f\u00ad\u200b-\u200f\u2028\u2029\ufeff]/g;
/* eslint-enable no-control-regex */

/** Text without ANSI colour codes ("\x1b[33m"). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_COLOUR, '');
}

/** NFC, ANSI colour codes and control characters removed, whitespace runs collapsed to one space. */
export function cleanText(text: string): string {
  return stripAnsi(text.normalize('NFC'))
    .replace(INVISIBLE, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

// A period after one of these does not end a sentence ("Mr. Lincoln", "U.S. Army").
const ABBREVIATIONS = new Set(
  ('Mr Mrs Ms Messrs Dr St Jr Sr Gen Col Maj Lt Capt Adm Cmdr Gov Sen Sens Rep Reps Hon Rev Prof Pres ' +
    'No Nos Vol Art Sec Ch Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Co Corp Inc Ltd Bros Mt Ft ' +
    'lb lbs oz vs etc viz cf al U.S U.S.A U.N D.C A.D B.C i.e e.g a.m p.m').split(' '),
);

/** English sentences of a paragraph: split after . ! ? (and closing quotes) before a capital letter. */
export function splitEnglishSentences(paragraph: string): string[] {
  const text = cleanText(paragraph);
  if (text === '') return [];
  const pieces = text.split(/(?<=[.!?]["'”’)\]]*) +(?=["'“‘([]*[A-Z])/);
  const sentences: string[] = [];
  for (const piece of pieces) {
    const previous = sentences[sentences.length - 1];
    if (previous !== undefined && endsWithAbbreviation(previous)) sentences[sentences.length - 1] = `${previous} ${piece}`;
    else sentences.push(piece);
  }
  return sentences;
}

function endsWithAbbreviation(sentence: string): boolean {
  const word = /(?:^|[^A-Za-z.])([A-Za-z][A-Za-z.]*)\.$/.exec(sentence)?.[1];
  if (word === undefined) return false;
  // A single capital is an initial ("John F. Kennedy").
  return ABBREVIATIONS.has(word) || /^[A-Z]$/.test(word);
}

/** Chinese sentences of a paragraph: split after 。！？ (with closing quotes/brackets that follow). */
export function splitChineseSentences(paragraph: string): string[] {
  const text = cleanText(paragraph);
  if (text === '') return [];
  return text
    .split(/(?<=[。！？!?][”’」』）)]*)(?![。！？!?”’」』）)])/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Running English, not a table of figures: at least 60% of the non-space characters are letters. */
export function isEnglishProse(sentence: string): boolean {
  const chars = sentence.replace(/\s/g, '').length;
  return chars > 0 && (sentence.match(/\p{L}/gu)?.length ?? 0) >= 0.6 * chars;
}

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu;

/** Share of a string's non-space characters that are CJK ideographs. */
export function cjkShare(text: string): number {
  const chars = [...text.replace(/\s/g, '')];
  if (chars.length === 0) return 0;
  return (text.match(CJK)?.length ?? 0) / chars.length;
}

/**
 * Lines of a hard-wrapped paragraph joined back into one: with a space between two
 * non-CJK characters (an English word wrapped), with none next to CJK text.
 */
export function joinWrappedLines(lines: readonly string[]): string {
  let joined = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (joined === '') joined = line;
    else {
      const left = joined[joined.length - 1]!;
      const right = line[0]!;
      const cjkSide = cjkShare(left) > 0 || cjkShare(right) > 0 || /[\u3000-\u303f\uff00-\uffef]/.test(left + right);
      joined += cjkSide ? line : ` ${line}`;
    }
  }
  return joined;
}

/** URLs (and a "(https://…)" gloss after a link text) removed from Chinese prose. */
export function dropUrls(text: string): string {
  return text.replace(/[(（]https?:\/\/[^)）]*[)）]/g, '').replace(/https?:\/\/ ?[^\s，。、；：）)」]*/g, '');
}

/** Lines in first-seen order, each once; empty lines dropped. */
export function dedupeLines(lines: Iterable<string>): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const line of lines) {
    if (line === '' || seen.has(line)) continue;
    seen.add(line);
    kept.push(line);
  }
  return kept;
}

/** Whitespace-separated words (English) — for counts only. */
export function countWords(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) n += line.split(' ').filter((w) => w !== '').length;
  return n;
}

/** Unicode code points — the unit of Chinese counts. */
export function countChars(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) n += [...line].length;
  return n;
}
