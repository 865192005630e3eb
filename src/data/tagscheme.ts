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

/** --tag-scheme: which span scheme a file's tags must follow; auto detects it (or plain labels, e.g. POS). */
export type SchemeChoice = 'bio' | 'iobes' | 'auto';
/** A file's tags as validated: a span scheme, or plain labels (no B-/I- tags at all). */
export type FileScheme = 'bio' | 'iob1' | 'bioes' | 'plain';

/** Looks like a span tag, in any case, with any one-letter prefix (so X-PER and b-misc are caught). */
const spanLike = /^[A-Za-z]-/;

/**
 * Checks every tag of a file against a span scheme and returns the scheme. 'auto': plain labels when
 * no tag looks like a span tag (X-…), else IOBES when S-/E- tags occur, else BIO, or IOB1 when an
 * I- tag starts an entity. An invalid tag or sequence is an Error naming file, line and tag.
 */
export function validateTags(sentences: readonly { labels: readonly string[]; lines?: readonly number[] }[], file: string, choice: SchemeChoice): FileScheme {
  let spanTags = false;
  let singleOrEnd = false;
  let iob1 = false;
  for (const s of sentences) {
    s.labels.forEach((tag, i) => {
      if (spanLike.test(tag)) spanTags = true;
      if (/^[SE]-./.test(tag)) singleOrEnd = true;
      if (/^I-./.test(tag) && (i === 0 || s.labels[i - 1]!.slice(2) !== tag.slice(2) || s.labels[i - 1] === 'O')) iob1 = true;
    });
  }
  if (choice === 'auto' && !spanTags) return 'plain';
  const scheme: FileScheme = choice === 'iobes' || (choice === 'auto' && singleOrEnd) ? 'bioes' : choice === 'auto' && iob1 ? 'iob1' : 'bio';
  const name = scheme === 'bioes' ? 'IOBES' : scheme.toUpperCase();
  const valid = scheme === 'bioes' ? /^(O|[BIES]-\S+)$/ : /^(O|[BI]-\S+)$/;
  const form = scheme === 'bioes' ? 'O, B-TYPE, I-TYPE, E-TYPE or S-TYPE' : 'O, B-TYPE or I-TYPE';
  for (const s of sentences) {
    const at = (i: number): string => `${file}:${s.lines?.[i] ?? '?'}`;
    s.labels.forEach((tag, i) => {
      if (!valid.test(tag)) throw new Error(`${at(i)}: tag ${JSON.stringify(tag)} is not a ${name} tag (${form}${choice === 'auto' ? `; ${name} was detected from the file's other tags` : ''})`);
      const previous = i > 0 ? s.labels[i - 1]! : 'O';
      const continues = previous !== 'O' && previous.slice(2) === tag.slice(2) && /^[BI]-/.test(previous);
      if (scheme === 'bio' && tag.startsWith('I-') && !continues) {
        throw new Error(`${at(i)}: ${JSON.stringify(tag)} after ${JSON.stringify(previous)}: in BIO an entity starts with B- (IOB1 data? use --tag-scheme auto)`);
      }
      if (scheme === 'bioes') {
        if (/^[IE]-/.test(tag) && !continues) throw new Error(`${at(i)}: ${JSON.stringify(tag)} after ${JSON.stringify(previous)}: in IOBES I-/E- continue a B- or I- of the same type`);
        const next = s.labels[i + 1];
        if (/^[BI]-/.test(tag) && !(next !== undefined && /^[IE]-/.test(next) && next.slice(2) === tag.slice(2))) {
          throw new Error(`${at(i)}: ${JSON.stringify(tag)} is followed by ${JSON.stringify(next ?? 'the end of the sentence')}: in IOBES an entity ends with E- (or is a single S-)`);
        }
      }
    });
  }
  return scheme;
}
