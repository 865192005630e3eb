// offramp tag: label raw whitespace-tokenised sentences, show each word's label and exit layer.
import { readFileSync } from 'node:fs';
import type { Sentence } from '../data/sentence.js';
import { evaluate } from '../earlyexit/evaluate.js';
import { writeFileAtomic } from '../io/atomic.js';
import {
  type Command, copyFromFlags, layerColour, num, parse, policyFromFlags, policyHelpText, policyOptions, readPlainSentences, readTextFile,
  required, reset, str, useColour, startBackend,
} from './common.js';
import { escapeXml } from './svg.js';
import { loadModel } from './eval.js';

const help = `Usage: offramp tag --model DIR [--file FILE] [options]

Reads one whitespace-tokenised sentence per line (from FILE, else stdin) and prints every word
with its label and the layer it left at: "word<TAB>label<TAB>layer", a blank line after each
sentence (--inline: one sentence per line as word/label@layer). On a terminal words are coloured
by exit layer (green early, red late; NO_COLOR turns it off).

  --model DIR           checkpoint (required)
  --file FILE           input (default: stdin)
  --inline              one output line per sentence
  --html OUT            also write an HTML page shading each word by its exit layer, with a legend
${policyHelpText('full')}
  --batch-pieces N      pieces per inference batch (default 2048)

Example:
  echo "alice met young jordan in paris" | offramp tag --model runs/demo --policy tokee --threshold 0.2
`;

export const tagCommand: Command = { name: 'tag', summary: 'label raw sentences, show exit layers (terminal colours, HTML)', help, run };

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('tag: reading sentences from stdin (one per line, end with Ctrl-D)\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(argv: string[]): Promise<void> {
  const p = parse(tagCommand, argv, {
    model: { type: 'string' }, file: { type: 'string' }, inline: { type: 'boolean' }, html: { type: 'string' },
    'batch-pieces': { type: 'string' }, ...policyOptions,
  });
  if (!p) return;
  const v = p.values;
  const dir = required(v, 'model');
  const batchPieces = num(v, 'batch-pieces', 2048, { int: true, min: 3 });
  const copy = copyFromFlags(v);
  policyFromFlags(v, Number.MAX_SAFE_INTEGER); // flag mistakes first, before any file is read
  const file = str(v, 'file');
  const text = file === undefined ? await readStdin() : file === '-' ? readFileSync(0, 'utf8') : readTextFile(file);
  const sentences: Sentence[] = readPlainSentences(text).map((words) => ({ words, labels: [] }));
  await startBackend(v.quiet === true);
  const ckpt = await loadModel(dir);
  const L = ckpt.model.layers;
  const policy = policyFromFlags(v, L);
  const r = await evaluate(ckpt.model, sentences, ckpt.tokenizer, ckpt.labels, { policy, copy, batchPieces });
  const colour = useColour(process.stdout);
  const paint = (word: string, layer: number): string => (colour ? `${layerColour(layer, L).ansi}${word}${reset}` : word);
  let out = '';
  sentences.forEach((s, i) => {
    const labels = r.predictions[i]!;
    const exits = r.exitLayers[i]!;
    if (v.inline === true) {
      out += `${s.words.map((w, j) => `${paint(w, exits[j]!)}/${labels[j]}@${exits[j]}`).join(' ')}\n`;
    } else {
      out += s.words.map((w, j) => `${paint(w, exits[j]!)}\t${labels[j]}\t${exits[j]}\n`).join('') + '\n';
    }
  });
  process.stdout.write(out);
  process.stderr.write(`${r.words} words, ${r.policy}: mean exit layer ${r.meanExitLayer.toFixed(2)} of ${L}, ${r.speedup.toFixed(2)}x FLOPs speedup\n`);
  const html = str(v, 'html');
  if (html !== undefined) {
    await writeFileAtomic(html, tagHtml(sentences, r.predictions, r.exitLayers, L, `${r.policy} — ${dir}`));
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
