// The data sets of the reproduction (../shared/data, see its SOURCES.md) and how to read them.
import { readConll } from '../src/data/conll.js';
import { readConllu } from '../src/data/conllu.js';
import { dataPath } from '../src/data/paths.js';
import type { Sentence } from '../src/data/sentence.js';
import type { HfBert } from '../src/io/hf.js';

export interface DatasetSpec {
  name: string;
  task: string;
  files: { train: string; dev: string; test: string };
  read(path: string): Sentence[];
}

/** UD Chinese words → characters labelled B-W (first of a word) / I-W: segmentation as span F1. */
function segmentation(sentences: Sentence[]): Sentence[] {
  return sentences.map((s) => {
    const words: string[] = [];
    const labels: string[] = [];
    for (const w of s.words) {
      [...w].forEach((ch, i) => {
        words.push(ch);
        labels.push(i === 0 ? 'B-W' : 'I-W');
      });
    }
    return { words, labels };
  });
}

export const datasets: Record<string, DatasetSpec> = {
  conll: {
    name: 'CoNLL-2003 English NER',
    task: 'span F1',
    files: { train: 'conll2003/eng.train', dev: 'conll2003/eng.testa', test: 'conll2003/eng.testb' },
    read: (p) => readConll(p),
  },
  ewt: {
    name: 'UD English EWT POS (UPOS)',
    task: 'accuracy',
    files: { train: 'ud-english-ewt/en_ewt-ud-train.conllu', dev: 'ud-english-ewt/en_ewt-ud-dev.conllu', test: 'ud-english-ewt/en_ewt-ud-test.conllu' },
    read: (p) => readConllu(p, { tag: 'upos' }),
  },
  ark: {
    name: 'ARK Twitter POS',
    task: 'accuracy',
    files: { train: 'ark-twitter-pos/oct27.train', dev: 'ark-twitter-pos/oct27.dev', test: 'ark-twitter-pos/oct27.test' },
    read: (p) => readConll(p),
  },
  twitter: {
    name: 'Twitter-2017 NER',
    task: 'span F1',
    files: { train: 'twitter2017-ner/train.txt', dev: 'twitter2017-ner/valid.txt', test: 'twitter2017-ner/test.txt' },
    read: (p) => readConll(p),
  },
  udzh: {
    name: 'UD Chinese 1.4 word segmentation',
    task: 'span F1',
    files: { train: 'ud-chinese-1.4/zh-ud-train.conllu', dev: 'ud-chinese-1.4/zh-ud-dev.conllu', test: 'ud-chinese-1.4/zh-ud-test.conllu' },
    read: (p) => segmentation(readConllu(p)),
  },
};

export function loadSplit(spec: DatasetSpec, split: 'train' | 'dev' | 'test'): Sentence[] {
  return spec.read(dataPath(...spec.files[split].split('/')));
}

/**
 * The pretrained encoder cut to `layers` layers taken evenly from its L (layer ⌊i·L/layers⌋ becomes
 * layer i), as DistilBERT initialises its student; the same encoder when layers = L.
 */
export function evenlySpacedLayers(hf: HfBert, layers: number): HfBert {
  const L = hf.config.layers;
  if (layers === L) return hf;
  if (layers > L) throw new Error(`${hf.dir}: has ${L} layers, cannot make a ${layers}-layer model from it`);
  const prefix = 'bert.encoder.layer.';
  const source = Array.from({ length: layers }, (_, i) => Math.floor((i * L) / layers)); // new layer → old
  const tensors = new Map<string, HfBert['tensors'] extends Map<string, infer T> ? T : never>();
  for (const [name, t] of hf.tensors) {
    if (!name.startsWith(prefix)) {
      tensors.set(name, t);
      continue;
    }
    const [src, ...rest] = name.slice(prefix.length).split('.');
    const dst = source.indexOf(Number(src));
    if (dst >= 0) tensors.set(`${prefix}${dst}.${rest.join('.')}`, t);
  }
  return { ...hf, config: { ...hf.config, layers }, tensors, renamed: new Map() };
}
