// WordPiece tokenizer with Hugging Face BertTokenizer semantics: basic tokenization, then
// greedy longest-match-first against vocab.txt with `##` marking a word-internal piece.
import { readTextFileSync } from '../platform/files.js';
import { basicTokenize } from './basictokenizer.js';
import { splitLines } from './lines.js';

/** BERT turns any longer word (in code points) into [UNK] without trying to match it. */
const maxCharsPerWord = 100;

export interface WordPieceOptions {
  /** Lower-case and strip accents: true for uncased vocabularies (and bert-base-chinese). */
  lowercase: boolean;
}

/** vocab.txt: one token per line, id = line index. Only \n and \r\n end a line. */
export function readVocabFile(path: string): string[] {
  return parseVocab(readTextFileSync(path));
}

/** The tokens of a vocab.txt's contents. */
export function parseVocab(text: string): string[] {
  const lines = splitLines(text);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export class WordPiece {
  readonly vocab: readonly string[];
  readonly lowercase: boolean;
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  private readonly ids = new Map<string, number>();
  private readonly wordCache = new Map<string, readonly number[]>();

  constructor(vocab: readonly string[], opts: WordPieceOptions, source = 'vocabulary') {
    this.vocab = vocab;
    this.lowercase = opts.lowercase;
    // Like HF, a repeated token keeps its last line's id.
    vocab.forEach((token, id) => this.ids.set(token, id));
    const special = (token: string): number => {
      const id = this.ids.get(token);
      if (id === undefined) throw new Error(`${source} has no ${token} token`);
      return id;
    };
    this.padId = special('[PAD]');
    this.unkId = special('[UNK]');
    this.clsId = special('[CLS]');
    this.sepId = special('[SEP]');
    this.maskId = special('[MASK]');
  }

  static fromFile(path: string, opts: WordPieceOptions): WordPiece {
    return new WordPiece(readVocabFile(path), opts, path);
  }

  get size(): number {
    return this.vocab.length;
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Pieces of one basic token, or [UNK] when it is too long or some part matches nothing. */
  wordpiece(token: string): string[] {
    const chars = Array.from(token);
    if (chars.length > maxCharsPerWord) return ['[UNK]'];
    const pieces: string[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let piece: string | undefined;
      for (; end > start; end--) {
        const candidate = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.ids.has(candidate)) {
          piece = candidate;
          break;
        }
      }
      if (piece === undefined) return ['[UNK]'];
      pieces.push(piece);
      start = end;
    }
    return pieces;
  }

  /** Piece strings of raw text, as BertTokenizer.tokenize. */
  tokenize(text: string): string[] {
    return basicTokenize(text, this.lowercase).flatMap((token) => this.wordpiece(token));
  }

  /**
   * Piece ids of one pre-split word (HF `is_split_into_words=True`). A word that cleaning
   * erases entirely (e.g. a lone U+200B in Twitter data) becomes [UNK], so every word keeps
   * a first piece to be labelled from.
   */
  tokenizeWord(word: string): readonly number[] {
    let ids = this.wordCache.get(word);
    if (ids === undefined) {
      ids = this.tokenize(word).map((piece) => this.ids.get(piece)!);
      if (ids.length === 0) ids = [this.unkId];
      this.wordCache.set(word, ids);
    }
    return ids;
  }
}
