// Tensor factories. Random ones take an explicit Rng so every run is reproducible from its seed.
import { allocArray, type DType, type TypedArray } from '../backend/dtype.js';
import { backend } from './engine.js';
import type { Rng } from './random.js';
import { checkShape, fmt, sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

/** A tensor from host values (copied). Shape defaults to 1-D. */
export function tensor(values: ArrayLike<number>, shape: Shape = [values.length], dtype: DType = 'f32'): Tensor {
  checkShape('tensor', shape);
  if (sizeOf(shape) !== values.length) {
    throw new Error(`tensor: ${values.length} values do not fill shape ${fmt(shape)}`);
  }
  const data = allocArray(dtype, values.length);
  data.set(values);
  return fromArray(data, shape);
}

/** Wrap a typed array (taken over by the backend, do not mutate it afterwards). */
export function fromArray(data: TypedArray, shape: Shape = [data.length]): Tensor {
  checkShape('fromArray', shape);
  const be = backend();
  return new Tensor(be.fromArray(data), shape, be);
}

export function scalar(value: number, dtype: DType = 'f32'): Tensor {
  return full([], value, dtype);
}

export function full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  checkShape('full', shape);
  const be = backend();
  return new Tensor(be.fill(dtype, sizeOf(shape), value), shape, be);
}

export function zeros(shape: Shape, dtype: DType = 'f32'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DType = 'f32'): Tensor {
  return full(shape, 1, dtype);
}

/** Integer indices (gather/scatter). */
export function indices(values: ArrayLike<number>): Tensor {
  return tensor(values, [values.length], 'i32');
}

export function randn(shape: Shape, rng: Rng, std = 1, dtype: DType = 'f32'): Tensor {
  const data = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  return fromArray(data, shape);
}

export function uniform(shape: Shape, rng: Rng, lo = 0, hi = 1, dtype: DType = 'f32'): Tensor {
  const data = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.uniform();
  return fromArray(data, shape);
}
