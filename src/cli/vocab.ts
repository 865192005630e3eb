// offramp vocab: learn a WordPiece vocabulary (vocab.txt) from raw text and labelled files.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { splitLines } from '../data/lines.js';
import { writeVocabFile } from '../data/vocab.js';
import { coverage, trainWordPiece, WordCounts } from '../data/wordpiece-trainer.js';
import { type Command, type Format, formats, num, oneOf, parse, pct, Progress, readData, readTextFile, required, UsageError, wordsOnly } from './common.js';

const help = `Usage: offramp vocab --out FILE [options] [--text FILE]... [FILE...]

Learns a WordPiece vocabulary the way Hugging Face tokenizers' WordPieceTrainer does: words are
split and normalised like BERT's basic tokenizer, every character becomes a piece (word-internal
ones with ##), then the most frequent adjacent pair of pieces is merged, again and again, until the
vocabulary has --size pieces or no pair occurs --min-frequency times. [PAD] [UNK] [CLS] [SEP] [MASK]
come first (ids 0-4). The same inputs give a byte-identical vocab.txt.

Input (at least one):
  FILE...               labelled files: their words are read (labels ignored)
  --format F            conll, conllu or cluener for every FILE (default: conllu for *.conllu,
                        cluener for *.json / *.jsonl, conll otherwise)
  --text FILE           raw text, one sentence or paragraph per line (repeatable)

Options:
  --out FILE            where to write vocab.txt (required; its folder is created if needed; an
                        existing file is kept unless --force)
  --force               overwrite --out
  --size N              pieces in the vocabulary, special tokens included (default 16000); the
                        characters alone may need more, then the vocabulary is just the characters
  --min-frequency N     fewest occurrences a pair needs to be merged (default 2)
  --limit-alphabet N    keep only the N most frequent characters (default: all); words with
                        another character take no part in merges and tokenize to [UNK]
  --case cased|uncased  uncased lower-cases and strips accents (default cased); use the same
                        --case when training with this vocabulary

Prints on stdout the size, alphabet and coverage of the training words: the share that is a single
piece and the mean pieces per word.

Example:
  offramp vocab --out runs/vocab-conll.txt --size 16000 ../shared/data/conll2003/eng.train
`;

export const vocabCommand: Command = { name: 'vocab', summary: 'learn a WordPiece vocabulary (vocab.txt) from text and labelled files', help, run };

async function run(argv: string[]): Promise<void> {
  const p = parse(
    vocabCommand,
    argv,
    {
      out: { type: 'string' }, force: { type: 'boolean' }, size: { type: 'string' }, 'min-frequency': { type: 'string' },
      'limit-alphabet': { type: 'string' }, case: { type: 'string' }, format: { type: 'string' }, text: { type: 'string', multiple: true },
    },
    true,
  );
  if (!p) return;
  const v = p.values;
  const out = required(v, 'out');
  const size = num(v, 'size', 16000, { int: true, min: 6, max: 10_000_000 });
  const minFrequency = num(v, 'min-frequency', 2, { int: true, min: 1 });
  const limitAlphabet = num(v, 'limit-alphabet', undefined, { int: true, min: 1 });
  const lowercase = oneOf(v, 'case', ['cased', 'uncased'] as const, 'cased') === 'uncased';
  const format = v.format === undefined ? undefined : oneOf<Format>(v, 'format', formats, 'conll');
  const texts = (p.values as Record<string, unknown>).text as string[] | undefined ?? [];
  if (p.positionals.length === 0 && texts.length === 0) throw new UsageError('give at least one FILE or --text FILE');
  if (existsSync(out) && v.force !== true) throw new Error(`${out} exists (use --force to overwrite it)`);

  const started = performance.now();
  const counts = new WordCounts(lowercase);
  for (const file of texts) {
    const before = counts.total;
    for (const line of splitLines(readTextFile(file))) counts.addText(line);
    process.stderr.write(`vocab: ${file}: ${counts.total - before} words (raw text)\n`);
  }
  for (const file of p.positionals) {
    const before = counts.total;
    for (const sentence of readData(file, format, wordsOnly)) counts.addWords(sentence.words);
    process.stderr.write(`vocab: ${file}: ${counts.total - before} words\n`);
  }
  if (counts.total === 0) throw new Error('no words in the input');

  const counted = performance.now();
  process.stderr.write(`vocab: ${counts.total} words, ${counts.counts.size} distinct, counted in ${((counted - started) / 1000).toFixed(1)} s\n`);
  let bar: { progress: Progress; start: number } | undefined;
  const trained = trainWordPiece(counts.counts, { vocabSize: size, minFrequency, limitAlphabet }, (n) => {
    bar ??= { progress: new Progress('vocab: merging', size - n, 'pieces'), start: n };
    bar.progress.update(n - bar.start, n - bar.start);
  });
  bar?.progress.end();
  process.stderr.write(`vocab: ${trained.merges} merges in ${((performance.now() - counted) / 1000).toFixed(1)} s\n`);
  mkdirSync(dirname(out), { recursive: true });
  writeVocabFile(out, trained.tokens);
  const seconds = (performance.now() - started) / 1000;

  const cover = coverage(trained.tokens, counts);
  const lines = [
    `wrote ${out}: ${trained.tokens.length} pieces (${trained.alphabet} characters, ${trained.merges} merges)`,
    `training words ${counts.total} (${counts.counts.size} distinct), ${lowercase ? 'uncased' : 'cased'}`,
    `coverage      ${pct(cover.singlePiece)}% of training words are one piece; ${cover.meanPieces.toFixed(3)} pieces per word; ${pct(cover.unknown)}% [UNK]`,
    `time          ${seconds.toFixed(1)} s`,
  ];
  if (trained.tokens.length < size) lines.push(`note          fewer than ${size} pieces: no pair left with at least ${minFrequency} occurrences`);
  if (trained.tokens.length > size) lines.push(`note          more than ${size} pieces: the special tokens and characters alone need ${trained.tokens.length}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  // train --vocab guesses the case from [unusedN] tokens, which a learned vocabulary has none of.
  if (lowercase) process.stderr.write(`vocab: uncased: give train --vocab ${out} also --case uncased\n`);
}
