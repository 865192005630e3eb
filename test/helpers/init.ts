// Loaded before every test file (`node --import`, see package.json): picks the backend named by
// OFFRAMP_BACKEND once, so the same suite runs on every backend.
import { init } from '../../src/backend/registry.js';

await init({ log: false });
