// Run directories: refusal of a non-empty directory, the lock (live, stale, foreign host), whole
// saves switched in by CURRENT, clean-up of what killed saves leave, a failed save changing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCheckpoint, RunDir } from '../../src/io/rundir.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'offramp-rundir-'));
}

async function commitText(run: RunDir, text: string): Promise<string> {
  return run.commit(async (staging) => writeFileSync(join(staging, 'a.txt'), text));
}

test('RunDir.open: new refuses a directory holding a checkpoint or any other file; force and resume accept it', async () => {
  const root = tempDir();
  try {
    const dir = join(root, 'run');
    const run = RunDir.open(dir, 'new'); // absent: created
    await commitText(run, 'one');
    run.release();
    assert.throws(() => RunDir.open(dir, 'new'), /run: holds a checkpoint; use --resume to continue its training, --force to replace it/);
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.md'), 'mine');
    assert.throws(() => RunDir.open(other, 'new'), /other: is not empty \(notes\.md\)/);
    writeFileSync(join(root, 'file'), '');
    assert.throws(() => RunDir.open(join(root, 'file'), 'force'), /file: exists and is not a directory/);
    for (const mode of ['force', 'resume'] as const) {
      const again = RunDir.open(dir, mode);
      assert.equal(readFileSync(join(again.current()!, 'a.txt'), 'utf8'), 'one');
      again.release();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('RunLock: a live holder is refused with its pid, a dead one is taken over, a foreign host is refused', async () => {
  const dir = tempDir();
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const first = RunDir.open(dir, 'resume');
    assert.throws(() => RunDir.open(dir, 'resume'), /already opened for writing by this process/);
    first.release();
    const lock = (pid: number, host = hostname()): void => writeFileSync(join(dir, '.lock'), JSON.stringify({ pid, host, started: '2026-01-01T00:00:00.000Z' }));
    lock(sleeper.pid!);
    assert.throws(() => RunDir.open(dir, 'resume'), new RegExp(`another offramp process \\(pid ${sleeper.pid} on ${hostname()}`));
    // a second `train --out` on a fresh directory hears about the writer, not about its lock file
    assert.throws(() => RunDir.open(dir, 'new'), new RegExp(`another offramp process \\(pid ${sleeper.pid}`));
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
    const taken = RunDir.open(dir, 'resume');
    assert.equal(taken.lock.replaced?.pid, sleeper.pid);
    assert.equal(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid, process.pid);
    taken.release();
    assert.deepEqual(readdirSync(dir), []);
    lock(1, 'elsewhere.example');
    assert.throws(() => RunDir.open(dir, 'resume'), /locked by pid 1 on elsewhere\.example.*remove .*\.lock/);
    writeFileSync(join(dir, '.lock'), 'garbage');
    assert.throws(() => RunDir.open(dir, 'resume'), /not an offramp lock file/);
  } finally {
    sleeper.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RunDir.commit: each save is a new whole directory switched in by CURRENT; older ones are removed', async () => {
  const dir = tempDir();
  try {
    const run = RunDir.open(dir, 'new');
    assert.equal(run.current(), null);
    const one = await commitText(run, 'one');
    const two = await run.commit(async (staging, previous) => {
      assert.equal(previous, one);
      writeFileSync(join(staging, 'a.txt'), 'two');
    });
    assert.match(two, /ckpt-000002-[0-9a-f]+$/);
    assert.equal(resolveCheckpoint(dir), two);
    assert.deepEqual(readdirSync(dir).sort(), ['.lock', 'CURRENT', two.slice(dir.length + 1)]);
    // a failed save changes nothing and leaves no staging directory
    await assert.rejects(run.commit(async (staging) => {
      writeFileSync(join(staging, 'a.txt'), 'half');
      throw new Error('disk full');
    }), /disk full/);
    assert.equal(readFileSync(join(resolveCheckpoint(dir), 'a.txt'), 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir).sort(), ['.lock', 'CURRENT', two.slice(dir.length + 1)]);
    run.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RunDir.open removes what killed saves leave: staging directories, unreferenced checkpoints, temporary files', async () => {
  const dir = tempDir();
  try {
    const run = RunDir.open(dir, 'new');
    const current = await commitText(run, 'good');
    run.release();
    mkdirSync(join(dir, '.staging-0a1b2c3d4e5f'));
    writeFileSync(join(dir, '.staging-0a1b2c3d4e5f', 'model.safetensors'), 'half');
    mkdirSync(join(dir, 'ckpt-000002-deadbeef'));
    writeFileSync(join(dir, '.CURRENT.0123456789ab.tmp'), 'ckpt-000002-deadbeef');
    writeFileSync(join(dir, '.model.safetensors.0123456789ab.tmp'), 'half of an old-layout save');
    const again = RunDir.open(dir, 'resume');
    assert.deepEqual([...again.cleaned].sort(), ['.CURRENT.0123456789ab.tmp', '.model.safetensors.0123456789ab.tmp', '.staging-0a1b2c3d4e5f', 'ckpt-000002-deadbeef']);
    assert.equal(again.current(), current);
    again.release();
    assert.deepEqual(readdirSync(dir).sort(), ['CURRENT', current.slice(dir.length + 1)]);
    writeFileSync(join(dir, 'CURRENT'), '../elsewhere\n');
    assert.throws(() => resolveCheckpoint(dir), /CURRENT: "\.\.\/elsewhere" is not a checkpoint name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
