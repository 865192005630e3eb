// offramp tag: label raw whitespace-tokenised sentences, show each word's label and exit layer.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeUtf8 } from '../data/lines.js';
import type { Sentence } from '../data/sentence.js';
import { evaluate } from '../earlyexit/evaluate.js';
import { writeFileAtomic } from '../io/atomic.js';
import {
  type Command, checkNotInput, checkReadable, checkWritableFile, copyFromFlags, layerColour, num, parse, policyFromFlags, policyHelpText, policyOptions,
  readPlainSentences, readTextFile, required, reset, str, useColour, startBackend,
} from './common.js';
import { escapeXml } from './svg.js';
import { loadModel } from './eval.js';

const help = `Usage: offramp tag --model DIR [--file FILE] [options]

Reads one whitespace-tokenised sentence per line (from FILE, else stdin: each line is labelled and
printed as soon as it arrives, so tag works interactively and in streaming pipes) and prints every word
with its label and the layer it left at: "word<TAB>label<TAB>layer", a blank line after each
sentence (--inline: one sentence per line as word/label@layer). On a terminal words are coloured
by exit layer (green early, red late; NO_COLOR turns it off).

  --model DIR           checkpoint (required)
  --file FILE           input (default: stdin)
  --inline              one output line per sentence
  --html OUT            also write an HTML page shading each word by its exit layer, with a legend
  --allow-non-finite    load weights with NaN/Infinity (a warning instead of an error)
${policyHelpText('full')}
  --batch-pieces N      pieces per inference batch (default 2048)

Example:
  echo "alice met young jordan in paris" | offramp tag --model runs/demo --policy tokee --threshold 0.2
`;

export const tagCommand: Command = { name: 'tag', summary: 'label raw sentences, show exit layers (terminal colours, HTML)', help, run };

/**
 * Lines of stdin in batches as they arrive: each batch is everything already buffered, so an
 * interactive or streaming producer gets every line labelled as soon as it is complete.
 */
