// The kernel table: which WGSL file and entry point implements each kernel of the Backend interface,
// the pipeline cache (keyed by kernel identity = table entry + override constants, never by shape:
// shapes, strides and scalars travel in the params buffer), and the Kernels implementation that
// packs those params and records dispatches on the GpuDevice.
import type { AdamWArgs, AttentionArgs, BinaryOp, Kernels, MatmulArgs, ReduceOp, Storage, UnaryOp } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { binaryTable, opCode, unaryTable } from '../elementwise.js';
import type { GpuDevice } from './device.js';

/** Every kernel: `kernels/<file>.wgsl`, entry point `entry`. */
export const kernelTable = {
  fill: { file: 'elementwise/fill', entry: 'main' },
  unary: { file: 'elementwise/unary', entry: 'main' },
  binary: { file: 'elementwise/binary', entry: 'main' },
  where: { file: 'elementwise/where', entry: 'main' },
  cast: { file: 'elementwise/cast', entry: 'main' },
  reduceRows: { file: 'reduce/reduce', entry: 'rows' },
  reduceTree: { file: 'reduce/reduce', entry: 'tree' },
  strided: { file: 'movement/strided', entry: 'main' },
  writeStrided: { file: 'movement/write_strided', entry: 'main' },
  matmul: { file: 'matmul/matmul', entry: 'main' },
  matmulDirect: { file: 'matmul/matmul', entry: 'direct' },
  gatherRows: { file: 'gather/gather_rows', entry: 'main' },
  scatterRows: { file: 'gather/scatter_rows', entry: 'main' },
  scatterCount: { file: 'gather/scatter_add_rows', entry: 'count' },
  scatterScan: { file: 'gather/scatter_add_rows', entry: 'scan' },
  scatterFill: { file: 'gather/scatter_add_rows', entry: 'fill' },
  scatterSort: { file: 'gather/scatter_add_rows', entry: 'sort' },
  scatterAccumulate: { file: 'gather/scatter_add_rows', entry: 'accumulate' },
  adamw: { file: 'optim/adamw', entry: 'main' },
  layerNorm: { file: 'layernorm/layernorm', entry: 'forward' },
  layerNormDx: { file: 'layernorm/layernorm', entry: 'dx' },
  layerNormDparams: { file: 'layernorm/layernorm', entry: 'dparams' },
  attentionProbs: { file: 'attention/attention', entry: 'probs' },
  attentionContext: { file: 'attention/attention', entry: 'context' },
  attentionDscores: { file: 'attention/attention', entry: 'dscores' },
  attentionDq: { file: 'attention/attention', entry: 'dq' },
  attentionDk: { file: 'attention/attention', entry: 'dk' },
  attentionDv: { file: 'attention/attention', entry: 'dv' },
} as const satisfies Record<string, { file: string; entry: string }>;
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

function buf(s: Storage): GPUBuffer {
  const g = s as GpuStorage;
  if (!(g instanceof GpuStorage)) throw new Error('webgpu: storage belongs to another backend');
  if (g.freed) throw new Error('webgpu: storage used after free');
  return g.buffer;
}

/** f64 cannot live on the device: say so, naming the op. */
export function checkDtype(op: string, dtype: DType): void {
  if (dtype === 'f64') throw new TypeError(`webgpu ${op}: f64 is not supported by the WebGPU backend (use the cpu backend for f64)`);
}

const f32bits = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;

/** Workgroup counts covering n invocations of a 256-wide 1-D kernel (2-D past the 65535 limit). */
function groups1d(n: number): [number, number] {
  return groupsFor(Math.ceil(n / WG));
}

/** `g` workgroups as a 2-D grid (x ≤ 65535); kernels flatten it as wid.x + wid.y·nwg.x. */
function groupsFor(g: number): [number, number] {
  const x = Math.min(g, 65535);
  return [x, Math.ceil(g / x)];
}

