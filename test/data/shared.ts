// Locating shared data in tests: skip visibly when a file is absent instead of failing.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { dataPath } from '../../src/data/paths.js';

/** The path of a shared data file, or undefined after marking the test skipped. */
export function sharedFile(t: TestContext, ...parts: string[]): string | undefined {
  const path = dataPath(...parts);
  if (existsSync(path)) return path;
  t.skip(`shared data absent: ${path} (set OFFRAMP_DATA to its folder)`);
  return undefined;
}
