// Element types. f32 is the default everywhere; f64 exists on the CPU backend for gradient checks;
// i32 holds indices (gather/scatter) and never carries a gradient.
export type DType = 'f32' | 'f64' | 'i32';
export type FloatDType = 'f32' | 'f64';
export type TypedArray = Float32Array | Float64Array | Int32Array;

let f32Allocator: ((size: number) => Float32Array) | null = null;

/**
 * Where allocArray takes f32 arrays from (zero-filled, like `new Float32Array`). The CPU backend
 * points it at its WebAssembly heap while one of its kernels runs, then restores the previous one.
 */
export function setF32Allocator(alloc: ((size: number) => Float32Array) | null): ((size: number) => Float32Array) | null {
  const prev = f32Allocator;
  f32Allocator = alloc;
  return prev;
}

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'f32': return f32Allocator ? f32Allocator(size) : new Float32Array(size);
    case 'f64': return new Float64Array(size);
    case 'i32': return new Int32Array(size);
  }
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'f32' || dtype === 'f64';
}
