// The synthetic demo task: BIO-labelled sentences over a small English-like vocabulary,
// deterministic from a seed. Most words are EASY: their label is fixed by the word itself
// (filler → O, first names → B-PER, cities → B-LOC, companies → B-ORG). The rest are HARD,
// their label depends on context, so an early-exit model must look further and go deeper:
//   - ambiguous names (jordan, washington, …) are B-LOC after in/at/near, B-ORG after
//     joined/for/against, B-PER after met/thanked, and O otherwise. The trigger is the word
//     before, or the one before that when an adjective stands between ("met young jordan");
//     "in the jordan" is O because "the" is not an adjective.
//   - surnames are I-PER right after a person word, B-PER elsewhere.
//   - "united" continues whatever entity precedes it (I-PER, I-LOC, I-ORG) and is O after O,
//     so after an ambiguous name it depends on a trigger two or three words back.
// Labels come from these rules applied to the finished word sequence, never from the
// fragment that produced a word, so they hold across fragment boundaries too.
import { Rng } from '../tensor/random.js';
import type { Sentence } from './sentence.js';
import { specialTokens } from './vocab.js';

const filler = ['the', 'a', 'said', 'today', 'and', 'was', 'very', 'then', 'of', 'with', 'after', 'news', 'report', 'people', 'we', 'they', 'it', 'is'];
const adjectives = ['young', 'old', 'new', 'great'];
const firstNames = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const surnames = ['smith', 'jones', 'brown', 'lee'];
const cities = ['paris', 'tokyo', 'lima', 'oslo', 'cairo'];
const companies = ['acme', 'globex', 'initech', 'umbrella'];
const ambiguous = ['jordan', 'washington', 'lincoln', 'victoria', 'chelsea'];
/** Trigger word → the entity type it gives an ambiguous name after it. */
const triggers = new Map([
  ['in', 'LOC'], ['at', 'LOC'], ['near', 'LOC'],
  ['joined', 'ORG'], ['for', 'ORG'], ['against', 'ORG'],
  ['met', 'PER'], ['thanked', 'PER'],
]);
const continuation = 'united';

/** Words whose label depends on context. */
export const contextDependentWords: ReadonlySet<string> = new Set([...ambiguous, ...surnames, continuation]);

/** Every label the task can produce. */
export const syntheticLabels: readonly string[] = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG'];

function ambiguousType(words: readonly string[], i: number): string | undefined {
  const before = words[i - 1] ?? '';
  if (triggers.has(before)) return triggers.get(before);
  return adjectives.includes(before) ? triggers.get(words[i - 2] ?? '') : undefined;
}

/** The gold labels of a word sequence under the rules above. */
export function labelSynthetic(words: readonly string[]): string[] {
  const labels: string[] = [];
  words.forEach((word, i) => {
    const previous = labels[i - 1] ?? 'O';
    const previousType = previous === 'O' ? undefined : previous.slice(2);
    let label = 'O';
    if (firstNames.includes(word)) label = 'B-PER';
    else if (cities.includes(word)) label = 'B-LOC';
    else if (companies.includes(word)) label = 'B-ORG';
    else if (surnames.includes(word)) label = previousType === 'PER' ? 'I-PER' : 'B-PER';
    else if (word === continuation) label = previousType ? `I-${previousType}` : 'O';
    else if (ambiguous.includes(word)) {
      const type = ambiguousType(words, i);
      if (type) label = `B-${type}`;
    }
    labels.push(label);
  });
  return labels;
}

function sentenceWords(rng: Rng): string[] {
  const pick = (xs: readonly string[]): string => xs[rng.int(xs.length)]!;
  const triggerOf = (type?: string): string => pick([...triggers].filter(([, t]) => !type || t === type).map(([word]) => word));
  const fragments: (() => string[])[] = [
    () => Array.from({ length: 1 + rng.int(3) }, () => pick(filler)),
    () => (rng.uniform() < 0.6 ? [pick(firstNames), pick(surnames)] : [pick(firstNames)]),
    () => [pick(surnames)],
    () => (rng.uniform() < 0.5 ? [triggerOf('LOC'), pick(cities)] : [pick(cities)]),
    () => (rng.uniform() < 0.5 ? [triggerOf('ORG'), pick(companies)] : [pick(companies)]),
    () => (rng.uniform() < 0.5 ? [triggerOf(), pick(adjectives), pick(ambiguous)] : [triggerOf(), pick(ambiguous)]),
    () => (rng.uniform() < 0.5 ? [triggerOf(), pick(ambiguous)] : [triggerOf(), 'the', pick(ambiguous)]),
    () => [pick(filler), rng.uniform() < 0.5 ? pick(adjectives) : pick(filler), pick(ambiguous)],
    () => [triggerOf(), 'the', pick(filler)],
  ];
  const target = 5 + rng.int(11);
  const words: string[] = [];
  while (words.length < target) {
    words.push(...fragments[rng.int(fragments.length)]!());
    if (rng.uniform() < 0.15) words.push(continuation);
  }
  return words;
}

export interface SyntheticTask {
  train: Sentence[];
  dev: Sentence[];
  test: Sentence[];
  /** vocab.txt lines: special tokens, then every word of the task whole. */
  vocab: string[];
}

export function makeSyntheticTask(seed: number, sizes: { train: number; dev: number; test: number }): SyntheticTask {
  const rng = new Rng(seed);
  const split = (n: number): Sentence[] =>
    Array.from({ length: n }, () => {
      const words = sentenceWords(rng);
      return { words, labels: labelSynthetic(words) };
    });
  const words = [filler, adjectives, firstNames, surnames, cities, companies, ambiguous, [...triggers.keys()], [continuation]].flat();
  return {
    train: split(sizes.train),
    dev: split(sizes.dev),
    test: split(sizes.test),
    vocab: [...specialTokens, ...[...new Set(words)].sort()],
  };
}
