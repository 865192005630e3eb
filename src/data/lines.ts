// Line splitting shared by the text readers.

/** Lines of a text file: LF or CRLF endings, a leading byte-order mark dropped. */
export function splitLines(text: string): string[] {
  // Only \n and \r\n end lines: U+2028 and friends are ordinary characters in these files.
  return text.replace(/^\uFEFF/, '').split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}
