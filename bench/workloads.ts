// The model workloads of the benchmarks (model-child.ts, profile-child.ts and ../shared/peers'
// side-by-side run): one BERT encoder layer forward (B=8, S=64; H=256 with 4 heads, or BERT-base's
// H=768 with 12) and one training step (4 layers, H=256, 9-label token classifier, AdamW). Each
// returns one step to time; the backend must be initialised first.
import { Bert, fullSegments, type BertConfig } from '../src/nn/bert.js';
import { Linear } from '../src/nn/layers.js';
import { ParamStore } from '../src/nn/module.js';
import { crossEntropy, gatherRows } from '../src/ops/index.js';
import { AdamW } from '../src/optim/adamw.js';
import { fromArray, indices } from '../src/tensor/create.js';
import { noGrad, tidy } from '../src/tensor/engine.js';
import { Rng } from '../src/tensor/random.js';

export type Workload = 'encoder' | 'encoder768' | 'train';
export const workloads: readonly Workload[] = ['encoder', 'encoder768', 'train'];

const B = 8;
const S = 64;
/** tokens per step */
export const T = B * S;

function config(layers: number, hidden: number): BertConfig {
  return { vocabSize: 1000, hidden, layers, heads: hidden / 64, ffn: 4 * hidden, maxPositions: 128, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 };
}

function packed(rng: Rng) {
  const ids = Int32Array.from({ length: T }, () => rng.int(1000));
  const pos = Int32Array.from({ length: T }, (_, i) => i % S);
  const cuSeqlens = Int32Array.from({ length: B + 1 }, (_, s) => s * S);
  return { ids, pos, cuSeqlens };
}

export function makeWorkload(workload: Workload): () => Promise<void> {
  const rng = new Rng(1);
  const store = new ParamStore(rng);
  const { ids, pos, cuSeqlens } = packed(rng);
  const segs = fullSegments(cuSeqlens);
  if (workload !== 'train') {
    const hidden = workload === 'encoder' ? 256 : 768;
    const bert = new Bert(store, config(1, hidden));
    const h = fromArray(Float32Array.from({ length: T * hidden }, () => rng.normal()), [T, hidden]).keep();
    return async () => {
      const out = noGrad(() => tidy(() => bert.layers[0]!.forward(h, h, segs, null).out));
      await out.data();
      out.dispose();
    };
  }
  const bert = new Bert(store, config(4, 256));
  const head = new Linear(store, 'classifier', 256, 9);
  const labels = Int32Array.from({ length: T }, () => rng.int(9));
  const optim = new AdamW([{ params: [...store.params.values()], lr: 1e-4, weightDecay: 0.01 }]);
  return async () => {
    const loss = tidy(() => {
      const d = { p: 0.1, rng };
      let x = bert.embeddings.forward(ids, pos, d); // [T, H]
      for (const layer of bert.layers) x = layer.forward(x, x, segs, d).out;
      const l = crossEntropy(head.forward(gatherRows(x, indices(Int32Array.from({ length: T }, (_, i) => i)))), labels);
      l.backward();
      return l;
    });
    await loss.item();
    loss.dispose();
    optim.update();
    optim.zeroGrad();
  };
}
