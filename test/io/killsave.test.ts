// Kill safety of run directories: a real training (killsave-child.ts, a tiny model saving a whole
// checkpoint with training state every epoch, many times a second) is SIGKILLed at random moments
// (during start-up, lock take-over, clean-up, resume, training and saves), 100 times in 4 run
// directories. After every kill the directory must load as one whole checkpoint of some epoch,
// never older than the one loaded after the previous kill; the next child takes over the stale
// lock, removes the leftovers and resumes from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { resolveCheckpoint, RunDir } from '../../src/io/rundir.js';
import { readTrainState } from '../../src/io/trainstate.js';
import { Rng } from '../../src/tensor/random.js';
import { killSettings } from './killsave-child.js';

const childScript = fileURLToPath(new URL('./killsave-child.js', import.meta.url));
const lanes = 4;
const killsPerLane = 25;

/**
 * Starts a child on `dir` and SIGKILLs it `delayMs` after it is ready (has the lock and its state),
 * after it was spawned (`startUp`), or after `until` holds. Waits for it to end.
 */
async function runAndKill(dir: string, delayMs: number, opts: { startUp?: boolean; until?: () => boolean } = {}): Promise<void> {
  const child = spawn(process.execPath, [childScript, '--child', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OFFRAMP_BACKEND: 'cpu' } });
  let stderr = '';
  let ready = false;
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (ready ||= d.toString().includes('ready')));
  const exited = once(child, 'exit');
  let ended = false;
  void exited.then(() => (ended = true));
  const wait = async (cond: () => boolean): Promise<void> => {
    while (!cond() && !ended) await sleep(2);
  };
  if (opts.until) await wait(opts.until);
  else if (!opts.startUp) await wait(() => ready);
  await sleep(delayMs);
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `the child ended by itself (exit ${code}) before the kill:\n${stderr}`);
}

/** The checkpoint CURRENT names (it is replaced atomically, so it always reads whole). */
const current = (dir: string): string => readFileSync(join(dir, 'CURRENT'), 'utf8');

/** Loads `dir` as a whole checkpoint: model files and training state of the same epoch. Returns the epoch. */
async function wholeEpoch(dir: string): Promise<number> {
  const ckpt = await loadCheckpoint(dir);
  ckpt.model.dispose();
  const { state } = await readTrainState(resolveCheckpoint(dir));
  const epoch = ckpt.config.info.epoch as number;
  // no dev data: every epoch is the best, so the model files and the training state are the same epoch
  assert.equal(state.epochs, epoch, `${dir}: model of epoch ${epoch}, training state of epoch ${state.epochs}`);
  assert.equal(state.weights, 'model.safetensors');
  assert.equal((state.progress.history as unknown[]).length, epoch);
  assert.deepEqual(state.settings, killSettings);
  return epoch;
}

test('SIGKILL at 100 random moments: the run directory always loads as a whole checkpoint of some epoch', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'offramp-kill-'));
  try {
    let advanced = 0;
    // allSettled: every lane ends (and stops its child) before the directory is removed
    const results = await Promise.allSettled(Array.from({ length: lanes }, async (_, lane) => {
      const dir = join(root, `run${lane}`);
      const rng = new Rng(100 + lane);
      // a first checkpoint to lose
      await runAndKill(dir, 0, { until: () => existsSync(join(dir, 'CURRENT')) });
      let epoch = await wholeEpoch(dir);
      for (let k = 0; k < killsPerLane; k++) {
        // one kill in four during start-up (lock take-over, clean-up, resume), the others while it
        // trains and saves; one in eight only after the child has saved again, so that some kills
        // follow a complete save however slow the machine (a wall-clock delay alone may not)
        const saved = current(dir);
        await runAndKill(dir, rng.int(300), k % 8 === 1 ? { until: () => current(dir) !== saved } : { startUp: k % 4 === 0 });
        const now = await wholeEpoch(dir);
        assert.ok(now >= epoch, `${dir}: epoch went back from ${epoch} to ${now} after kill ${k + 1}`);
        if (now > epoch) advanced++;
        epoch = now;
      }
      // what the kills left (a stale lock, staging directories, unreferenced checkpoints) is cleaned up
      const run = RunDir.open(dir, 'resume');
      run.release();
      assert.deepEqual(readdirSync(dir).filter((n) => n !== 'CURRENT' && !n.startsWith('ckpt-')), []);
      assert.equal(readdirSync(dir).filter((n) => n.startsWith('ckpt-')).length, 1);
    }));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    process.stderr.write(`# kill test: ${lanes * killsPerLane} kills, ${advanced} of them after at least one more save\n`);
    assert.ok(advanced > 0, 'no child saved anything between kills: the kills did not hit saves');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
