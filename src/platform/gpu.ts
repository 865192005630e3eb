// The WebGPU entry point (Node): Dawn's bindings from the `webgpu` package. The browser build swaps in
// browser/gpu.ts (navigator.gpu).
import { create, globals } from 'webgpu';

/** GPUBufferUsage, GPUMapMode and GPUShaderStage. */
export const gpuConstants = globals as { GPUBufferUsage: GPUBufferUsage; GPUMapMode: GPUMapMode; GPUShaderStage: GPUShaderStage };

/** Which WebGPU implementation this is, for backend descriptions. */
export const gpuImplementation = 'Dawn';

/**
 * A GPU instance; `options` are Dawn's (e.g. 'backend=vulkan'). The caller must keep the returned
 * object alive as long as its devices (see backend/webgpu/device.ts).
 */
export function gpuInstance(options: readonly string[]): GPU {
  return create([...options]);
}
