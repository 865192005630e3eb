// Which kernel variant the CPU backend runs (wasm-kernels.ts): relaxed-SIMD FMA where the runtime has
// it, else mul+add. Node 20's V8 has f32x4.relaxed_madd behind --experimental-wasm-relaxed-simd; the
// flag is process-wide, so setting it here, before the kernel module is compiled, also covers the
// matmul pool's workers (they are started later and instantiate the module compiled here). Newer Node
// validates the module without the flag, and the flag is then left alone. The flag is set by the platform
// module (src/platform/wasmflags.ts); the detection itself is `relaxedSimdValidates`.
//   OFFRAMP_CPU_FMA=0   mul+add
//   OFFRAMP_CPU_FMA=1   FMA, or an error where the runtime cannot run it
//   unset               FMA when available
import { envVar } from '../../platform/env.js';
import { enableRelaxedSimd } from '../../platform/wasmflags.js';
import { relaxedSimdValidates } from './wasm-kernels.js';

let decided: boolean | null = null;
let available: boolean | null = null;

/** Whether the CPU backend's wasm kernels use relaxed-SIMD FMA (decided once, on first call). */
export function cpuFma(): boolean {
  return (decided ??= decide(envVar('OFFRAMP_CPU_FMA')));
}

/** Whether this runtime can compile the FMA variant, setting V8's flag first where that is needed. */
export function relaxedSimdAvailable(): boolean {
  if (available === null) {
    available = relaxedSimdValidates();
    if (!available && enableRelaxedSimd()) available = relaxedSimdValidates();
  }
  return available;
}

function decide(env: string | undefined): boolean {
  if (env !== undefined && env !== '' && env !== '0' && env !== '1') {
    throw new Error(`OFFRAMP_CPU_FMA: expected 0 or 1, got ${JSON.stringify(env)}`);
  }
  if (env === '0') return false;
  const ok = relaxedSimdAvailable();
  if (!ok && env === '1') throw new Error(`OFFRAMP_CPU_FMA=1: this runtime  cannot run relaxed-SIMD f32x4.relaxed_madd`);
  return ok;
}
