// Browsers ship relaxed SIMD or not; a page cannot turn it on.
export function enableRelaxedSimd(): boolean {
  return false;
}
