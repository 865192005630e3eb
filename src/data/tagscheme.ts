// Span tag schemes and conversions between them, e.g. IOB1 input to BIO for training.
//   bio   (IOB2): every entity starts with B-, continues with I-.
//   iob1:  entities are I-; B- only marks a start right after an entity of the same type.
//   bioes: B- begin, I- inside, E- end, S- single-word entity.
// Decoding is lenient like conlleval: an I- (or E-) that cannot continue the previous
// entity starts a new one, so ill-formed input still yields spans.

export type TagScheme = 'bio' | 'iob1' | 'bioes';

/** A labelled span of words, end exclusive. */
export interface Span {
  type: string;
  start: number;
  end: number;
}

interface Tag {
  prefix: 'O' | 'B' | 'I' | 'E' | 'S';
  type: string;
}

const prefixesOf: Record<TagScheme, string> = { bio: 'BI', iob1: 'BI', bioes: 'BIES' };

function parseTag(tag: string, scheme: TagScheme, position: number): Tag {
  if (tag === 'O') return { prefix: 'O', type: '' };
  const prefix = tag[0]!;
  if (tag[1] !== '-' || tag.length < 3 || !prefixesOf[scheme].includes(prefix)) {
    throw new Error(`tag ${JSON.stringify(tag)} at position ${position} is not a ${scheme.toUpperCase()} tag`);
  }
  return { prefix: prefix as Tag['prefix'], type: tag.slice(2) };
}

/** The entity spans a tag sequence encodes. */
export function tagsToSpans(tags: readonly string[], scheme: TagScheme): Span[] {
  const spans: Span[] = [];
  let open: Span | undefined;
  const close = (): void => {
    if (open) spans.push(open);
    open = undefined;
  };
  tags.forEach((raw, i) => {
    const { prefix, type } = parseTag(raw, scheme, i);
    const continues = open !== undefined && open.type === type && open.end === i;
    if (prefix === 'O') {
      close();
      return;
    }
    if (prefix === 'B' || prefix === 'S' || !continues) {
      close();
      open = { type, start: i, end: i + 1 };
    } else {
      open!.end = i + 1;
    }
    if (prefix === 'S' || prefix === 'E') close();
  });
  close();
  return spans;
}

/** Tags for `length` words from non-overlapping spans. */
export function spansToTags(spans: readonly Span[], length: number, scheme: TagScheme): string[] {
  const tags = new Array<string>(length).fill('O');
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  sorted.forEach((span, k) => {
    if (span.start < 0 || span.end > length || span.start >= span.end) {
      throw new Error(`span ${span.type} [${span.start}, ${span.end}) does not fit ${length} words`);
    }
    const previous = sorted[k - 1];
    if (previous && previous.end > span.start) {
      throw new Error(`spans ${previous.type} [${previous.start}, ${previous.end}) and ${span.type} [${span.start}, ${span.end}) overlap`);
    }
    for (let i = span.start; i < span.end; i++) tags[i] = `I-${span.type}`;
    const single = span.end - span.start === 1;
    if (scheme === 'bio') tags[span.start] = `B-${span.type}`;
    if (scheme === 'iob1' && previous && previous.end === span.start && previous.type === span.type) {
      tags[span.start] = `B-${span.type}`;
    }
    if (scheme === 'bioes') {
      tags[span.start] = `${single ? 'S' : 'B'}-${span.type}`;
      if (!single) tags[span.end - 1] = `E-${span.type}`;
    }
  });
  return tags;
}

export function convertTags(tags: readonly string[], from: TagScheme, to: TagScheme): string[] {
  return spansToTags(tagsToSpans(tags, from), tags.length, to);
}
