// Node 20's V8 compiles relaxed-SIMD wasm only behind a flag, which may be set at run time before
// the module is compiled (process-wide, so workers see it too). Browsers have no such switch.
import { setFlagsFromString } from 'node:v8';

/** Turns on relaxed SIMD where the runtime has it behind a flag; false where no flag can help. */
export function enableRelaxedSimd(): boolean {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}
