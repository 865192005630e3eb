// The WebGPU backend's fused kernels (FusedKernels): sparse-query attention, layerNorm and AdamW, each
// a few dispatches of kernels/attention, kernels/layernorm and kernels/optim. They stay because
// bench/fused.ts shows them faster than their composites on this backend.
import type { AdamWArgs, AttentionArgs, FusedKernels, Storage } from '../backend.js';
import { buf, f32bits, groupsFor, type GpuKernels } from './kernels.js';

// The ops (src/ops) have checked every shape; the sizes here follow from the args.

/** AttentionParams of kernels/attention/attention.wgsl: M, H, heads, S, scale, N. */
function attentionParams(a: AttentionArgs): Uint32Array {
  return new Uint32Array([a.m, a.hidden, a.heads, a.segments, f32bits(a.scale), a.n]);
}

function attention(gk: GpuKernels, q: Storage, k: Storage, v: Storage, segs: Storage, a: AttentionArgs): { out: Storage; probs: Storage } {
  const params = attentionParams(a);
  const out = gk.alloc('attention', q.dtype, a.m * a.hidden);
  const probs = gk.alloc('attention', q.dtype, a.probsSize);
  const s = buf(segs);
  const rowHeads = a.m * a.heads;
  if (rowHeads > 0) {
    // one 64-wide workgroup per (query row, head), then one invocation per context element
    gk.gpu.dispatch('attention probs', gk.pipeline('attentionProbs'), params, [s, buf(q), buf(k), probs.buffer], groupsFor(rowHeads));
    gk.run1d('attentionContext', a.m * a.hidden, params, [s, probs.buffer, buf(v), out.buffer]);
  }
  return { out, probs };
}

function attentionBackward(gk: GpuKernels, dOut: Storage, q: Storage, k: Storage, v: Storage, probs: Storage, segs: Storage, a: AttentionArgs): { dq: Storage; dk: Storage; dv: Storage } {
  const params = attentionParams(a);
  const dq = gk.alloc('attentionBackward', q.dtype, a.m * a.hidden);
  const dk = gk.alloc('attentionBackward', q.dtype, a.n * a.hidden);
  const dv = gk.alloc('attentionBackward', q.dtype, a.n * a.hidden);
  const s = buf(segs);
  const pr = buf(probs);
  // dS (the scaled score gradients) has the layout of the probabilities; freed after the dispatches
  const ds = gk.gpu.acquire(a.probsSize * 4);
  const rowHeads = a.m * a.heads;
  if (rowHeads > 0) {
    gk.gpu.dispatch('attention dscores', gk.pipeline('attentionDscores'), params, [s, pr, buf(dOut), buf(v), ds], groupsFor(rowHeads));
    gk.run1d('attentionDq', a.m * a.hidden, params, [s, ds, buf(k), dq.buffer]);
  }
  // every key row is written (zero where no segment's keys hold it)
  gk.run1d('attentionDk', a.n * a.hidden, params, [s, ds, buf(q), dk.buffer]);
  gk.run1d('attentionDv', a.n * a.hidden, params, [s, pr, buf(dOut), dv.buffer]);
  gk.gpu.release(ds);
  return { dq, dk, dv };
}

function layerNorm(gk: GpuKernels, x: Storage, gamma: Storage, beta: Storage, rows: number, h: number, eps: number): { y: Storage; mean: Storage; rstd: Storage } {
  const y = gk.alloc('layerNorm', x.dtype, rows * h);
  const mean = gk.alloc('layerNorm', x.dtype, rows);
  const rstd = gk.alloc('layerNorm', x.dtype, rows);
  if (rows > 0) {
    // one 64-wide workgroup per row
    const params = new Uint32Array([rows, h, f32bits(eps)]);
    gk.gpu.dispatch('layerNorm', gk.pipeline('layerNorm'), params, [buf(x), buf(gamma), buf(beta), y.buffer, mean.buffer, rstd.buffer], groupsFor(rows));
  }
  return { y, mean, rstd };
}

function layerNormBackward(gk: GpuKernels, dy: Storage, x: Storage, gamma: Storage, mean: Storage, rstd: Storage, rows: number, h: number): { dx: Storage; dgamma: Storage; dbeta: Storage } {
  const dx = gk.alloc('layerNormBackward', x.dtype, rows * h);
  const dgamma = gk.alloc('layerNormBackward', x.dtype, h);
  const dbeta = gk.alloc('layerNormBackward', x.dtype, h);
  const params = new Uint32Array([rows, h, 0]);
  const common = [buf(dy), buf(x), buf(mean), buf(rstd)];
  if (rows > 0) gk.gpu.dispatch('layerNorm dx', gk.pipeline('layerNormDx'), params, [...common, buf(gamma), dx.buffer], groupsFor(rows));
  // column sums over the rows: one invocation per column (zero when there are no rows)
  gk.run1d('layerNormDparams', h, params, [...common, dgamma.buffer, dbeta.buffer]);
  return { dx, dgamma, dbeta };
}

function adamw(gk: GpuKernels, param: Storage, grad: Storage, m: Storage, v: Storage, a: AdamWArgs): void {
  const n = param.size;
  const p = new Uint32Array([n, ...[a.lr, a.beta1, a.beta2, a.eps, 1 - a.lr * a.weightDecay, 1 - a.beta1, 1 - a.beta2, a.bc1, a.bc2].map(f32bits)]);
  gk.run1d('adamw', n, p, [buf(param), buf(grad), buf(m), buf(v)]);
}

/** The fused kernels of a WebGPU backend. */
export function webgpuFused(gk: GpuKernels): FusedKernels {
  return {
    attention: {
      forward: (q, k, v, segs, args) => attention(gk, q, k, v, segs, args),
      backward: (d, q, k, v, probs, segs, args) => attentionBackward(gk, d, q, k, v, probs, segs, args),
    },
    layerNorm: {
      forward: (x, g, b, rows, h, eps) => layerNorm(gk, x, g, b, rows, h, eps),
      backward: (dy, x, g, mean, rstd, rows, h) => layerNormBackward(gk, dy, x, g, mean, rstd, rows, h),
    },
    adamw: (p, g, m, v, a) => {
      adamw(gk, p, g, m, v, a);
      return true;
    },
  };
}
