// Where shared data sets live. Data is never copied into the repo, so tests and tools
// read it from OFFRAMP_DATA or from ../shared/data beside the repository.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this module holding package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** OFFRAMP_DATA (relative paths resolve against the working directory), else <repo>/../shared/data. */
export function dataRoot(): string {
  const fromEnv = process.env['OFFRAMP_DATA'];
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot(), '..', 'shared', 'data');
}

export function dataPath(...parts: string[]): string {
  return join(dataRoot(), ...parts);
}
