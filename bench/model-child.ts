// One model workload on the backend chosen by OFFRAMP_BACKEND (and OFFRAMP_CPU_REF), in its own
// process so every backend starts clean. Prints one JSON line: { backend, ms: [...] }.
//   node dist/bench/model-child.js encoder|train <runs>
import { Bert, fullSegments, type BertConfig } from '../src/nn/bert.js';
import { Linear } from '../src/nn/layers.js';
import { ParamStore } from '../src/nn/module.js';
import { crossEntropy, gatherRows } from '../src/ops/index.js';
import { AdamW } from '../src/optim/adamw.js';
import { fromArray, indices } from '../src/tensor/create.js';
import { init, noGrad, shutdown, tidy } from '../src/tensor/engine.js';
import { Rng } from '../src/tensor/random.js';

const [workload = 'encoder', runsArg = '5'] = process.argv.slice(2);
const runs = Number(runsArg);
const B = 8;
const S = 64;
const T = B * S;

function config(layers: number): BertConfig {
  return { vocabSize: 1000, hidden: 256, layers, heads: 4, ffn: 1024, maxPositions: 128, typeVocabSize: 2, dropout: 0.1, layerNormEps: 1e-12 };
}

function packed(rng: Rng) {
  const ids = Int32Array.from({ length: T }, () => rng.int(1000));
  const pos = Int32Array.from({ length: T }, (_, i) => i % S);
  const cuSeqlens = Int32Array.from({ length: B + 1 }, (_, s) => s * S);
  return { ids, pos, cuSeqlens };
}

async function time(fn: () => Promise<void>): Promise<number[]> {
  await fn(); // warm-up (pipelines, pools, JIT)
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

const be = await init({ log: false });
const rng = new Rng(1);
const store = new ParamStore(rng);
let ms: number[];
if (workload === 'encoder') {
  // one BERT encoder layer forward, H=256, 4 heads, B=8, S=64
  const bert = new Bert(store, config(1));
  const { cuSeqlens } = packed(rng);
  const segs = fullSegments(cuSeqlens);
  const hArr = Float32Array.from({ length: T * 256 }, () => rng.normal());
  const h = fromArray(hArr, [T, 256]).keep();
  ms = await time(async () => {
    const out = noGrad(() => tidy(() => bert.layers[0]!.forward(h, h, segs, null).out));
    await out.data();
    out.dispose();
  });
} else {
  // one training step: 4-layer encoder + 9-label token classifier, forward + backward + AdamW
  const bert = new Bert(store, config(4));
  const head = new Linear(store, 'classifier', 256, 9);
  const { ids, pos, cuSeqlens } = packed(rng);
  const segs = fullSegments(cuSeqlens);
  const labels = Int32Array.from({ length: T }, () => rng.int(9));
  const optim = new AdamW([{ params: [...store.params.values()], lr: 1e-4, weightDecay: 0.01 }]);
  ms = await time(async () => {
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
  });
}
console.log(JSON.stringify({ backend: be.name, description: be.description, ms }));
shutdown();
