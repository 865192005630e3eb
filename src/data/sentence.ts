// A labelled sentence at word level, and the label vocabulary built from training data.

export interface Sentence {
  words: string[];
  /** One label per word; empty for an unlabelled source (e.g. CLUENER test.json). */
  labels: string[];
  /** the 1-based line of the file each word came from (readers set it, for error messages) */
  lines?: number[];
}

export function isLabelled(sentence: Sentence): boolean {
  return sentence.labels.length > 0 || sentence.words.length === 0;
}

/**
 * Label string <-> id. Labels are sorted (code-unit order) rather than kept in first-seen
 * order, so ids do not depend on the order of the training file. No pad/unk entries:
 * padding does not exist in packed batches and ignored positions use -100.
 */
export class LabelSet {
  readonly labels: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(labels: Iterable<string>) {
    this.labels = [...new Set(labels)].sort();
    this.ids = new Map(this.labels.map((label, id) => [label, id]));
  }

  static fromSentences(sentences: readonly Sentence[]): LabelSet {
    return new LabelSet(sentences.flatMap((s) => s.labels));
  }

  get size(): number {
    return this.labels.length;
  }

  /** The id of `label`, or undefined when training data never had it. */
  find(label: string): number | undefined {
    return this.ids.get(label);
  }

  id(label: string): number {
    const id = this.ids.get(label);
    if (id === undefined) throw new Error(`label ${JSON.stringify(label)} is not in the label set [${this.labels.join(' ')}]`);
    return id;
  }

  label(id: number): string {
    const label = this.labels[id];
    if (label === undefined) throw new Error(`label id ${id} is outside 0..${this.labels.length - 1}`);
    return label;
  }
}
