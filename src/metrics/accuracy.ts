// Token accuracy, the metric for POS tagging: the fraction of words whose predicted tag equals the gold tag.
import { checkAligned } from './spans.js';

export interface TokenAccuracy {
  /** correct / total, in [0, 1]; 0 when there are no tokens */
  accuracy: number;
  correct: number;
  total: number;
}

export function tokenAccuracy(
  gold: readonly (readonly string[])[],
  pred: readonly (readonly string[])[],
): TokenAccuracy {
  checkAligned(gold, pred);
  let correct = 0;
  let total = 0;
  gold.forEach((sentence, s) => {
    sentence.forEach((tag, i) => {
      if (tag === pred[s]![i]) correct++;
      total++;
    });
  });
  return { accuracy: total > 0 ? correct / total : 0, correct, total };
}
