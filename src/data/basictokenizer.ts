// BERT's basic tokenizer (Hugging Face BasicTokenizer): clean, split CJK characters off,
// NFC, split on whitespace, optionally lower-case and strip accents, split off punctuation.
// Its character classes differ from Unicode's on purpose, so they are copied exactly.

/** Tab, newline and carriage return count as whitespace, not control. */
function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || /\p{Zs}/u.test(c);
}

function isControl(c: string): boolean {
  if (c === '\t' || c === '\n' || c === '\r') return false;
  return /\p{C}/u.test(c);
}

/** All non-alphanumeric ASCII (e.g. $ ^ `) plus Unicode P* categories. */
function isPunctuation(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(c);
}

/** The CJK Unified Ideographs blocks BERT treats as one-character words (not kana or hangul). */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function clean(text: string): string {
  let out = '';
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(c)) continue;
    out += isWhitespace(c) ? ' ' : isCjk(cp) ? ` ${c} ` : c;
  }
  return out;
}

function stripAccents(token: string): string {
  return token.normalize('NFD').replace(/\p{Mn}/gu, '');
}

function splitOnPunctuation(token: string): string[] {
  const pieces: string[] = [];
  let word = '';
  for (const c of token) {
    if (isPunctuation(c)) {
      if (word) pieces.push(word);
      pieces.push(c);
      word = '';
    } else {
      word += c;
    }
  }
  if (word) pieces.push(word);
  return pieces;
}

export function basicTokenize(text: string, lowercase: boolean): string[] {
  // After cleaning, JS \s and Python's str.split() agree on what is left (e.g. U+2028 splits).
  const tokens = clean(text).normalize('NFC').split(/\s+/).filter((t) => t !== '');
  return tokens.flatMap((t) => splitOnPunctuation(lowercase ? stripAccents(t.toLowerCase()) : t));
}
