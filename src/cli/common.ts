// Shared pieces of the `offramp` commands: argument parsing with clear errors, data files, exit
// policies from flags, a progress bar, colours and number formatting.
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { init } from '../tensor/engine.js';
import { readCluener } from '../data/cluener.js';
import { readConll } from '../data/conll.js';
import { readConllu } from '../data/conllu.js';
import { readUtf8File } from '../data/lines.js';
import type { Sentence } from '../data/sentence.js';
import { validateTags, type FileScheme, type SchemeChoice } from '../data/tagscheme.js';
import type { ExitPolicy } from '../earlyexit/policy.js';
import type { CopyMode } from '../earlyexit/runner.js';
import type { EvalResult, Metric } from '../earlyexit/evaluate.js';

/** A mistake in how the command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(argv: string[]): Promise<void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** parseArgs, strict, with `--help`; returns null when help was printed. */
export function parse(cmd: Command, argv: string[], options: Options, positionals = false): { values: Values; positionals: string[] } | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: positionals });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.values.help) {
    process.stdout.write(cmd.help.endsWith('\n') ? cmd.help : `${cmd.help}\n`);
    return null;
  }
  return { values: parsed.values as Values, positionals: parsed.positionals };
}

/** Choose the backend (env OFFRAMP_BACKEND, default cpu) and print it on stderr; call after the flags are checked. */
export async function startBackend(quiet = false): Promise<void> {
  await init({ log: !quiet });
}

export function str(v: Values, key: string): string | undefined {
  const x = v[key];
  return typeof x === 'string' ? x : undefined;
}

export function required(v: Values, key: string): string {
  const x = str(v, key);
  if (x === undefined || x === '') throw new UsageError(`--${key} is required`);
  return x;
}

export function oneOf<T extends string>(v: Values, key: string, choices: readonly T[], fallback: T): T {
  const x = str(v, key) ?? fallback;
  if (!(choices as readonly string[]).includes(x)) throw new UsageError(`--${key} must be one of ${choices.join(', ')}, got '${x}'`);
  return x as T;
}

export interface NumOpts {
  min?: number;
  max?: number;
  int?: boolean;
  /** the bound min is exclusive */
  above?: boolean;
}

export function num(v: Values, key: string, fallback: number, o?: NumOpts): number;
export function num(v: Values, key: string, fallback: undefined, o?: NumOpts): number | undefined;
export function num(v: Values, key: string, fallback: number | undefined, o: NumOpts = {}): number | undefined {
  const raw = str(v, key);
  if (raw === undefined) return fallback;
  const x = Number(raw);
  const bad = (why: string): never => {
    throw new UsageError(`--${key} must be ${why}, got '${raw}'`);
  };
  if (raw.trim() === '' || !Number.isFinite(x)) bad('a number');
  if (o.int && !Number.isInteger(x)) bad('an integer');
  if (o.min !== undefined && (o.above ? !(x > o.min) : !(x >= o.min))) bad(`${o.above ? '>' : '>='} ${o.min}`);
  if (o.max !== undefined && !(x <= o.max)) bad(`<= ${o.max}`);
  return x;
}

/** A comma-separated list of numbers. */
export function numList(v: Values, key: string, fallback: number[], o: NumOpts = {}): number[] {
  const raw = str(v, key);
  if (raw === undefined) return fallback;
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`--${key} needs at least one value`);
  return items.map((item) => num({ [key]: item }, key, 0, o));
}

export type Format = 'conll' | 'conllu' | 'cluener';
export const formats: readonly Format[] = ['conll', 'conllu', 'cluener'];

/** conllu for *.conllu, cluener for *.json / *.jsonl, conll otherwise. */
export function guessFormat(file: string): Format {
  if (/\.conllu$/i.test(file)) return 'conllu';
  if (/\.jsonl?$/i.test(file)) return 'cluener';
  return 'conll';
}

