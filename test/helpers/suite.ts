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
