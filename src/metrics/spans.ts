// Chunk (span) precision, recall and F1 as counted by conlleval.pl, the CoNLL-2000/2003 evaluation
// script. A tag splits at its first hyphen into a prefix and a type ("B-ORG" → "B", "ORG"); the
// chunk rules look only at (previous, current) prefix and type, so the same code scores BIO (IOB2),
// IOB1, IOE and BIOES input without being told the scheme. Each sentence is followed by a boundary,
// which conlleval reads as an "O O" line.
//
// On input made of B/I/O (and E without S) tags the rules are exactly conlleval.pl's. For S- tags, and
// for E followed by B, conlleval.pl has no rule (it merges "B-X E-X B-X E-X" into one chunk); there we
// follow the usual BIOES extension of the Python port (mayhewsw/conlleval.py): B and S always start a
// chunk, E and S always end one.
//
// Scores here are fractions in [0, 1]; conllevalReport prints them as conlleval does, in percent.

/** Counts and scores of one chunk type, or of all types together. */
export interface SpanScore {
  precision: number;
  recall: number;
  f1: number;
  /** chunks in the gold tags */
  gold: number;
  /** chunks in the predicted tags */
  pred: number;
  /** predicted chunks with the gold chunk's boundaries and type */
  correct: number;
}

export interface SpanF1 extends SpanScore {
  /** one entry per type found in gold or pred, keys in sorted order */
  perType: Record<string, SpanScore>;
  /** tokens scored (sentence boundaries excluded) */
  tokens: number;
  /** tokens whose predicted tag equals the gold tag (prefix and type) */
  correctTags: number;
}

interface Tag {
  prefix: string;
  type: string;
}

const OUTSIDE: Tag = { prefix: 'O', type: '' };

function parseTag(tag: string): Tag {
  const dash = tag.indexOf('-');
  return dash < 0 ? { prefix: tag, type: '' } : { prefix: tag.slice(0, dash), type: tag.slice(dash + 1) };
}

/** Did a chunk end between the previous token and this one? (conlleval's endOfChunk) */
function endOfChunk(prev: Tag, cur: Tag): boolean {
  const p = prev.prefix;
  const c = cur.prefix;
  if (p === 'E' || p === 'S') return true;
  if ((p === 'B' || p === 'I') && (c === 'B' || c === 'S' || c === 'O')) return true;
  if (p !== 'O' && p !== '.' && prev.type !== cur.type) return true;
  // bracket chunks have length 1
  return p === '[' || p === ']';
}

/** Did a chunk start at this token? (conlleval's startOfChunk) */
function startOfChunk(prev: Tag, cur: Tag): boolean {
  const p = prev.prefix;
  const c = cur.prefix;
  if (c === 'B' || c === 'S') return true;
  if ((p === 'E' || p === 'S' || p === 'O') && (c === 'E' || c === 'I')) return true;
  if (c !== 'O' && c !== '.' && prev.type !== cur.type) return true;
  return c === '[' || c === ']';
}

/** Throws unless gold and pred have the same number of sentences and each pair the same length. */
export function checkAligned(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): void {
  if (gold.length !== pred.length) {
    throw new Error(`gold has ${gold.length} sentences but pred has ${pred.length}`);
  }
  gold.forEach((g, s) => {
    if (g.length !== pred[s]!.length) {
      throw new Error(`sentence ${s}: gold has ${g.length} tags but pred has ${pred[s]!.length}`);
    }
  });
}

interface TypeCounts {
  gold: number;
  pred: number;
  correct: number;
}

function score(c: TypeCounts): SpanScore {
  const precision = c.pred > 0 ? c.correct / c.pred : 0;
  const recall = c.gold > 0 ? c.correct / c.gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, ...c };
}

/**
 * Chunk scores of pred against gold, one tag sequence per sentence.
 * @example spanF1([['B-PER', 'I-PER', 'O']], [['B-PER', 'I-PER', 'O']]).f1 // 1
 */
export function spanF1(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): SpanF1 {
  checkAligned(gold, pred);
  const total: TypeCounts = { gold: 0, pred: 0, correct: 0 };
  const byType = new Map<string, TypeCounts>();
  const countsOf = (type: string): TypeCounts => {
    let c = byType.get(type);
    if (!c) byType.set(type, (c = { gold: 0, pred: 0, correct: 0 }));
    return c;
  };
  let tokens = 0;
  let correctTags = 0;
  // true while the chunk open in both gold and pred has matched so far
  let inCorrect = false;
  let lastGold = OUTSIDE;
  let lastPred = OUTSIDE;

  const step = (g: Tag, p: Tag): void => {
    const goldEnds = endOfChunk(lastGold, g);
    const predEnds = endOfChunk(lastPred, p);
    if (inCorrect) {
      if (goldEnds && predEnds && lastPred.type === lastGold.type) {
        inCorrect = false;
        total.correct++;
        countsOf(lastGold.type).correct++;
      } else if (goldEnds !== predEnds || p.type !== g.type) {
        inCorrect = false;
      }
    }
    const goldStarts = startOfChunk(lastGold, g);
    const predStarts = startOfChunk(lastPred, p);
    if (goldStarts && predStarts && p.type === g.type) inCorrect = true;
    if (goldStarts) {
      total.gold++;
      countsOf(g.type).gold++;
    }
    if (predStarts) {
      total.pred++;
      countsOf(p.type).pred++;
    }
    lastGold = g;
    lastPred = p;
  };

  gold.forEach((sentence, s) => {
    sentence.forEach((goldTag, i) => {
      const g = parseTag(goldTag);
      const p = parseTag(pred[s]![i]!);
      step(g, p);
      tokens++;
      if (g.prefix === p.prefix && g.type === p.type) correctTags++;
    });
    step(OUTSIDE, OUTSIDE);
  });
  // as conlleval at end of input (only a chunk continued by '.' tags survives the boundary above)
  if (inCorrect) {
    total.correct++;
    countsOf(lastGold.type).correct++;
  }

  const perType: Record<string, SpanScore> = {};
  for (const type of [...byType.keys()].sort()) perType[type] = score(byType.get(type)!);
  return { ...score(total), perType, tokens, correctTags };
}