export function checkReadable(file: string, what = 'file'): void {
  if (!existsSync(file)) throw new Error(`${file}: no such ${what}`);
  if (what === 'file' && statSync(file).isDirectory()) throw new Error(`${file}: is a directory, expected a file`);
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/** Refuses an output path that is one of the input files or directories (before any work). */
export function checkNotInput(output: string, inputs: readonly (string | undefined)[], flag: string): void {
  for (const input of inputs) {
    if (input === undefined) continue;
    const inside = existsSync(input) && statSync(input).isDirectory() && !samePath(output, input) && samePath(dirname(resolve(output)), input);
    if (samePath(output, input) || inside) throw new UsageError(`--${flag} ${output} is ${inside ? 'inside ' : ''}an input of this command${inside ? ` (${input})` : ''}; refusing to write over it`);
  }
}

/**
 * Checks, before any work, that `file` can be written: its directory exists and is writable, and
 * the path is not a directory (an existing file is replaced). Errors name the flag.
 */
export function checkWritableFile(file: string, flag: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir)) throw new Error(`--${flag} ${file}: the directory ${dir} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new Error(`--${flag} ${file}: is a directory, expected a file`);
  try {
    accessSync(existsSync(file) ? file : dir, constants.W_OK);
  } catch {
    throw new Error(`--${flag} ${file}: not writable`);
  }
}

/** How data files are read: CoNLL-U tag column, tag scheme check, CoNLL-U words without a tag. */
export interface DataOptions {
  column: 'upos' | 'xpos';
  tagScheme: SchemeChoice;
  allowMissingTags: boolean;
}

/** Reading only the words of a labelled file (vocabulary, pretraining): tags are still checked. */
export const wordsOnly: DataOptions = { column: 'upos', tagScheme: 'auto', allowMissingTags: true };

export const dataFlagOptions = {
  format: { type: 'string' }, column: { type: 'string' }, 'tag-scheme': { type: 'string' }, 'allow-missing-tags': { type: 'boolean' },
} as const;

export const dataFlagHelp = `  --format F            conll | conllu | cluener (default: from the extension; .conllu, .json/.jsonl, else conll)
  --column upos|xpos    CoNLL-U tag column (default upos)
  --tag-scheme S        bio | iobes | auto: the span scheme every tag must follow (default auto: detected
                        per file and printed; files without B-/I- tags are plain labels, e.g. POS)
  --allow-missing-tags  skip CoNLL-U sentences with a word tagged _ (counted) instead of an error`;

export function dataOptionsFromFlags(v: Values): DataOptions {
  return {
    column: oneOf(v, 'column', ['upos', 'xpos'] as const, 'upos'),
    tagScheme: oneOf(v, 'tag-scheme', ['bio', 'iobes', 'auto'] as const, 'auto'),
    allowMissingTags: v['allow-missing-tags'] === true,
  };
}

const schemeNames: Record<FileScheme, string> = { bio: 'BIO', iob1: 'IOB1', bioes: 'IOBES', plain: 'plain labels (no span tags)' };

/**
 * Sentences of a data file, strictly read: reader errors name file and line; every tag is checked
 * against the tag scheme, and what was detected or skipped is said on stderr.
 */
export function readData(file: string, format: Format | undefined, o: DataOptions): Sentence[] {
  checkReadable(file);
  const f = format ?? guessFormat(file);
  const skipped = { sentences: 0, words: 0 };
  const sentences = f === 'conll' ? readConll(file)
    : f === 'conllu' ? readConllu(file, { tag: o.column, missingTags: o.allowMissingTags ? 'skip' : 'error', skipped })
      : readCluener(file);
  if (skipped.sentences > 0) process.stderr.write(`${file}: skipped ${skipped.sentences} sentence(s) (${skipped.words} words) with a missing ${o.column.toUpperCase()} tag (--allow-missing-tags)\n`);
  if (sentences.length === 0) throw new Error(`${file}: no sentences found (read as ${f})`);
  const labelled = sentences.filter((s) => s.labels.length > 0);
  if (labelled.length > 0) {
    const scheme = validateTags(labelled, file, o.tagScheme);
    process.stderr.write(`${file}: tags ${schemeNames[scheme]}${o.tagScheme === 'auto' ? ' (detected)' : ''}\n`);
  }
  return sentences;
}

/** Whitespace-tokenised sentences, one per line (empty lines give empty sentences). */
export function readPlainSentences(text: string): string[][] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => line.split(/\s+/).filter((w) => w !== ''));
}

export function readTextFile(file: string): string {
  checkReadable(file);
  return readUtf8File(file);
}

/** Options shared by every command that runs a policy. */
export const policyOptions: Options = {
  policy: { type: 'string' },
  layers: { type: 'string' },
  threshold: { type: 'string' },
  window: { type: 'string' },
  'double-upper': { type: 'boolean' },
  'window-skips-halted': { type: 'boolean' },
  copy: { type: 'string' },
};

export const policyHelp = `Exit policy:
  --policy full|static|sentee|tokee   (default ${'%DEFAULT%'})
  --layers N            static: run the first N layers
  --threshold δ         sentee/tokee: leave when the (window) uncertainty is below δ (default 0.1)
  --window k            tokee: half-width of the uncertainty window (default 2; the official code's
                        win_size is 2k+1)
  --double-upper        tokee: double δ in the upper half of the layers (official code)
  --window-skips-halted tokee: halted words no longer count in neighbours' windows
  --copy output|preNorm what a halted piece keeps (default output, the paper; preNorm: official code)`;

export function policyHelpText(defaultPolicy: string): string {
  return policyHelp.replace('%DEFAULT%', defaultPolicy);
}

export function policyFromFlags(v: Values, layers: number, fallback: ExitPolicy['kind'] = 'full'): ExitPolicy {
  const kind = oneOf(v, 'policy', ['full', 'static', 'sentee', 'tokee'] as const, fallback);
  const threshold = num(v, 'threshold', 0.1, { min: 0 });
  const misplaced = (flag: string, ok: boolean): void => {
    if (!ok && v[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --policy ${kind}`);
  };
  misplaced('layers', kind === 'static');
  misplaced('threshold', kind === 'sentee' || kind === 'tokee');
  misplaced('window', kind === 'tokee');
  misplaced('double-upper', kind === 'tokee');
  misplaced('window-skips-halted', kind === 'tokee');
  switch (kind) {
    case 'full':
      return { kind };
    case 'static': {
      const n = num(v, 'layers', undefined, { int: true, min: 1, max: layers });
      if (n === undefined) throw new UsageError(`--policy static needs --layers N (1..${layers})`);
      return { kind, layers: n };
    }
    case 'sentee':
      return { kind, threshold };
    case 'tokee':
      return {
        kind,
        threshold,
        halfWidth: num(v, 'window', 2, { int: true, min: 0 }),
        doubleUpper: v['double-upper'] === true,
        windowCountsHalted: v['window-skips-halted'] !== true,
      };
  }
}

