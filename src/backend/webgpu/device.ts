// The WebGPU device, its buffer pool and its command queue (Dawn's Node bindings, `webgpu` on npm, or
// a browser's navigator.gpu: see platform/gpu.ts).
//
// Lifetime (the cause of the native crashes in docs/backends.md): the object returned by `create()`
// owns Dawn's instance. dawn.node keeps polling that instance (ProcessEvents) while any promise is
// pending, but it does not keep the instance alive itself: once JS drops the last reference, V8 may
// collect it and Dawn frees the instance under the live device, and the next poll touches freed
// memory (SIGSEGV in CallbackTaskManager::Flush, "corrupted double-linked list", futex errors).
// So GpuDevice holds the instance, adapter and device strongly until destroy(), which destroys the
// device first and only then lets go of the instance, so a process exits by itself.
import { envVar } from '../../platform/env.js';
import { gpuConstants, gpuImplementation, gpuInstance } from '../../platform/gpu.js';

const G = gpuConstants;
const Usage = G.GPUBufferUsage;
const MapMode = G.GPUMapMode;
/** The shader stage of every binding (compute only). */
export const COMPUTE_STAGE = G.GPUShaderStage.COMPUTE;

/** Dispatches recorded before the queue is submitted without waiting for a readback. */
export const DISPATCHES_PER_SUBMIT = 64;
/** Bytes of parameters (shapes, strides, scalars) one dispatch may use. */
export const PARAM_BYTES = 256;

const debug = (envVar('DEBUG') ?? '') !== '' && envVar('DEBUG') !== '0';

/** Byte sizes are rounded up to a size class (a power of two or 1¼, 1½, 1¾ of one) so buffers get reused. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const quarter = p / 4;
  return p + Math.ceil((bytes - p) / quarter) * quarter;
}

/** A pool of GPU buffers of one usage, keyed by size class. Freed buffers come back only after the
 *  work that may still use them has been submitted (see GpuDevice.release). */
class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  created = 0;
  pooled = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly label: string,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooled--;
      return reused;
    }
    this.created++;
    return this.device.createBuffer({ size, usage: this.usage, label: `${this.label}:${size}` });
  }

  put(buf: GPUBuffer): void {
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
    this.pooled++;
  }

  destroyAll(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
  }
}

export interface DeviceStats {
  /** GPU buffers ever created (storage, params and staging pools together). */
  created: number;
  /** GPU buffers idle in the pools. */
  pooled: number;
  dispatches: number;
  submits: number;
}

export class GpuDevice {
  private instance: GPU | null;
  private adapter: GPUAdapter | null;
  readonly device: GPUDevice;
  readonly description: string;
  /** A software adapter on the CPU (lavapipe, SwiftShader): kernels pick CPU-friendly variants. */
  readonly isCpu: boolean;
  private readonly storagePool: BufferPool;
  private readonly paramPool: BufferPool;
  private readonly stagingPool: BufferPool;
  private readonly paramSlot: number;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private params: GPUBuffer | null = null;
  private readonly paramHost: ArrayBuffer;
  private paramUsed = 0;
  private pendingDispatches = 0;
  /** Buffers released while recorded-but-unsubmitted work may still read them. */
  private readonly pendingRelease: [BufferPool, GPUBuffer][] = [];
  private dispatches = 0;
  private submits = 0;
  private destroyed = false;

  private constructor(instance: GPU, adapter: GPUAdapter, device: GPUDevice, description: string) {
    this.instance = instance;
    this.adapter = adapter;
    this.device = device;
    this.description = description;
    const info = adapter.info;
    this.isCpu = /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
    const storage = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;
    this.storagePool = new BufferPool(device, storage, 'storage');
    this.paramPool = new BufferPool(device, Usage.UNIFORM | Usage.COPY_DST, 'params');
    this.stagingPool = new BufferPool(device, Usage.MAP_READ | Usage.COPY_DST, 'staging');
    const align = device.limits.minUniformBufferOffsetAlignment;
    this.paramSlot = Math.ceil(PARAM_BYTES / align) * align;
    this.paramHost = new ArrayBuffer(DISPATCHES_PER_SUBMIT * this.paramSlot);
  }

  /** Request an adapter and a device; returns null when there is no adapter (no driver). */
  static async open(options: readonly string[] = []): Promise<GpuDevice | null> {
    const instance = gpuInstance(options);
    const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const want = adapter.limits;
    // explicit limits: as much storage per binding and per shader stage as the adapter gives
    const device = await adapter.requestDevice({
      label: 'offramp',
      requiredLimits: {
        maxStorageBufferBindingSize: want.maxStorageBufferBindingSize,
        maxBufferSize: want.maxBufferSize,
        maxStorageBuffersPerShaderStage: Math.min(want.maxStorageBuffersPerShaderStage, 8),
        maxComputeWorkgroupStorageSize: want.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: Math.min(want.maxComputeInvocationsPerWorkgroup, 256),
        maxComputeWorkgroupSizeX: Math.min(want.maxComputeWorkgroupSizeX, 256),
        maxComputeWorkgroupSizeY: Math.min(want.maxComputeWorkgroupSizeY, 256),
      },
    });
    const info = adapter.info;
    const description = `${info.vendor || 'unknown vendor'} ${info.device || info.description || 'adapter'} (${info.architecture || 'webgpu'}), ${gpuImplementation}`;
    const gpu = new GpuDevice(instance, adapter, device, description.replace(/\s+/g, ' ').trim());
    device.addEventListener('uncapturederror', (ev) => {
      console.error(`offramp webgpu: uncaptured error: ${(ev as GPUUncapturedErrorEvent).error.message}`);
    });
    void device.lost.then((info) => {
      if (!gpu.destroyed) console.error(`offramp webgpu: device lost (${info.reason}): ${info.message}`);
    });
    return gpu;
  }

