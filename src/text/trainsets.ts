// The raw text of the labelled TRAINING splits in ../shared/data (never dev or test), one
// sentence a line, read with the same readers that training uses: English words joined by
// spaces, Chinese words/characters joined with nothing.
import { readCluener } from '../data/cluener.js';
import { readConll } from '../data/conll.js';
import { readConllu } from '../data/conllu.js';
import { dataPath } from '../data/paths.js';
import type { Sentence } from '../data/sentence.js';

export interface TrainingText {
  /** Path under the data root, as in ../shared/data/SOURCES.md. */
  file: string;
  language: 'en' | 'zh';
  read(path: string): Sentence[];
}

export const trainingTexts: readonly TrainingText[] = [
  { file: 'conll2003/eng.train', language: 'en', read: (p) => readConll(p) },
  { file: 'ud-english-ewt/en_ewt-ud-train.conllu', language: 'en', read: (p) => readConllu(p) },
  { file: 'ark-twitter-pos/oct27.train', language: 'en', read: (p) => readConll(p) },
  { file: 'twitter2017-ner/train.txt', language: 'en', read: (p) => readConll(p) },
  { file: 'ud-chinese-1.4/zh-ud-train.conllu', language: 'zh', read: (p) => readConllu(p) },
  { file: 'cluener/train.json', language: 'zh', read: (p) => readCluener(p) },
];

/** One line per sentence of a training file (whitespace inside a token becomes a plain space). */
export function trainingLines(source: TrainingText): string[] {
  const separator = source.language === 'en' ? ' ' : '';
  return source
    .read(dataPath(...source.file.split('/')))
    .map((s) => s.words.map((w) => w.replace(/\s+/g, ' ')).join(separator).trim())
    .filter((line) => line !== '');
}