export function copyFromFlags(v: Values): CopyMode {
  return oneOf(v, 'copy', ['output', 'preNorm'] as const, 'output');
}

export function metricFromFlags(v: Values): Metric | undefined {
  const m = oneOf(v, 'metric', ['auto', 'f1', 'accuracy'] as const, 'auto');
  return m === 'auto' ? undefined : m;
}

// ---- terminal output ----

export function useColour(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** 256-colour background for an exit layer: green (early) → yellow → red (late). */
export function layerColour(layer: number, layers: number): { ansi: string; css: string } {
  const t = layers <= 1 ? 1 : (layer - 1) / (layers - 1);
  const hue = 120 * (1 - t);
  const [r, g, b] = hslToRgb(hue, 0.65, 0.72);
  const q = (c: number): number => Math.round((c / 255) * 5);
  const ansi = `\x1b[48;5;${16 + 36 * q(r) + 6 * q(g) + q(b)}m\x1b[30m`;
  return { ansi, css: `rgb(${r}, ${g}, ${b})` };
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

export const reset = '\x1b[0m';

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : (100 * x).toFixed(2);
}

/** A progress bar on stderr: redrawn in place on a TTY, a plain line every ~10% otherwise. */
export class Progress {
  private lastPlain = -1;
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'tokens',
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
    /** performance.now() when the work began (default: now) */
    private readonly start = performance.now(),
  ) {
    this.tty = stream.isTTY === true;
  }

  /** done: work units finished (of total); rate counts `units` since start; extra: text at the end. */
  update(done: number, units: number, extra = ''): void {
    if (this.quiet) return;
    const elapsed = (performance.now() - this.start) / 1000;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const rate = elapsed > 0 ? units / elapsed : 0;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : Infinity;
    const text = `${this.label} ${(100 * frac).toFixed(0).padStart(3)}% ${rate.toFixed(0)} ${this.unit}/s ETA ${fmtDuration(eta)}${extra ? ` ${extra}` : ''}`;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && frac < 1) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(width * frac);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      const cols = this.stream.columns ?? 100;
      this.stream.write(`\r\x1b[K${`${this.label} ${bar}${text.slice(this.label.length)}`.slice(0, cols - 1)}`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile === this.lastPlain) return;
      this.lastPlain = decile;
      this.stream.write(`${text}\n`);
    }
  }

  /** Clear the line (TTY) so the next output starts clean. */
  end(): void {
    if (this.tty && !this.quiet) this.stream.write('\r\x1b[K');
  }
}

/** The human-readable block `eval` and `calibrate` print for one result. */
export function formatResult(r: EvalResult, layers: number, dataName: string): string {
  const lines: string[] = [];
  const metricName = r.metric === 'f1' ? 'span F1' : 'accuracy';
  lines.push(`policy        ${r.policy}`);
  lines.push(`data          ${dataName}: ${r.sentences} sentences, ${r.words} words, ${r.pieces} pieces`);
  if (r.score === null) lines.push(`${metricName.padEnd(14)}n/a (no gold labels)`);
  else if (r.metric === 'f1') lines.push(`span F1       ${pct(r.score)}  (precision ${pct(r.precision)}, recall ${pct(r.recall)}; token accuracy ${pct(r.accuracy)})`);
  else lines.push(`accuracy      ${pct(r.score)}`);
  lines.push(`speedup       ${r.speedup.toFixed(2)}x FLOPs (official MACs count: ${r.officialSpeedup.toFixed(2)}x)`);
  lines.push(`time          ${r.seconds.toFixed(2)} s (${(r.pieces / Math.max(r.seconds, 1e-9)).toFixed(0)} pieces/s)`);
  lines.push(`mean exit     layer ${r.meanExitLayer.toFixed(2)} of ${layers}`);
  lines.push('exit layers');
  const max = Math.max(1, ...r.exitHistogram);
  r.exitHistogram.forEach((c, l) => {
    const share = r.words > 0 ? c / r.words : 0;
    lines.push(`  ${String(l + 1).padStart(3)} ${'#'.repeat(Math.round((30 * c) / max)).padEnd(30)} ${(100 * share).toFixed(1).padStart(5)}%  ${c}`);
  });
  return `${lines.join('\n')}\n`;
}

/** The JSON form of a result (per-sentence predictions left out unless asked for). */
export function resultJson(r: EvalResult, withPredictions = false): Record<string, unknown> {
  const { predictions, exitLayers, ...rest } = r;
  return withPredictions ? { ...rest, predictions, exitLayers } : rest;
}