async function* stdinBatches(): AsyncGenerator<string[]> {
  if (process.stdin.isTTY) process.stderr.write('tag: reading sentences from stdin (one per line, end with Ctrl-D)\n');
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let pending: string[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  lines.on('line', (line) => {
    pending.push(line);
    wake?.();
  });
  lines.on('close', () => {
    ended = true;
    wake?.();
  });
  for (;;) {
    if (pending.length === 0) {
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      continue;
    }
    const batch = pending;
    pending = [];
    yield batch;
  }
}

async function run(argv: string[]): Promise<void> {
  const p = parse(tagCommand, argv, {
    model: { type: 'string' }, file: { type: 'string' }, inline: { type: 'boolean' }, html: { type: 'string' },
    'batch-pieces': { type: 'string' }, 'allow-non-finite': { type: 'boolean' }, ...policyOptions,
  });
  if (!p) return;
  const v = p.values;
  const dir = required(v, 'model');
  const batchPieces = num(v, 'batch-pieces', 2048, { int: true, min: 3 });
  const copy = copyFromFlags(v);
  policyFromFlags(v, Number.MAX_SAFE_INTEGER); // flag mistakes first, before any file is read
  const file = str(v, 'file');
  const html = str(v, 'html');
  if (file !== undefined && file !== '-') checkReadable(file);
  if (html !== undefined) {
    checkNotInput(html, [file === '-' ? undefined : file, dir], 'html');
    checkWritableFile(html, 'html');
  }
  await startBackend(v.quiet === true);
  const ckpt = await loadModel(dir, v);
  const L = ckpt.model.layers;
  const policy = policyFromFlags(v, L);
  const colour = useColour(process.stdout);
  const paint = (word: string, layer: number): string => (colour ? `${layerColour(layer, L).ansi}${word}${reset}` : word);
  const all: { sentences: Sentence[]; labels: string[][]; exits: number[][] } = { sentences: [], labels: [], exits: [] };
  const total = { words: 0, layerSum: 0, flops: 0, baselineFlops: 0, policy: '' };
  const label = async (lines: string[]): Promise<void> => {
    const sentences: Sentence[] = readPlainSentences(lines.map((l) => `${l}\n`).join('')).map((words) => ({ words, labels: [] }));
    const r = await evaluate(ckpt.model, sentences, ckpt.tokenizer, ckpt.labels, { policy, copy, batchPieces });
    let out = '';
    sentences.forEach((s, i) => {
      const labels = r.predictions[i]!;
      const exits = r.exitLayers[i]!;
      if (v.inline === true) out += `${s.words.map((w, j) => `${paint(w, exits[j]!)}/${labels[j]}@${exits[j]}`).join(' ')}\n`;
      else out += s.words.map((w, j) => `${paint(w, exits[j]!)}\t${labels[j]}\t${exits[j]}\n`).join('') + '\n';
    });
    process.stdout.write(out);
    total.words += r.words;
    total.layerSum += r.meanExitLayer * r.words;
    total.flops += r.flops;
    total.baselineFlops += r.baselineFlops;
    total.policy = r.policy;
    if (html !== undefined) {
      all.sentences.push(...sentences);
      all.labels.push(...r.predictions);
      all.exits.push(...r.exitLayers);
    }
  };
  if (file === undefined) {
    for await (const batch of stdinBatches()) await label(batch);
  } else {
    const text = file === '-' ? decodeUtf8(readFileSync(0), 'stdin') : readTextFile(file);
    await label(text.replace(/^\uFEFF/, '').split('\n').filter((l, i, xs) => i < xs.length - 1 || l !== ''));
  }
  const speedup = total.flops > 0 ? total.baselineFlops / total.flops : 1;
  process.stderr.write(`${total.words} words, ${total.policy}: mean exit layer ${(total.layerSum / Math.max(1, total.words)).toFixed(2)} of ${L}, ${speedup.toFixed(2)}x FLOPs speedup\n`);
  if (html !== undefined) {
    await writeFileAtomic(html, tagHtml(all.sentences, all.labels, all.exits, L, `${total.policy} — ${dir}`));
    process.stderr.write(`wrote ${html}\n`);
  }
  ckpt.model.dispose();
}

/** An HTML page: each word shaded by its exit layer, its label underneath, and a legend. */
export function tagHtml(sentences: readonly Sentence[], labels: readonly string[][], exits: readonly number[][], layers: number, title: string): string {
  const legend = Array.from({ length: layers }, (_, l) => `<span class="w" style="background:${layerColour(l + 1, layers).css}">${l + 1}</span>`).join('');
  const body = sentences
    .map((s, i) => {
      const words = s.words.map((w, j) => {
        const label = labels[i]![j]!;
        const layer = exits[i]![j]!;
        const entity = label !== 'O' ? ' entity' : '';
        return `<span class="w${entity}" style="background:${layerColour(layer, layers).css}" title="${escapeXml(`${label}, exit layer ${layer}`)}">${escapeXml(w)}<small>${escapeXml(label)} · ${layer}</small></span>`;
      });
      return `<p>${words.join(' ')}</p>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>offramp tag: ${escapeXml(title)}</title>
<style>
body { font-family: sans-serif; margin: 2em; line-height: 2.6; }
.w { display: inline-block; padding: 0 0.35em; margin: 0.1em 0; border-radius: 4px; text-align: center; line-height: 1.3; }
.w small { display: block; font-size: 0.65em; color: #333; }
.entity { font-weight: bold; outline: 1px solid #333; }
.legend { margin-bottom: 1.5em; line-height: 1.5; }
.legend .w { min-width: 1.6em; }
</style></head><body>
<h1>${escapeXml(title)}</h1>
<div class="legend">exit layer: ${legend} (green: early, red: late)</div>
${body}
</body></html>
`;
}
