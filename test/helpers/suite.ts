// Which backend the suite runs on: env OFFRAMP_BACKEND (chosen once by test/helpers/init.ts), else cpu.
// Skip reasons for the tests that cannot run on every backend, each saying where its check runs.
import { tol } from './ref.js';

export const suiteBackend = process.env.OFFRAMP_BACKEND || 'cpu';

/** The parity sections install their own CPU-and-backend mirror, which needs the choice to be theirs. */
export const ownsBackend = suiteBackend === 'cpu' ? false : `installs its own mirror backend: runs in the plain 'npm test' (OFFRAMP_BACKEND=${suiteBackend} chose the backend)`;

/** Tests with f64 values or synchronous reads: only the CPU backend has them. */
export const cpuOnly = suiteBackend === 'cpu' ? false : `needs f64 or synchronous reads (CPU backend only); ${suiteBackend}'s kernels are checked against the CPU in test/backend`;

/**
 * Value tests that only read results back run on every backend: in f64 with the f64 tolerance on the
 * CPU, in f32 with the f32 tolerance elsewhere (tol in test/helpers/ref.ts).
 */
export const valueDtype: 'f32' | 'f64' = suiteBackend === 'cpu' ? 'f64' : 'f32';
export const valueTol = suiteBackend === 'cpu' ? tol.f64 : tol.f32;

/**
 * Named tolerances of the value tests that run on every backend where f32 rounding is not one
 * operation deep; the CPU runs them in f64 (tol.f64, as valueTol). Inputs are f32 values in [−2, 2].
 */
export const valueTols = {
  /** sums of up to 81 terms (reductions, matmul, scatter-add): a device sums in its own order */
  sum: suiteBackend === 'cpu' ? tol.f64 : { atol: 1e-4, rtol: 1e-5 },
  /** exp and log over such rows (softmax, logSoftmax, cross-entropy): device exp/log are a few ulp off libm */
  transcendental: suiteBackend === 'cpu' ? tol.f64 : { atol: 1e-5, rtol: 1e-4 },
  /** layerNorm: 1/σ (up to 1/√eps) amplifies the rounding of x − mean; on the CPU eps goes down to 1e-12 */
  layerNorm: suiteBackend === 'cpu' ? { atol: 1e-9, rtol: 1e-9 } : { atol: 1e-3, rtol: 1e-4 },
};
