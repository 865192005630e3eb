// Public entry point of the tensor framework.
export * from './tensor/tensor.js';
export * from './tensor/create.js';
export * from './tensor/engine.js';
export * from './tensor/random.js';
export * from './tensor/shape.js';
export type { DType, TypedArray } from './backend/dtype.js';
export * as ops from './ops/index.js';
export type { Backend, Storage } from './backend/backend.js';
