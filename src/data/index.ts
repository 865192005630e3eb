// Public API of data/: files on disk → sentences → WordPiece → packed batches of ids.
export { dataRoot, dataPath } from './paths.js';
export { LabelSet, isLabelled, type Sentence } from './sentence.js';
export { tagsToSpans, spansToTags, convertTags, type Span, type TagScheme } from './tagscheme.js';
export { readConll, parseConll, type ConllOptions } from './conll.js';
export { readConllu, parseConllu, type ConlluOptions } from './conllu.js';
export { readCluener, parseCluener } from './cluener.js';
export { basicTokenize } from './basictokenizer.js';
export { WordPiece, readVocabFile, type WordPieceOptions } from './wordpiece.js';
export { buildVocab, writeVocabFile, specialTokens, type VocabOptions } from './vocab.js';
export { packBatch, mergeWindows, ignoreLabel, type PackedBatch, type PackOptions, type WordTokenizer } from './batch.js';
export { planBatches, pieceCount, type BatchPlanOptions } from './batcher.js';
export { makeSyntheticTask, labelSynthetic, contextDependentWords, syntheticLabels, type SyntheticTask } from './synthetic.js';
