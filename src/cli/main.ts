#!/usr/bin/env node
// offramp command line: one file per command; this file only dispatches and reports errors.
// Exit codes: 0 success, 1 error (bad data, missing file…), 2 usage error (bad flags),
// 130 interrupted (Ctrl-C during training). A closed stdout (`offramp tag … | head`) ends quietly with 0.
import { readFileSync } from 'node:fs';
import { shutdown } from '../tensor/engine.js';
import { UsageError, type Command } from './common.js';
import { calibrateCommand } from './calibrate.js';
import { curveCommand } from './curve.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { pretrainCommand } from './pretrain.js';
import { serveCommand } from './serve.js';
import { tagCommand } from './tag.js';
import { trainCommand } from './train.js';
import { vocabCommand } from './vocab.js';

const commands: Command[] = [vocabCommand, pretrainCommand, trainCommand, evalCommand, curveCommand, calibrateCommand, tagCommand, demoCommand, serveCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: offramp <command> [options]        (offramp <command> --help for its options)

An early-exit BERT sequence labeler (SENTEE and TOKEE, ACL 2021) in pure TypeScript.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Environment: OFFRAMP_BACKEND=cpu|webgpu chooses the backend (default cpu); NO_COLOR disables colours.
Exit codes: 0 done, 1 error (bad data, missing file, refused output), 2 usage error, 130 interrupted.
offramp --version prints the version.
`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(topic ? topic.help : usage());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`offramp ${version()}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`offramp: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    await cmd.run(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`offramp ${cmd.name}: ${err.message}\n(see: offramp ${cmd.name} --help)\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`offramp ${cmd.name}: error: ${e.message}\n`);
    if (process.env.OFFRAMP_DEBUG) process.stderr.write(`${e.stack}\n`);
    return 1;
  } finally {
    shutdown();
  }
}

// The reader of stdout went away (e.g. `| head -1`): nothing more to say, and not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));
