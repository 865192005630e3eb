// Browser build of platform/kernels.ts: scripts/build-web.mjs reads kernels/ at bundle time with the
// Node version of kernelFiles and defines OFFRAMP_KERNEL_FILES as its entries.
declare const OFFRAMP_KERNEL_FILES: [string, string][];

export function kernelFiles(): Map<string, string> {
  return new Map(OFFRAMP_KERNEL_FILES);
}
