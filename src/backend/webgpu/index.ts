// The WebGPU backend: Dawn through its Node bindings, or a browser's navigator.gpu (platform/gpu.ts).
// device.ts owns the device, buffer pool and queue; kernels.ts the kernel table and pipelines;
// loader.ts assembles kernels/**/*.wgsl.
import type { Backend, Storage } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { GpuDevice, type DeviceStats } from './device.js';
import { GpuKernels, GpuStorage } from './kernels.js';
import { loadKernelSources } from './loader.js';
import { webgpuFused } from './fused.js';

export interface WebGpuBackend extends Backend {
  readonly gpu: GpuDevice;
  readonly kernels: GpuKernels;
  /** Pool and queue counters (GPU buffers created, pooled; dispatches; submits). */
  stats(): DeviceStats & { pipelines: number };
}

export interface WebGpuOptions {
  /** Dawn options passed to `create()` (e.g. 'backend=vulkan', 'enable-dawn-features=…'). */
  dawn?: readonly string[];
}

/** The WebGPU backend, or null when Dawn finds no adapter (no Vulkan driver). */
export async function openWebGpuBackend(opts: WebGpuOptions = {}): Promise<WebGpuBackend | null> {
  const sources = loadKernelSources(); // read the kernels first: a missing file fails before any device work
  const gpu = await GpuDevice.open(opts.dawn ?? []);
  if (!gpu) return null;
  const k = new GpuKernels(gpu, sources);
  return {
    name: 'webgpu',
    description: gpu.description,
    gpu,
    kernels: k,
    fromArray: (d) => k.fromArray(d),
    fill: (dt, n, v) => k.fill(dt, n, v),
    unary: (op, x, p) => k.unary(op, x, p),
    binary: (op, a, b, s, as, bs) => k.binary(op, a, b, s, as, bs),
    where: (c, a, b, s, cs, as, bs) => k.where(c, a, b, s, cs, as, bs),
    reduce: (op, x, o, n, i) => k.reduce(op, x, o, n, i),
    strided: (x, s, st, off) => k.strided(x, s, st, off),
    writeStrided: (d, x, s, st, off) => k.writeStrided(d, x, s, st, off),
    matmul: (a, b, args) => k.matmul(a, b, args),
    gatherRows: (x, idx, n, c) => k.gatherRows(x, idx, n, c),
    scatterAddRows: (s, idx, n, r, c) => k.scatterAddRows(s, idx, n, r, c),
    cast: (x, dt) => k.cast(x, dt),
    scatterRows: (d, s, idx, n, c) => k.scatterRows(d, s, idx, n, c),
    fused: webgpuFused(k),
    read: async (x: Storage): Promise<TypedArray> => {
      const s = x as GpuStorage;
      const bytes = await gpu.read(s.buffer, s.size * 4);
      return s.dtype === 'i32' ? new Int32Array(bytes) : new Float32Array(bytes);
    },
    free: (x) => k.free(x),
    liveBuffers: () => k.live,
    sync: () => gpu.sync(),
    destroy: () => gpu.destroy(),
    stats: () => ({ ...gpu.stats(), pipelines: k.pipelineCount() }),
  };
}

/** The WebGPU backend; throws when there is no adapter. */
export async function createWebGpuBackend(opts: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const be = await openWebGpuBackend(opts);
  if (!be) throw new Error('webgpu: no WebGPU adapter (without a GPU, install Mesa 25 lavapipe: see docs/backends.md)');
  return be;
}
