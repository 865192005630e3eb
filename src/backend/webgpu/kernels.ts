// The kernel table: which WGSL file and entry point implements each kernel of the Backend interface,
// the pipeline cache (keyed by kernel identity = table entry + override constants, never by shape:
// shapes, strides and scalars travel in the params buffer), and the Kernels implementation that
// packs those params and records dispatches on the GpuDevice.
import type { BinaryOp, Kernels, MatmulArgs, ReduceOp, Storage, UnaryOp } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { binaryTable, opCode, unaryTable } from '../elementwise.js';
import { coalesce, sizeOf } from '../layout.js';
import { COMPUTE_STAGE, type GpuDevice } from './device.js';

/**
 * Every kernel: `kernels/<file>.wgsl`, entry point `entry`, and its bind group layout: the uniform
 * params struct at binding 0, then `buffers` from binding `first` (default 1), 'r' read-only or 'w'
 * read-write storage.
 */
export const kernelTable = {
  fill: { file: 'elementwise/fill', entry: 'main', buffers: 'w' },
  unary: { file: 'elementwise/unary', entry: 'main', buffers: 'rw' },
  binary: { file: 'elementwise/binary', entry: 'main', buffers: 'rrw' },
  where: { file: 'elementwise/where', entry: 'main', buffers: 'rrrw' },
  cast: { file: 'elementwise/cast', entry: 'main', buffers: 'rw' },
  reduceRows: { file: 'reduce/reduce', entry: 'rows', buffers: 'rw' },
  reduceTree: { file: 'reduce/reduce', entry: 'tree', buffers: 'rw' },
  strided: { file: 'movement/strided', entry: 'main', buffers: 'rw' },
  writeStrided: { file: 'movement/write_strided', entry: 'main', buffers: 'rw' },
  matmul: { file: 'matmul/matmul', entry: 'main', buffers: 'rrw' },
  matmulDirect: { file: 'matmul/matmul', entry: 'direct', buffers: 'rrw' },
  gatherRows: { file: 'gather/gather_rows', entry: 'main', buffers: 'rrw' },
  scatterRows: { file: 'gather/scatter_rows', entry: 'main', buffers: 'rrw' },
  scatterCount: { file: 'gather/scatter_add_rows', entry: 'count', buffers: 'rw' },
  scatterScan: { file: 'gather/scatter_add_rows', entry: 'scan', buffers: 'rw', first: 2 },
  scatterFill: { file: 'gather/scatter_add_rows', entry: 'fill', buffers: 'rwrw' },
  scatterSort: { file: 'gather/scatter_add_rows', entry: 'sort', buffers: 'rw', first: 3 },
  scatterAccumulate: { file: 'gather/scatter_add_rows', entry: 'accumulate', buffers: 'rrrw', first: 3 },
  adamw: { file: 'optim/adamw', entry: 'main', buffers: 'wrww' },
  layerNorm: { file: 'layernorm/layernorm', entry: 'forward', buffers: 'rrrwww' },
  layerNormDx: { file: 'layernorm/layernorm', entry: 'dx', buffers: 'rrrrrw' },
  layerNormDparams: { file: 'layernorm/layernorm', entry: 'dparams', buffers: 'rrrrww' },
  attentionProbs: { file: 'attention/attention', entry: 'probs', buffers: 'rrrw' },
  attentionContext: { file: 'attention/attention', entry: 'context', buffers: 'rrrw' },
  attentionDscores: { file: 'attention/attention', entry: 'dscores', buffers: 'rrrrw' },
  attentionDq: { file: 'attention/attention', entry: 'dq', buffers: 'rrrw' },
  attentionDk: { file: 'attention/attention', entry: 'dk', buffers: 'rrrw' },
  attentionDv: { file: 'attention/attention', entry: 'dv', buffers: 'rrrw' },
} as const satisfies Record<string, { file: string; entry: string; buffers: string; first?: number }>;
export type KernelId = keyof typeof kernelTable;

/** Op codes of the `OP` override constant in reduce.wgsl (unary and binary: opCode, the table order). */
const reduceCodes: Record<ReduceOp, number> = { sum: 0, max: 1 };

