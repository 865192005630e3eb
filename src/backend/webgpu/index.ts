// The WebGPU backend: Dawn through its Node bindings, or a browser's navigator.gpu (platform/gpu.ts).
// device.ts owns the device, buffer pool and queue; kernels.ts the kernel table, pipelines and the
// primitives; fused.ts the fused kernels; loader.ts assembles kernels/**/*.wgsl.
import type { Backend, Storage } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { GpuDevice, type DeviceStats } from './device.js';
import { GpuKernels, type GpuStorage } from './kernels.js';
import { loadKernelSources } from './loader.js';
import { webgpuFused } from './fused.js';

export class WebGpuBackend extends GpuKernels implements Backend {
  readonly name = 'webgpu';
  readonly description = this.gpu.description;
  readonly fused = webgpuFused(this);

  async read(x: Storage): Promise<TypedArray> {
    const s = x as GpuStorage;
    const bytes = await this.gpu.read(s.buffer, s.size * 4);
    return s.dtype === 'i32' ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  liveBuffers(): number {
    return this.live;
  }

  sync(): Promise<void> {
    return this.gpu.sync();
  }

  destroy(): void {
    this.gpu.destroy();
  }

  /** Pool and queue counters (GPU buffers created, pooled; dispatches; submits) and pipelines compiled. */
  stats(): DeviceStats & { pipelines: number } {
    return { ...this.gpu.stats(), pipelines: this.pipelineCount() };
  }
}

export interface WebGpuOptions {
  /** Dawn options passed to `create()` (e.g. 'backend=vulkan', 'enable-dawn-features=…'). */
  dawn?: readonly string[];
}

/** The WebGPU backend, or null when Dawn finds no adapter (no Vulkan driver). */
export async function openWebGpuBackend(opts: WebGpuOptions = {}): Promise<WebGpuBackend | null> {
  const sources = loadKernelSources(); // read the kernels first: a missing file fails before any device work
  const gpu = await GpuDevice.open(opts.dawn ?? []);
  return gpu && new WebGpuBackend(gpu, sources);
}

/** The WebGPU backend; throws when there is no adapter. */
export async function createWebGpuBackend(opts: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const be = await openWebGpuBackend(opts);
  if (!be) throw new Error('webgpu: no WebGPU adapter (without a GPU, install Mesa 25 lavapipe: see docs/backends.md)');
  return be;
}
