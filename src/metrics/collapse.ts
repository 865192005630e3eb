// Collapse: a labeler that gives every word the same label. Models trained from scratch do this in
// their first epochs (all `O` on NER), and at a learning rate too high for their depth they stay
// there; the dev score alone (span F1 0, or accuracy at the majority share) does not say why.

/** The one label every predicted word has, or null if the predictions use two labels or more. */
export function collapsedLabel(pred: readonly (readonly string[])[]): string | null {
  let only: string | null = null;
  for (const sentence of pred) {
    for (const tag of sentence) {
      if (only === null) only = tag;
      else if (tag !== only) return null;
    }
  }
  return only;
}

/** What `train` prints when an epoch's dev predictions have collapsed. */
export function collapseAdvice(a: { label: string; epoch: number; layers: number; lr: number; batchPieces: number; pretrained: boolean }): string {
  const { label, epoch, layers, lr, batchPieces, pretrained } = a;
  const tries = [
    'more epochs (the first ones often collapse; watch whether the dev score moves)',
    ...(batchPieces > 256 ? [`smaller batches (--batch-pieces 256, now ${batchPieces}: four times the updates per epoch)`] : []),
    `a lower --lr (now ${lr}; post-LN encoders of ${layers} layers trained from scratch diverge to one label at 3e-3)`,
    ...(pretrained ? [] : ['an encoder pretrained on text: offramp vocab, then offramp pretrain, then train --init-hf']),
    ...(layers > 4 ? ['fewer layers (--layers 3) to check the data and labels'] : []),
  ];
  return `warning: after epoch ${epoch} every dev word is labelled '${label}': the model has collapsed to one label. Try ${tries.join('; ')}.`;
}
