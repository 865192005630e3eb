// Which backend the suite runs on: env OFFRAMP_BACKEND (chosen once by test/helpers/init.ts), else cpu.
// Skip reasons for the tests that cannot run on every backend, each saying where its check runs.

export const suiteBackend = process.env.OFFRAMP_BACKEND || 'cpu';

/** The parity sections install their own CPU-and-backend mirror, which needs the choice to be theirs. */
export const ownsBackend = suiteBackend === 'cpu' ? false : `installs its own mirror backend: runs in the plain 'npm test' (OFFRAMP_BACKEND=${suiteBackend} chose the backend)`;

/** Tests with f64 values or synchronous reads: only the CPU backend has them. */
export const cpuOnly = suiteBackend === 'cpu' ? false : `needs f64 or synchronous reads (CPU backend only); ${suiteBackend}'s kernels are checked against the CPU in test/backend`;