/**
 * Merge adjacent axes that are contiguous in every operand and drop size-1 axes, so a rank-7 view
 * of a contiguous tensor becomes rank 1. Returns the shape and one stride list per operand.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last]! *= size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

function layoutParams(op: string, head: number[], shape: readonly number[], strides: readonly (readonly number[])[]): Uint32Array {
  const c = coalesce(shape, strides);
  if (c.shape.length > MAX_RANK) throw new Error(`webgpu ${op}: rank ${c.shape.length} after merging contiguous axes exceeds ${MAX_RANK}`);
  const p = new Uint32Array(head.length + 2 + MAX_RANK * (1 + strides.length));
  p.set(head);
  const base = head.length;
  // layout: [...head, rank, shape[8], strides0[8], strides1[8], ...]; callers put n first
  p[base] = c.shape.length;
  p.set(c.shape, base + 1);
  c.strides.forEach((s, k) => p.set(s, base + 1 + MAX_RANK * (k + 1)));
  return p.subarray(0, base + 1 + MAX_RANK * (1 + strides.length));
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
    p = this.gpu.device.createComputePipeline({ layout: 'auto', label: key, compute: { module, entryPoint: entry, constants } });
    this.pipelines.set(key, p);
    return p;
  }

  pipelineCount(): number {
    return this.pipelines.size;
  }

  private alloc(op: string, dtype: DType, size: number): GpuStorage {
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

  private run1d(id: KernelId, n: number, params: Uint32Array, buffers: GPUBuffer[], constants: Record<string, number> = {}, firstBinding = 1): void {
    if (n === 0) return;
    this.gpu.dispatch(id, this.pipeline(id, constants), params, buffers, groups1d(n), firstBinding);
  }

  fromArray(data: TypedArray): Storage {
    const dtype: DType = data instanceof Float64Array ? 'f64' : data instanceof Int32Array ? 'i32' : 'f32';
    const out = this.alloc('fromArray', dtype, data.length);
    this.gpu.write(out.buffer, data);
    return out;
  }

  fill(dtype: DType, size: number, value: number): Storage {
    const out = this.alloc('fill', dtype, size);
    if (value === 0) this.gpu.clear(out.buffer, size * 4);
    else {
      const bits = dtype === 'i32' ? value | 0 : f32bits(value);
      this.run1d('fill', size, new Uint32Array([size, bits]), [out.buffer]);
    }
    return out;
  }

  unary(op: UnaryOp, x: Storage, param: number): Storage {
    const out = this.alloc(op, x.dtype, x.size);
    this.run1d('unary', x.size, new Uint32Array([x.size, f32bits(param)]), [buf(x), out.buffer], { OP: opCode(unaryTable, op) });
    return out;
  }

  binary(op: BinaryOp, a: Storage, b: Storage, outShape: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): Storage {
    const n = outShape.reduce((p, d) => p * d, 1);
    const out = this.alloc(op, a.dtype, n);
    const params = layoutParams(op, [n], outShape, [aStrides, bStrides]);
    this.run1d('binary', n, params, [buf(a), buf(b), out.buffer], { OP: opCode(binaryTable, op) });
    return out;
  }

  where(cond: Storage, a: Storage, b: Storage, outShape: readonly number[], cs: readonly number[], as: readonly number[], bs: readonly number[]): Storage {
    const n = outShape.reduce((p, d) => p * d, 1);
    const out = this.alloc('where', a.dtype, n);
    this.run1d('where', n, layoutParams('where', [n], outShape, [cs, as, bs]), [buf(cond), buf(a), buf(b), out.buffer]);
    return out;
  }

  reduce(op: ReduceOp, x: Storage, outer: number, n: number, inner: number): Storage {
    const outputs = outer * inner;
    const out = this.alloc(op, x.dtype, outputs);
    if (outputs === 0) return out;
    const params = new Uint32Array([outputs, n, inner]);
    const constants = { OP: reduceCodes[op] };
    if (n >= TREE_MIN_N && outputs <= TREE_MAX_OUTPUTS) {
      const gx = Math.min(outputs, 65535);
      this.gpu.dispatch(`reduce ${op}`, this.pipeline('reduceTree', constants), params, [buf(x), out.buffer], [gx, Math.ceil(outputs / gx)]);
    } else {
      this.run1d('reduceRows', outputs, params, [buf(x), out.buffer], constants);
    }
    return out;
  }

  strided(x: Storage, outShape: readonly number[], strides: readonly number[], offset: number): Storage {
    const n = outShape.reduce((p, d) => p * d, 1);
    const out = this.alloc('strided', x.dtype, n);
    this.run1d('strided', n, this.movementParams('strided', n, outShape, strides, offset), [buf(x), out.buffer]);
    return out;
  }

  writeStrided(dst: Storage, x: Storage, xShape: readonly number[], strides: readonly number[], offset: number): void {
    const n = xShape.reduce((p, d) => p * d, 1);
    this.run1d('writeStrided', n, this.movementParams('writeStrided', n, xShape, strides, offset), [buf(x), buf(dst)]);
  }

  /** [n, rank, offset, shape[8], strides[8]] */
  private movementParams(op: string, n: number, shape: readonly number[], strides: readonly number[], offset: number): Uint32Array {
    const c = coalesce(shape, [strides]);
    if (c.shape.length > MAX_RANK) throw new Error(`webgpu ${op}: rank ${c.shape.length} after merging contiguous axes exceeds ${MAX_RANK}`);
    const p = new Uint32Array(3 + 2 * MAX_RANK);
    p[0] = n;
    p[1] = c.shape.length;
    p[2] = offset;
    p.set(c.shape, 3);
    p.set(c.strides[0]!, 3 + MAX_RANK);
    return p;
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
    const out = this.alloc('gatherRows', x.dtype, nIdx * cols);
    const rows = cols === 0 ? 0 : x.size / cols;
    this.run1d('gatherRows', nIdx * cols, new Uint32Array([nIdx * cols, cols, rows]), [buf(x), buf(idx), out.buffer]);
    return out;
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
    const out = this.alloc('scatterRows', dst.dtype, dst.size);
    this.run1d('strided', dst.size, this.movementParams('scatterRows', dst.size, [dst.size], [1], 0), [buf(dst), out.buffer]);
    this.run1d('scatterRows', nIdx * cols, new Uint32Array([nIdx * cols, cols, cols === 0 ? 0 : dst.size / cols]), [buf(src), buf(idx), out.buffer]);
    return out;
  }

  cast(x: Storage, dtype: DType): Storage {
    checkDtype('cast', dtype);
    const out = this.alloc('cast', dtype, x.size);
    if (x.dtype === dtype) {
      this.run1d('strided', x.size, this.movementParams('cast', x.size, [x.size], [1], 0), [buf(x), out.buffer]);
    } else {
      this.run1d('cast', x.size, new Uint32Array([x.size]), [buf(x), out.buffer], { TO_INT: dtype === 'i32' ? 1 : 0 });
    }
    return out;
  }

  /** attention params: [M, H, heads, S, scale (f32 bits), N] (kernels/attention/attention.wgsl). */
  private attentionParams(op: string, q: Storage, k: Storage, v: Storage, segs: Storage, a: AttentionArgs): Uint32Array {
    const { m, n, hidden: h, heads, segments } = a;
    if (!Number.isInteger(heads) || heads < 1 || h % heads !== 0) throw new Error(`webgpu ${op}: hidden ${h} is not divisible by ${heads} heads`);
    if (q.size !== m * h || k.size !== n * h || v.size !== n * h || segs.size !== segments * 5 || segs.dtype !== 'i32') {
      throw new Error(`webgpu ${op}: storages (q ${q.size}, k ${k.size}, v ${v.size}, segs ${segs.size} ${segs.dtype}) do not match ${JSON.stringify(a)}`);
    }
    return new Uint32Array([m, h, heads, segments, f32bits(a.scale), n]);
  }

  attention(q: Storage, k: Storage, v: Storage, segs: Storage, a: AttentionArgs): { out: Storage; probs: Storage } {
    const params = this.attentionParams('attention', q, k, v, segs, a);
    const out = this.alloc('attention', q.dtype, a.m * a.hidden);
    const probs = this.alloc('attention', q.dtype, a.probsSize);
    const s = buf(segs);
    const rowHeads = a.m * a.heads;
    if (rowHeads > 0) {
      // one 64-wide workgroup per (query row, head), then one invocation per context element
      this.gpu.dispatch('attention probs', this.pipeline('attentionProbs'), params, [s, buf(q), buf(k), probs.buffer], groupsFor(rowHeads));
      this.run1d('attentionContext', a.m * a.hidden, params, [s, probs.buffer, buf(v), out.buffer]);
    }
    return { out, probs };
  }

  attentionBackward(dOut: Storage, q: Storage, k: Storage, v: Storage, probs: Storage, segs: Storage, a: AttentionArgs): { dq: Storage; dk: Storage; dv: Storage } {
    const params = this.attentionParams('attentionBackward', q, k, v, segs, a);
    if (dOut.size !== a.m * a.hidden || probs.size !== a.probsSize) {
      throw new Error(`webgpu attentionBackward: dOut ${dOut.size} / probs ${probs.size} do not match ${JSON.stringify(a)}`);
    }
    const dq = this.alloc('attentionBackward', q.dtype, a.m * a.hidden);
    const dk = this.alloc('attentionBackward', q.dtype, a.n * a.hidden);
    const dv = this.alloc('attentionBackward', q.dtype, a.n * a.hidden);
    const s = buf(segs);
    const pr = buf(probs);
    // dS (the scaled score gradients) has the layout of the probabilities; freed after the dispatches
    const ds = this.gpu.acquire(a.probsSize * 4);
    const rowHeads = a.m * a.heads;
    if (rowHeads > 0) {
      this.gpu.dispatch('attention dscores', this.pipeline('attentionDscores'), params, [s, pr, buf(dOut), buf(v), ds], groupsFor(rowHeads));
      this.run1d('attentionDq', a.m * a.hidden, params, [s, ds, buf(k), dq.buffer]);
    }
    // every key row is written (zero where no segment's keys hold it)
    this.run1d('attentionDk', a.n * a.hidden, params, [s, ds, buf(q), dk.buffer]);
    this.run1d('attentionDv', a.n * a.hidden, params, [s, pr, buf(dOut), dv.buffer]);
    this.gpu.release(ds);
    return { dq, dk, dv };
  }

  layerNorm(x: Storage, gamma: Storage, beta: Storage, rows: number, h: number, eps: number): { y: Storage; mean: Storage; rstd: Storage } {
    if (x.size !== rows * h || gamma.size !== h || beta.size !== h) throw new Error(`webgpu layerNorm: x ${x.size}, gamma ${gamma.size}, beta ${beta.size} do not match [${rows}, ${h}]`);
    const y = this.alloc('layerNorm', x.dtype, rows * h);
    const mean = this.alloc('layerNorm', x.dtype, rows);
    const rstd = this.alloc('layerNorm', x.dtype, rows);
    if (rows > 0) {
      // one 64-wide workgroup per row
      const params = new Uint32Array([rows, h, f32bits(eps)]);
      this.gpu.dispatch('layerNorm', this.pipeline('layerNorm'), params, [buf(x), buf(gamma), buf(beta), y.buffer, mean.buffer, rstd.buffer], groupsFor(rows));
    }
    return { y, mean, rstd };
  }

  layerNormBackward(dy: Storage, x: Storage, gamma: Storage, mean: Storage, rstd: Storage, rows: number, h: number): { dx: Storage; dgamma: Storage; dbeta: Storage } {
    if (dy.size !== rows * h || x.size !== rows * h || gamma.size !== h || mean.size !== rows || rstd.size !== rows) {
      throw new Error(`webgpu layerNormBackward: dy ${dy.size}, x ${x.size}, gamma ${gamma.size}, mean ${mean.size}, rstd ${rstd.size} do not match [${rows}, ${h}]`);
    }
    const dx = this.alloc('layerNormBackward', x.dtype, rows * h);
    const dgamma = this.alloc('layerNormBackward', x.dtype, h);
    const dbeta = this.alloc('layerNormBackward', x.dtype, h);
    const params = new Uint32Array([rows, h, 0]);
    const common = [buf(dy), buf(x), buf(mean), buf(rstd)];
    if (rows > 0) this.gpu.dispatch('layerNorm dx', this.pipeline('layerNormDx'), params, [...common, buf(gamma), dx.buffer], groupsFor(rows));
    // column sums over the rows: one invocation per column (zero when there are no rows)
    this.run1d('layerNormDparams', h, params, [...common, dgamma.buffer, dbeta.buffer]);
    return { dx, dgamma, dbeta };
  }

  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, a: AdamWArgs): void {
    const n = param.size;
    const p = new Uint32Array([n, ...[a.lr, a.beta1, a.beta2, a.eps, 1 - a.lr * a.weightDecay, 1 - a.beta1, 1 - a.beta2, a.bc1, a.bc2].map(f32bits)]);
    this.run1d('adamw', n, p, [buf(param), buf(grad), buf(m), buf(v)]);
  }
}
