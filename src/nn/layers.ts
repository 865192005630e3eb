// The basic layers: Linear (y = x Wᵀ + b, W stored [out, in] as PyTorch/Hugging Face) and LayerNorm.
import { add, layerNorm, matmul } from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ParamStore } from './module.js';

export class Linear {
  readonly weight: Tensor; // [out, in]
  readonly bias: Tensor; // [out]

  constructor(store: ParamStore, name: string, inFeatures: number, outFeatures: number) {
    this.weight = store.normal(`${name}.weight`, [outFeatures, inFeatures]);
    this.bias = store.zeros(`${name}.bias`, [outFeatures]);
  }

  forward(x: Tensor): Tensor {
    return add(matmul(x, this.weight, { transB: true }), this.bias); // [rows, out]
  }
}

export class LayerNorm {
  readonly weight: Tensor; // [H] (gamma)
  readonly bias: Tensor; // [H] (beta)

  constructor(store: ParamStore, name: string, hidden: number, readonly eps = 1e-12) {
    this.weight = store.ones(`${name}.weight`, [hidden]);
    this.bias = store.zeros(`${name}.bias`, [hidden]);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
