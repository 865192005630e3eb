// A tiny trained labeler for the web tests, made with the CLI in a temp dir (never committed): the
// demo's synthetic task, 3 layers, a few seconds on one core. Its words leave at different layers
// under the thresholds the tests use, so label and exit-layer comparisons mean something.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function offramp(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', OFFRAMP_BACKEND: 'cpu' }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Trains the checkpoint into a new temp dir; returns the run directory. */
export function makeTinyCheckpoint(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'offramp-web-')), 'demo');
  const r = offramp(['demo', '--train', '300', '--dev', '20', '--test', '10', '--layers', '3', '--hidden', '32', '--heads', '2',
    '--epochs', '8', '--lr', '1e-2', '--speedups', '2', '--out', dir, '--quiet']);
  if (r.code !== 0) throw new Error(`offramp demo failed (exit ${r.code}):\n${r.stderr}`);
  return dir;
}