/** Largest rank the strided kernels take after merging contiguous axes (params hold 8 per operand). */
export const MAX_RANK = 8;
const WG = 256;
/** reduce: a workgroup per output once the reduced axis is this long and there are few outputs. */
const TREE_MIN_N = 256;
const TREE_MAX_OUTPUTS = 4096;

export class GpuStorage implements Storage {
  freed = false;
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly buffer: GPUBuffer,
  ) {}
}

export function buf(s: Storage): GPUBuffer {
  const g = s as GpuStorage;
  if (!(g instanceof GpuStorage)) throw new Error('webgpu: storage belongs to another backend');
  if (g.freed) throw new Error('webgpu: storage used after free');
  return g.buffer;
}

/** f64 cannot live on the device: say so, naming the op. */
export function checkDtype(op: string, dtype: DType): void {
  if (dtype === 'f64') throw new TypeError(`webgpu ${op}: f64 is not supported by the WebGPU backend (use the cpu backend for f64)`);
}

export const f32bits = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;

/** Workgroup counts covering n invocations of a 256-wide 1-D kernel (2-D past the 65535 limit). */
function groups1d(n: number): [number, number] {
  return groupsFor(Math.ceil(n / WG));
}

/** `g` workgroups as a 2-D grid (x ≤ 65535); kernels flatten it as wid.x + wid.y·nwg.x. */
export function groupsFor(g: number): [number, number] {
  const x = Math.min(g, 65535);
  return [x, Math.ceil(g / x)];
}

/**
 * The params of the strided kernels (binary, where, strided, writeStrided): the scalar fields `head`,
 * then rank, padded to the 16-byte boundary where the struct's arrays begin; then the merged shape
 * and one stride list per operand, 8 words each (see the structs in kernels/elementwise, movement).
 */
function layoutParams(op: string, head: number[], shape: readonly number[], strides: readonly (readonly number[])[]): Uint32Array {
  const c = coalesce(shape, strides);
  if (c.shape.length > MAX_RANK) throw new Error(`webgpu ${op}: rank ${c.shape.length} after merging contiguous axes exceeds ${MAX_RANK}`);
  const base = Math.ceil((head.length + 1) / 4) * 4;
  const p = new Uint32Array(base + MAX_RANK * (1 + strides.length));
  p.set([head[0]!, c.shape.length, ...head.slice(1)]);
  p.set(c.shape, base);
  c.strides.forEach((s, k) => p.set(s, base + MAX_RANK * (k + 1)));
  return p;
}

export class GpuKernels implements Kernels {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  live = 0;
  /** Which matmul entry point runs: workgroup-memory tiles on GPUs, direct reads on CPU adapters. */
  matmulVariant: 'tiled' | 'direct';

  constructor(
    readonly gpu: GpuDevice,
    private readonly sources: ReadonlyMap<string, string>,
  ) {
    this.matmulVariant = gpu.isCpu ? 'direct' : 'tiled';
    const missing = Object.entries(kernelTable).filter(([, k]) => !sources.has(k.file));
    if (missing.length) {
      throw new Error(`webgpu: missing kernel files: ${missing.map(([id, k]) => `${id} (kernels/${k.file}.wgsl)`).join(', ')}`);
    }
  }

  /** The compiled pipeline of a kernel with these override constants (cached by identity). */
  pipeline(id: KernelId, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = `${id}|${Object.keys(constants).sort().map((k) => `${k}=${constants[k]}`).join(',')}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    const { file, entry } = kernelTable[id];
    let module = this.modules.get(file);
    if (!module) {
      const code = this.sources.get(file);
      if (code === undefined) throw new Error(`webgpu: kernel ${id}: kernels/${file}.wgsl was not loaded`);
      module = this.gpu.device.createShaderModule({ code, label: file });
      this.modules.set(file, module);
    }
    p = this.gpu.device.createComputePipeline({ layout: this.layout(id), label: key, compute: { module, entryPoint: entry, constants } });
    this.pipelines.set(key, p);
    return p;
  }

  /** The explicit pipeline layout of a kernel (kernelTable's `buffers`). */
  private layout(id: KernelId): GPUPipelineLayout {
    const k: { buffers: string; first?: number } = kernelTable[id];
    const device = this.gpu.device;
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } },
      ...[...k.buffers].map((a, i): GPUBindGroupLayoutEntry => ({
        binding: (k.first ?? 1) + i, visibility: COMPUTE_STAGE, buffer: { type: a === 'r' ? 'read-only-storage' : 'storage' },
      })),
    ];
    return device.createPipelineLayout({ bindGroupLayouts: [device.createBindGroupLayout({ entries, label: id })] });
  }

  pipelineCount(): number {
    return this.pipelines.size;
  }

  alloc(op: string, dtype: DType, size: number): GpuStorage {
    checkDtype(op, dtype);
    const limit = this.gpu.device.limits.maxStorageBufferBindingSize;
    if (size * 4 > limit) throw new RangeError(`webgpu ${op}: ${size * 4} bytes exceed the device's maxStorageBufferBindingSize (${limit})`);
    this.live++;
    return new GpuStorage(dtype, size, this.gpu.acquire(size * 4));
  }

