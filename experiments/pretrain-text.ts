// Builds the pretraining text (docs/pretraining-text.md): downloads the pinned npm/Debian
// packages of src/text/sources.ts, checks their SHA-256, extracts their prose one sentence a
// line, and writes the training splits of ../shared/data as text beside it.
//   node dist/experiments/pretrain-text.js [--out text]      (scripts/fetch-text.sh runs this)
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchSource } from '../src/text/fetch.js';
import { cjkShare, countChars, countWords, dedupeLines, isEnglishProse, splitChineseSentences, splitEnglishSentences } from '../src/text/normalise.js';
import { textSources } from '../src/text/sources.js';
import { trainingLines, trainingTexts } from '../src/text/trainsets.js';

interface Counts {
  lines: number;
  words: number;
  chars: number;
}

function counts(lines: readonly string[]): Counts {
  return { lines: lines.length, words: countWords(lines), chars: countChars(lines) };
}

function writeLines(path: string, lines: readonly string[]): Counts & { sha256: string } {
  const body = lines.map((l) => `${l}\n`).join('');
  writeFileSync(path, body);
  return { ...counts(lines), sha256: createHash('sha256').update(body).digest('hex') };
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'text' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write('usage: node dist/experiments/pretrain-text.js [--out DIR]\nwrites DIR/{en,zh,train-sets-en,train-sets-zh}.txt and DIR/MANIFEST.json\n');
    return;
  }
  const out = values.out!;
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'offramp-text-'));
  chmodSync(work, 0o755); // the _apt user must reach the download folders below
  const manifest: Record<string, unknown> = { sources: [], outputs: {} };
  const outputs = manifest['outputs'] as Record<string, unknown>;
  try {
    for (const language of ['en', 'zh'] as const) {
      const seen = new Set<string>();
      const all: string[] = [];
      for (const source of textSources.filter((s) => s.language === language)) {
        process.stderr.write(`fetching ${source.name}@${source.version} (${source.registry})\n`);
        const fetched = fetchSource(source, work);
        const split = language === 'en' ? splitEnglishSentences : splitChineseSentences;
        const sentences = source.paragraphs(fetched.root).flatMap(split);
        const kept = dedupeLines(sentences.filter(language === 'en' ? isEnglishProse : (s) => cjkShare(s) > 0)).filter((s) => !seen.has(s));
        kept.forEach((s) => seen.add(s));
        for (const s of kept) all.push(s);
        (manifest['sources'] as unknown[]).push({
          name: source.name,
          version: source.version,
          registry: source.registry,
          license: source.license,
          archiveSha256: fetched.sha256,
          output: `${language}.txt`,
          ...counts(kept),
        });
        process.stderr.write(`  ${kept.length} lines, ${countWords(kept)} words, ${countChars(kept)} chars\n`);
        rmSync(fetched.root, { recursive: true, force: true });
      }
      outputs[`${language}.txt`] = writeLines(join(out, `${language}.txt`), all);
    }
    for (const language of ['en', 'zh'] as const) {
      const lines: string[] = [];
      const files: unknown[] = [];
      for (const source of trainingTexts.filter((t) => t.language === language)) {
        const sourceLines = trainingLines(source);
        files.push({ file: source.file, ...counts(sourceLines) });
        for (const l of sourceLines) lines.push(l);
      }
      outputs[`train-sets-${language}.txt`] = { files, ...writeLines(join(out, `train-sets-${language}.txt`), lines) };
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(out, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(outputs, null, 2)}\n`);
}

main();
