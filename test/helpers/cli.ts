// The offramp command line as the CLI tests run it: a child process on the CPU backend with plain
// (uncoloured) output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Sentence } from '../../src/data/index.js';

/** The built entry point, for tests that spawn it themselves (to interrupt it or stream into it). */
export const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The environment every child gets. */
export const cliEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', OFFRAMP_BACKEND: 'cpu' };

export interface Run {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `offramp ...args` to its end, with `input` on stdin and `extraEnv` over {@link cliEnv}. */
export function offramp(args: string[], input?: string | Buffer, extraEnv: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', env: { ...cliEnv, ...extraEnv }, timeout: 300_000 });
  return { args, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts that the run exited 0, showing its output if not; `what` names it (default: the command line). */
export function ok(r: Run, what = `offramp ${r.args.join(' ')}`): Run {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** Sentences as a two-column CoNLL file (word, label), a blank line after each. */
export const toConll = (sentences: readonly Sentence[]): string =>
  sentences.map((s) => `${s.words.map((w, i) => `${w} ${s.labels[i]}`).join('\n')}\n\n`).join('');