  free(x: Storage): void {
    const g = x as GpuStorage;
    if (g.freed) throw new Error('webgpu: storage freed twice');
    g.freed = true;
    this.live--;
    this.gpu.release(g.buffer);
  }

  run1d(id: KernelId, n: number, params: Uint32Array, buffers: GPUBuffer[], constants: Record<string, number> = {}, firstBinding = 1): void {
    if (n === 0) return;
    this.gpu.dispatch(id, this.pipeline(id, constants), params, buffers, groups1d(n), firstBinding);
  }

  /** A kernel whose last binding is one new output of n elements: allocate it, dispatch over n, return it. */
  private produce(id: KernelId, op: string, dtype: DType, n: number, params: Uint32Array, inputs: Storage[], constants: Record<string, number> = {}): GpuStorage {
    const out = this.alloc(op, dtype, n);
    this.run1d(id, n, params, [...inputs.map(buf), out.buffer], constants);
    return out;
  }

  fromArray(data: TypedArray): Storage {
    const dtype: DType = data instanceof Float64Array ? 'f64' : data instanceof Int32Array ? 'i32' : 'f32';
    const out = this.alloc('fromArray', dtype, data.length);
    this.gpu.write(out.buffer, data);
    return out;
  }

  writeArray(dst: Storage, data: TypedArray, offset: number): void {
    this.gpu.submit(); // a recorded fill or kernel on dst must land before the write, not after it
    this.gpu.write(buf(dst), data, offset * 4);
  }

  fill(dtype: DType, size: number, value: number): Storage {
    if (value !== 0) return this.produce('fill', 'fill', dtype, size, new Uint32Array([size, dtype === 'i32' ? value | 0 : f32bits(value)]), []);
    const out = this.alloc('fill', dtype, size);
    this.gpu.clear(out.buffer, size * 4);
    return out;
  }

  unary(op: UnaryOp, x: Storage, param: number): Storage {
    return this.produce('unary', op, x.dtype, x.size, new Uint32Array([x.size, f32bits(param)]), [x], { OP: opCode(unaryTable, op) });
  }

  binary(op: BinaryOp, a: Storage, b: Storage, outShape: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): Storage {
    const n = sizeOf(outShape);
    return this.produce('binary', op, a.dtype, n, layoutParams(op, [n], outShape, [aStrides, bStrides]), [a, b], { OP: opCode(binaryTable, op) });
  }

  where(cond: Storage, a: Storage, b: Storage, outShape: readonly number[], cs: readonly number[], as: readonly number[], bs: readonly number[]): Storage {
    const n = sizeOf(outShape);
    return this.produce('where', 'where', a.dtype, n, layoutParams('where', [n], outShape, [cs, as, bs]), [cond, a, b]);
  }

  reduce(op: ReduceOp, x: Storage, outer: number, n: number, inner: number): Storage {
    const outputs = outer * inner;
    const params = new Uint32Array([outputs, n, inner]);
    const constants = { OP: reduceCodes[op] };
    if (n < TREE_MIN_N || outputs > TREE_MAX_OUTPUTS || outputs === 0) return this.produce('reduceRows', op, x.dtype, outputs, params, [x], constants);
    // a workgroup per output
    const out = this.alloc(op, x.dtype, outputs);
    this.gpu.dispatch(`reduce ${op}`, this.pipeline('reduceTree', constants), params, [buf(x), out.buffer], groupsFor(outputs));
    return out;
  }

