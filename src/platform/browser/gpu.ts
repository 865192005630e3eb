// Browser build of platform/gpu.ts: the page's navigator.gpu and its global constants.
interface BrowserGpuGlobals {
  navigator: { gpu?: GPU };
  GPUBufferUsage: GPUBufferUsage;
  GPUMapMode: GPUMapMode;
  GPUShaderStage: GPUShaderStage;
}
const g = globalThis as unknown as BrowserGpuGlobals;

export const gpuConstants = { GPUBufferUsage: g.GPUBufferUsage, GPUMapMode: g.GPUMapMode, GPUShaderStage: g.GPUShaderStage };

export const gpuImplementation = 'browser';

export function gpuInstance(options: readonly string[]): GPU {
  if (options.length > 0) throw new Error(`webgpu: instance options (${options.join(', ')}) exist only for Dawn in Node`);
  if (!g.navigator.gpu) throw new Error('webgpu: this browser has no navigator.gpu (WebGPU disabled or unsupported)');
  return g.navigator.gpu;
}
