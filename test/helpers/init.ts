// Loaded before every test file (`node --import`, see package.json): when OFFRAMP_BACKEND names a
// backend, it is chosen once here, so the same suite runs on it. Without the variable the CPU
// backend is made on first use, and the parity suites install their mirror backends.
import { init } from '../../src/backend/registry.js';

if (process.env.OFFRAMP_BACKEND) await init({ log: false });