  /** StridedParams (kernels/movement): n, rank, offset, then the merged shape and strides. */
  strided(x: Storage, outShape: readonly number[], strides: readonly number[], offset: number): Storage {
    const n = sizeOf(outShape);
    return this.produce('strided', 'strided', x.dtype, n, layoutParams('strided', [n, offset], outShape, [strides]), [x]);
  }

  writeStrided(dst: Storage, x: Storage, xShape: readonly number[], strides: readonly number[], offset: number): void {
    const n = sizeOf(xShape);
    this.run1d('writeStrided', n, layoutParams('writeStrided', [n, offset], xShape, [strides]), [buf(x), buf(dst)]);
  }

  matmul(a: Storage, b: Storage, args: MatmulArgs): Storage {
    const { batch, m, k, n } = args;
    const out = this.alloc('matmul', a.dtype, batch * m * n);
    if (batch * m * n === 0) return out;
    if (batch > 65535) throw new Error(`webgpu matmul: batch ${batch} exceeds 65535`);
    const params = new Uint32Array([m, k, n, batch, args.aBatchStride, args.bBatchStride]);
    const constants = { TRANS_A: args.transA ? 1 : 0, TRANS_B: args.transB ? 1 : 0 };
    const tile = this.matmulVariant === 'direct' ? 32 : 64;
    const pipe = this.pipeline(this.matmulVariant === 'direct' ? 'matmulDirect' : 'matmul', constants);
    this.gpu.dispatch('matmul', pipe, params, [buf(a), buf(b), out.buffer], [Math.ceil(n / tile), Math.ceil(m / tile), batch]);
    return out;
  }

  gatherRows(x: Storage, idx: Storage, nIdx: number, cols: number): Storage {
    const rows = cols === 0 ? 0 : x.size / cols;
    return this.produce('gatherRows', 'gatherRows', x.dtype, nIdx * cols, new Uint32Array([nIdx * cols, cols, rows]), [x, idx]);
  }

  scatterAddRows(src: Storage, idx: Storage, nIdx: number, rows: number, cols: number): Storage {
    const out = this.alloc('scatterAddRows', src.dtype, rows * cols);
    if (rows * cols === 0) return out;
    const g = this.gpu;
    const params = new Uint32Array([nIdx, rows, cols]);
    const cnt = g.acquire(rows * 4);
    const off = g.acquire((rows + 1) * 4);
    const list = g.acquire(nIdx * 4);
    const ix = buf(idx);
    // bindings: 1 IDX, 2 CNT, 3 OFF, 4 LIST, 5 SRC, 6 Y; each entry point uses a consecutive run
    g.clear(cnt, rows * 4);
    this.run1d('scatterCount', nIdx, params, [ix, cnt], {}, 1);
    g.dispatch('scatterScan', this.pipeline('scatterScan'), params, [cnt, off], [1], 2);
    g.clear(cnt, rows * 4);
    this.run1d('scatterFill', nIdx, params, [ix, cnt, off, list], {}, 1);
    this.run1d('scatterSort', rows, params, [off, list], {}, 3);
    this.run1d('scatterAccumulate', rows * cols, params, [off, list, buf(src), out.buffer], {}, 3);
    g.release(cnt);
    g.release(off);
    g.release(list);
    return out;
  }

  scatterRows(dst: Storage, src: Storage, idx: Storage, nIdx: number, cols: number): Storage {
    const out = this.strided(dst, [dst.size], [1], 0) as GpuStorage;
    this.run1d('scatterRows', nIdx * cols, new Uint32Array([nIdx * cols, cols, cols === 0 ? 0 : dst.size / cols]), [buf(src), buf(idx), out.buffer]);
    return out;
  }

  cast(x: Storage, dtype: DType): Storage {
    checkDtype('cast', dtype);
    if (x.dtype === dtype) return this.strided(x, [x.size], [1], 0);
    return this.produce('cast', 'cast', dtype, x.size, new Uint32Array([x.size]), [x], { TO_INT: dtype === 'i32' ? 1 : 0 });
  }
}
