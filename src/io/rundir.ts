// A run directory: where a training keeps its checkpoints so that no moment of a crash, a kill or
// a second process can lose the last good one.
//
//   DIR/.lock            {pid, host, started} of the one process writing DIR (see RunLock)
//   DIR/CURRENT          the name of the current checkpoint, e.g. "ckpt-000007-3f9a1c" (one line)
//   DIR/ckpt-000007-…/   a complete checkpoint: whatever files the writer put there
//
// A save (RunDir.commit) writes a new checkpoint into a hidden staging directory, fsyncs it, renames
// it to its final name and then switches CURRENT to it with one atomic rename. A reader follows
// CURRENT, so at every instant DIR loads as the previous or the new checkpoint; a killed save leaves
// only a staging directory or an unreferenced ckpt-* that the next RunDir.open removes. A directory
// without CURRENT (a Hugging Face download, a checkpoint from an older offramp) is read as it is:
// resolveCheckpoint(DIR) gives the directory a loader should read either way.
//
// Usage (a trainer):
//   const run = RunDir.open(out, 'new' | 'force' | 'resume');   // refuses, locks, cleans up
//   const previous = run.current();                              // null: nothing saved yet
//   await run.commit(async (staging, previous) => { …write files into staging… });
//   run.release();                                               // or let the process exit
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { lockName, RunLock } from './runlock.js';

export { RunLock } from './runlock.js';

/** new: DIR must be empty or absent; force: replace what DIR holds; resume: continue from it. */
export type OpenMode = 'new' | 'force' | 'resume';

export const pointerName = 'CURRENT';
const checkpointPattern = /^ckpt-(\d{6,})-[0-9a-f]+$/;
const stagingPattern = /^\.staging-[0-9a-f]+$/;
/** files of the layout before run directories (top level of DIR); a commit removes them */
const oldLayoutFiles = ['model.safetensors', 'config.json', 'vocab.txt', 'labels.txt'];
/** temporary files of an atomic write (ours and the old layout's) */
const tmpPattern = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** The directory a loader should read: the checkpoint CURRENT names, else `dir` itself. */
export function resolveCheckpoint(dir: string): string {
  const pointer = join(dir, pointerName);
  if (!existsSync(pointer)) return dir;
  const name = readFileSync(pointer, 'utf8').trim();
  if (!checkpointPattern.test(name)) throw new Error(`${pointer}: ${JSON.stringify(name)} is not a checkpoint name (ckpt-NNNNNN-id)`);
  const target = join(dir, name);
  if (!existsSync(target)) throw new Error(`${pointer}: names ${name}, which is missing from ${dir}`);
  return target;
}

/** Whether `dir` holds a checkpoint (a CURRENT pointer or a top-level config.json). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, pointerName)) || existsSync(join(dir, 'config.json'));
}

/** Hard-links (copies where links fail) unchanged files of the previous checkpoint into a staging one. */
export function reuseFiles(from: string, to: string, names: readonly string[]): void {
  for (const name of names) {
    try {
      linkSync(join(from, name), join(to, name));
    } catch {
      copyFileSync(join(from, name), join(to, name));
    }
  }
}

function fsyncPath(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    // Windows cannot open a directory to fsync it (nor needs to for a rename to last)
    if (['EISDIR', 'EPERM', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!['EINVAL', 'EPERM', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}

/** fsync every file and directory under `dir` (children before parents). */
function fsyncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) fsyncTree(join(dir, entry.name));
    else fsyncPath(join(dir, entry.name));
  }
  fsyncPath(dir);
}

export class RunDir {
  private saving = false;
  private constructor(
    readonly dir: string,
    readonly lock: RunLock,
    /** what open removed: leftovers of killed saves (names) */
    readonly cleaned: readonly string[],
    /** open created the directory (release removes it again if nothing was saved) */
    private readonly created: boolean,
  ) {}

  /**
   * Checks DIR against the mode, takes the lock and removes leftovers of killed saves. Throws an
   * Error naming DIR when it holds files and mode is 'new', or when another process holds the lock.
   */
  static open(dir: string, mode: OpenMode): RunDir {
    const existed = existsSync(dir);
    if (existed && !statSync(dir).isDirectory()) throw new Error(`${dir}: exists and is not a directory`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new Error(`${dir}: cannot create the directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
    let lock: RunLock;
    try {
      lock = RunLock.acquire(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') throw new Error(`${dir}: not writable (${code})`, { cause: err });
      throw err;
    }
    try {
      // after the lock, so that a second writer hears about the first one, not about its lock file
      if (mode === 'new') {
        const entries = readdirSync(dir).filter((name) => name !== lockName);
        if (entries.length > 0) {
          const what = hasCheckpoint(dir) ? 'holds a checkpoint' : `is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`;
          throw new Error(`${dir}: ${what}; use --resume to continue its training, --force to replace it, or another directory`);
        }
      }
      return new RunDir(dir, lock, RunDir.cleanLeftovers(dir), !existed);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** Removes staging directories, checkpoints CURRENT does not name and temporary files. */
  private static cleanLeftovers(dir: string): string[] {
    const pointer = join(dir, pointerName);
    const current = existsSync(pointer) ? resolveCheckpoint(dir) : null;
    const removed: string[] = [];
    for (const name of readdirSync(dir)) {
      const stale = stagingPattern.test(name) || tmpPattern.test(name) || (checkpointPattern.test(name) && join(dir, name) !== current);
      if (!stale) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  /** The current checkpoint's directory, or null when nothing was committed (old-layout files do not count). */
  current(): string | null {
    return existsSync(join(this.dir, pointerName)) ? resolveCheckpoint(this.dir) : null;
  }

  /** True while a commit is under way (a signal handler waits for it instead of exiting). */
  get busy(): boolean {
    return this.saving;
  }

  /**
   * Saves a new checkpoint as a whole: `write` fills an empty staging directory (it gets the previous
   * checkpoint's directory too, to reuse files); then the checkpoint is switched in atomically and
   * older ones are removed. Returns the new checkpoint's directory.
   */
  async commit(write: (staging: string, previous: string | null) => Promise<void>): Promise<string> {
    if (this.lock.released) throw new Error(`${this.dir}: commit after release`);
    this.saving = true;
    const staging = join(this.dir, `.staging-${randomBytes(6).toString('hex')}`);
    try {
      const previous = this.current();
      const sequence = previous === null ? 1 : Number(checkpointPattern.exec(basename(previous))![1]) + 1;
      mkdirSync(staging);
      await write(staging, previous);
      fsyncTree(staging);
      const name = `ckpt-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
      renameSync(staging, join(this.dir, name));
      fsyncPath(this.dir);
      await writeFileAtomic(join(this.dir, pointerName), `${name}\n`);
      fsyncPath(this.dir);
      // The switch is done: what follows only tidies up (a kill here leaves unreferenced files).
      for (const old of readdirSync(this.dir)) {
        if ((checkpointPattern.test(old) && old !== name) || oldLayoutFiles.includes(old)) rmSync(join(this.dir, old), { recursive: true, force: true });
      }
      return join(this.dir, name);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    } finally {
      this.saving = false;
    }
  }

  /** Gives up the lock; a directory open created and nothing was saved in is removed. */
  release(): void {
    if (this.lock.released) return;
    this.lock.release();
    if (this.created && readdirSync(this.dir).length === 0) rmSync(this.dir, { recursive: true, force: true });
  }
}
