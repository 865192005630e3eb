// One writer per run directory: DIR/.lock holds {pid, host, started} of the process that writes DIR.
// The file is written completely under a temporary name and then hard-linked to .lock, which fails
// when .lock exists, so the lock never exists half-written. A lock whose process is gone (same host,
// pid no longer running) is stale: it is removed with a notice and taken over. A lock from another
// host cannot be checked and is refused like a live one.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const lockName = '.lock';

export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readLock(path: string): LockInfo | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    if (Number.isSafeInteger(info.pid) && typeof info.host === 'string') return info;
  } catch {
    // fall through: not written by offramp
  }
  throw new Error(`${path}: not an offramp lock file (${JSON.stringify(text.slice(0, 60))}); remove it if no process is writing this directory`);
}

/** lock paths this process holds (a pid check cannot tell them from a stale lock of an earlier process with our pid) */
const held = new Set<string>();

export class RunLock {
  private done = false;
  private constructor(
    readonly path: string,
    readonly info: LockInfo,
    /** the stale lock this one replaced, if any */
    readonly replaced: LockInfo | null,
  ) {}

  /** Takes DIR's lock, or throws an Error naming the process that holds it. */
  static acquire(dir: string): RunLock {
    const path = join(dir, lockName);
    if (held.has(path)) throw new Error(`${dir}: already opened for writing by this process`);
    const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    const text = `${JSON.stringify(info)}\n`;
    let replaced: LockInfo | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const tmp = join(dir, `.lock.${randomBytes(6).toString('hex')}.tmp`);
      writeFileSync(tmp, text, { flag: 'wx' });
      try {
        linkSync(tmp, path);
        held.add(path);
        return new RunLock(path, info, replaced);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        rmSync(tmp, { force: true });
      }
      const holder = readLock(path);
      if (holder === null) continue; // released meanwhile
      const where = `pid ${holder.pid} on ${holder.host}, since ${holder.started}`;
      if (holder.host !== info.host) throw new Error(`${dir}: locked by ${where}; if that process is gone, remove ${path}`);
      if (holder.pid !== process.pid && alive(holder.pid)) throw new Error(`${dir}: another offramp process (${where}) is writing this directory`);
      // Stale: remove it only if it is still the same lock (another process may have taken over).
      const again = readLock(path);
      if (again !== null && again.pid === holder.pid && again.started === holder.started) rmSync(path, { force: true });
      replaced = holder;
    }
    throw new Error(`${dir}: could not take the lock ${path} (other processes keep taking it)`);
  }

  get released(): boolean {
    return this.done;
  }

  /** Removes the lock file if it is still ours. */
  release(): void {
    if (this.done) return;
    this.done = true;
    held.delete(this.path);
    try {
      const holder = readLock(this.path);
      if (holder !== null && holder.pid === this.info.pid && holder.started === this.info.started) rmSync(this.path, { force: true });
    } catch {
      // a foreign file at .lock is not ours to remove
    }
  }
}
