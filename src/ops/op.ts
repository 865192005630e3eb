// Shared plumbing for ops: input checks that name the op, and wrapping a kernel's result as a
// tensor that records its gradient rule when recording is on.
import type { Storage } from '../backend/backend.js';
import { isFloat, type DType } from '../backend/dtype.js';
import { backend, isGradEnabled } from '../tensor/engine.js';
import { fmt, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export type Backward = (grad: Tensor) => (Tensor | null)[];

export function result(op: string, storage: Storage, shape: Shape, inputs: readonly Tensor[], rule?: Backward): Tensor {
  return record(new Tensor(storage, shape, backend()), op, inputs, rule);
}

/** Attach the gradient rule to a tensor an op has made (when recording and an input needs grad). */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], rule?: Backward): Tensor {
  if (rule && isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward: rule };
  }
  return out;
}

export function checkFloat(op: string, ...ts: Tensor[]): DType {
  const dtype = ts[0]!.dtype;
  for (const t of ts) {
    if (!isFloat(t.dtype)) throw new TypeError(`${op}: expected a float tensor, got ${t.dtype} ${fmt(t.shape)}`);
    if (t.dtype !== dtype) {
      throw new TypeError(`${op}: dtypes differ: ${ts.map((x) => `${x.dtype} ${fmt(x.shape)}`).join(', ')}`);
    }
    if (t.backend !== ts[0]!.backend) throw new Error(`${op}: tensors live on different backends`);
  }
  return dtype;
}

export function checkIndex(op: string, idx: Tensor): void {
  if (idx.dtype !== 'i32' || idx.rank !== 1) {
    throw new TypeError(`${op}: indices must be a 1-D i32 tensor, got ${idx.dtype} ${fmt(idx.shape)}`);
  }
}
