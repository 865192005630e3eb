// Download one pinned package with its registry's own client, check its SHA-256, unpack it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TextSource } from './sources.js';

export interface Fetched {
  archive: string;
  sha256: string;
  /** Where the archive was unpacked. */
  root: string;
}

export function fetchSource(source: TextSource, workDir: string): Fetched {
  const dir = join(workDir, source.name.replace(/[@/]/g, '_'));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777); // apt-get download writes as the _apt user where it can
  const run = (cmd: string, args: string[]): void => {
    execFileSync(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  };
  if (source.registry === 'npm') run('npm', ['pack', `${source.name}@${source.version}`, '--silent']);
  else run('apt-get', ['download', `${source.name}=${source.version}`]);
  const archives = readdirSync(dir).filter((f) => f.endsWith('.tgz') || f.endsWith('.deb'));
  if (archives.length !== 1) throw new Error(`${dir}: expected one downloaded archive for ${source.name}, found ${JSON.stringify(archives)}`);
  const archive = join(dir, archives[0]!);
  const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
  if (sha256 !== source.sha256) {
    throw new Error(`${archive}: SHA-256 ${sha256} does not match the pinned ${source.sha256} for ${source.name}@${source.version}`);
  }
  const root = join(dir, 'unpacked');
  mkdirSync(root);
  if (source.registry === 'npm') run('tar', ['-xzf', archive, '-C', root]);
  else run('dpkg-deb', ['-x', archive, root]);
  return { archive, sha256, root };
}