  // ---- buffers ----

  /** A storage buffer of at least `bytes` (at least 4: WebGPU bindings cannot be empty). */
  acquire(bytes: number): GPUBuffer {
    return this.storagePool.acquire(Math.max(bytes, 4));
  }

  /** Give a storage buffer back; it is reused only after the recorded work that may read it is submitted. */
  release(buf: GPUBuffer): void {
    if (this.destroyed) return;
    if (this.encoder) this.pendingRelease.push([this.storagePool, buf]);
    else this.storagePool.put(buf);
  }

  /** Queue-timeline write: work recorded before it must be submitted first if it touches `buf`. */
  write(buf: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    if (data.byteLength > 0) this.device.queue.writeBuffer(buf, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  stats(): DeviceStats {
    const pools = [this.storagePool, this.paramPool, this.stagingPool];
    return {
      created: pools.reduce((n, p) => n + p.created, 0),
      pooled: pools.reduce((n, p) => n + p.pooled, 0),
      dispatches: this.dispatches,
      submits: this.submits,
    };
  }

  // ---- recording ----

  private commandEncoder(): GPUCommandEncoder {
    if (this.destroyed) throw new Error('webgpu: the device has been destroyed');
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /**
   * Record one dispatch. `params` (≤ PARAM_BYTES) is bound at binding 0, `buffers` at firstBinding,
   * firstBinding + 1, …. `label` names the op in DEBUG error reports.
   */
  dispatch(label: string, pipeline: GPUComputePipeline, params: Uint32Array, buffers: readonly GPUBuffer[], groups: readonly [number, number?, number?], firstBinding = 1): void {
    if (params.byteLength > PARAM_BYTES) throw new Error(`webgpu ${label}: ${params.byteLength} bytes of parameters exceed ${PARAM_BYTES}`);
    const encoder = this.commandEncoder();
    if (!this.params) this.params = this.paramPool.acquire(this.paramHost.byteLength);
    const offset = this.paramUsed;
    new Uint32Array(this.paramHost, offset, params.length).set(params);
    this.paramUsed += this.paramSlot;
    if (debug) this.device.pushErrorScope('validation');
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.params, offset, size: PARAM_BYTES } },
        ...buffers.map((buffer, i) => ({ binding: firstBinding + i, resource: { buffer } })),
      ],
    });
    this.pass ??= encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    if (debug) this.reportScope(label);
    this.dispatches++;
    if (++this.pendingDispatches >= DISPATCHES_PER_SUBMIT) this.submit();
  }

  /** Zero a buffer's first `bytes` bytes (recorded in order with the dispatches). */
  clear(buf: GPUBuffer, bytes: number): void {
    if (bytes === 0) return;
    const encoder = this.commandEncoder();
    this.endPass();
    encoder.clearBuffer(buf, 0, Math.ceil(bytes / 4) * 4);
  }

  /** Submit everything recorded so far and recycle what was released meanwhile. */
  submit(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.params) {
      this.device.queue.writeBuffer(this.params, 0, this.paramHost, 0, Math.max(this.paramUsed, 4));
      this.pendingRelease.push([this.paramPool, this.params]);
      this.params = null;
      this.paramUsed = 0;
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pendingDispatches = 0;
    this.submits++;
    for (const [pool, buf] of this.pendingRelease) pool.put(buf);
    this.pendingRelease.length = 0;
  }

  private reportScope(label: string): void {
    void this.device.popErrorScope().then((err) => {
      if (err) console.error(`offramp webgpu: ${label}: ${err.message}`);
    });
  }

  // ---- readback ----

  /** Copy `bytes` of `buf` to a staging buffer, submit, and map it. */
  async read(buf: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    if (bytes === 0) return new ArrayBuffer(0);
    const staging = this.stagingPool.acquire(bytes);
    const encoder = this.commandEncoder();
    this.endPass();
    encoder.copyBufferToBuffer(buf, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.submit();
    if (debug) this.device.pushErrorScope('validation');
    await staging.mapAsync(MapMode.READ, 0, sizeClass(bytes));
    if (debug) this.reportScope('read');
    const out = staging.getMappedRange(0, sizeClass(bytes)).slice(0, bytes);
    staging.unmap();
    if (!this.destroyed) this.stagingPool.put(staging);
    return out;
  }

  /** Wait for all submitted work. */
  async sync(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.submit();
    this.destroyed = true;
    this.storagePool.destroyAll();
    this.paramPool.destroyAll();
    this.stagingPool.destroyAll();
    this.device.destroy();
    // only now may the instance go (see the note at the top of this file)
    this.adapter = null;
    this.instance = null;
  }

  /** For tests: whether the instance is still held (it must be, for as long as the device lives). */
  holdsInstance(): boolean {
    return this.instance !== null && this.adapter !== null;
  }
}
