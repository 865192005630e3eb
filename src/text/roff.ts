// The running text of a man page (roff source): text lines between requests, escapes removed.
// Not a roff renderer: headings, option names on request lines, macro definitions and
// no-fill blocks (examples) are dropped, which is what prose extraction wants.
import { joinWrappedLines } from './normalise.js';

const NAMED_CHARS: Record<string, string> = { bu: '•', aq: "'", dq: '"', lq: '“', rq: '”', em: '—', en: '–', hy: '-', co: '©' };

/** One roff text line with its escapes (fonts, sizes, motions, strings, comments) resolved or removed. */
export function stripRoffEscapes(line: string): string {
  return line
    .replace(/\\".*$/, '')
    .replace(/\\\((..)/g, (_, name: string) => NAMED_CHARS[name] ?? '')
    .replace(/\\f(\(..|\[[^\]]*\]|.)/g, '')
    .replace(/\\[*n](\(..|\[[^\]]*\]|.)/g, '')
    .replace(/\\s[-+]?(\(..|\d+)/g, '')
    .replace(/\\[hvwlLxNoDbXZ]'[^']*'/g, '')
    .replace(/\\k./g, '')
    .replace(/\\[-e\\]/g, (m) => (m === '\\-' ? '-' : '\\'))
    .replace(/\\[ ~0]/g, ' ')
    .replace(/\\./g, '');
}

const FONT_REQUESTS = new Set(['B', 'I', 'R', 'SM', 'SB', 'BR', 'RB', 'IR', 'RI', 'BI', 'IB']);

/** Paragraphs of a man page: runs of text lines (with font requests' words), split at every other request line. */
export function roffParagraphs(source: string): string[] {
  const paragraphs: string[] = [];
  let current: string[] = [];
  let skipping: 'nofill' | 'macro' | null = null;
  const flush = (): void => {
    if (current.length > 0) paragraphs.push(joinWrappedLines(current));
    current = [];
  };
  for (const line of source.split('\n')) {
    const request = /^[.'][ \t]*([A-Za-z]+|\.)?/.exec(line)?.[1];
    if (skipping === 'macro') {
      if (request === '.') skipping = null;
      continue;
    }
    if (request !== undefined && FONT_REQUESTS.has(request) && skipping === null) {
      // ".B word" sets its arguments in a font: they are part of the running text.
      const words = stripRoffEscapes(line.replace(/^[.'][ \t]*[A-Za-z]+/, '')).replace(/"/g, '').trim();
      if (words !== '') current.push(words);
      continue;
    }
    if (request !== undefined || /^[.']/.test(line)) {
      flush();
      if (request === 'nf' || request === 'EX') skipping = 'nofill';
      else if (request === 'fi' || request === 'EE') skipping = null;
      else if (request === 'de' || request === 'am') skipping = 'macro';
      continue;
    }
    if (skipping === 'nofill') continue;
    const text = stripRoffEscapes(line).trim();
    if (text === '') flush();
    else current.push(text);
  }
  flush();
  return paragraphs;
}
