// conlleval.pl's text formats: its input (one token per line, "word ... gold pred", blank line or
// "-X-" between sentences) and its report, byte for byte.
import { spanF1 } from './spans.js';

export interface TaggedCorpus {
  /** first column of each line */
  words: string[][];
  gold: string[][];
  pred: string[][];
}

/** Parses conlleval input; `name` (a file name) appears in errors. Columns split on any whitespace. */
export function parseConllevalInput(text: string, name: string): TaggedCorpus {
  const corpus: TaggedCorpus = { words: [], gold: [], pred: [] };
  let columns = -1;
  let open = false;
  text.split('\n').forEach((line, index) => {
    const fields = line.trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0 || fields[0] === '-X-') {
      open = false;
      return;
    }
    if (fields.length < 2) {
      throw new Error(`${name}:${index + 1}: expected at least 2 columns (gold pred), got "${line}"`);
    }
    if (columns < 0) columns = fields.length;
    if (fields.length !== columns) {
      throw new Error(`${name}:${index + 1}: expected ${columns} columns as on the first line, got ${fields.length}`);
    }
    if (!open) {
      corpus.words.push([]);
      corpus.gold.push([]);
      corpus.pred.push([]);
      open = true;
    }
    corpus.words.at(-1)!.push(fields[0]!);
    corpus.gold.at(-1)!.push(fields[fields.length - 2]!);
    corpus.pred.at(-1)!.push(fields[fields.length - 1]!);
  });
  return corpus;
}

/** Perl's printf("%6.2f"): glibc rounds an exact decimal tie to even, JS toFixed rounds it up. */
function percent(x: number): string {
  const eighths = x * 8;
  // ties at the third decimal are exactly the odd multiples of 1/8 (x·200 odd ⇒ 25 | x·200)
  const tie = Number.isInteger(eighths) && eighths % 2 !== 0;
  const hundredths = x * 100;
  const rounded = tie ? (Math.floor(hundredths) % 2 === 0 ? Math.floor(hundredths) : Math.ceil(hundredths)) / 100 : x;
  return rounded.toFixed(2).padStart(6);
}

/** Precision, recall and FB1 in percent, with conlleval's own operation order so that doubles match. */
function percentages(correct: number, pred: number, gold: number): [number, number, number] {
  const precision = pred > 0 ? (100 * correct) / pred : 0;
  const recall = gold > 0 ? (100 * correct) / gold : 0;
  const fb1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return [precision, recall, fb1];
}

/** The report conlleval.pl prints for these tag sequences (default options). */
export function conllevalReport(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): string {
  const r = spanF1(gold, pred);
  let out = `processed ${r.tokens} tokens with ${r.gold} phrases; found: ${r.pred} phrases; correct: ${r.correct}.\n`;
  if (r.tokens === 0) return out;
  const [p, rec, f] = percentages(r.correct, r.pred, r.gold);
  out += `accuracy: ${percent((100 * r.correctTags) / r.tokens)}%; `;
  out += `precision: ${percent(p)}%; recall: ${percent(rec)}%; FB1: ${percent(f)}\n`;
  for (const [type, s] of Object.entries(r.perType)) {
    const [tp, tr, tf] = percentages(s.correct, s.pred, s.gold);
    out += `${type.padStart(17)}: precision: ${percent(tp)}%; recall: ${percent(tr)}%; FB1: ${percent(tf)}  ${s.pred}\n`;
  }
  return out;
}
