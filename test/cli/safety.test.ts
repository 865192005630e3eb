// The cases of issue 10, each through the command line as a user meets them: no silent overwrite,
// locked and resumable runs, Ctrl-C, strict data, eval mismatches, broken weights, outputs checked
// before the work, pipes, --version.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSyntheticTask } from '../../src/data/index.js';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { cli, cliEnv, offramp as offrampAnyThreads, toConll, type Run } from '../helpers/cli.js';

// every child of this file runs on one CPU thread
const oneThread = { OFFRAMP_CPU_THREADS: '1' };
const env = { ...cliEnv, ...oneThread };
const offramp = (args: string[], input?: string | Buffer): Run => offrampAnyThreads(args, input, oneThread);

function expectExit(r: Run, code: number, message: RegExp, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, message, what);
}

let dir = '';
let trainFile = '';
let devFile = '';
let model = '';
const tiny = ['--layers', '2', '--hidden', '8', '--heads', '2', '--batch-pieces', '200', '--lr', '3e-3'];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'offramp-safety-'));
  const task = makeSyntheticTask(6, { train: 30, dev: 8, test: 0 });
  trainFile = join(dir, 'train.txt');
  devFile = join(dir, 'dev.txt');
  model = join(dir, 'model');
  writeFileSync(trainFile, toConll(task.train));
  writeFileSync(devFile, toConll(task.dev));
  const r = offramp(['train', '--train', trainFile, '--dev', devFile, ...tiny, '--epochs', '1', '--out', model]);
  assert.equal(r.code, 0, r.stderr);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('train --out refuses a directory holding a checkpoint or other files; --force replaces; --force with --resume is a usage error', () => {
  const before = readFileSync(join(model, 'CURRENT'), 'utf8');
  expectExit(offramp(['train', '--train', trainFile, ...tiny, '--epochs', '1', '--out', model]), 1, /model: holds a checkpoint; use --resume to continue its training, --force to replace it/, 'existing checkpoint');
  assert.equal(readFileSync(join(model, 'CURRENT'), 'utf8'), before, 'the checkpoint is untouched');
  const foreign = join(dir, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'config.json'), '{"someone": "else"}');
  const refused = offramp(['train', '--train', trainFile, ...tiny, '--epochs', '1', '--out', foreign]);
  expectExit(refused, 1, /foreign: holds a checkpoint/, 'foreign config.json');
  assert.doesNotMatch(refused.stderr, /epoch 1/, 'refused before training');
  const forced = offramp(['train', '--train', trainFile, ...tiny, '--epochs', '1', '--out', foreign, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(existsSync(join(resolveCheckpoint(foreign), 'model.safetensors')));
  assert.ok(!existsSync(join(foreign, 'config.json')), 'the replaced top-level file is gone');
  expectExit(offramp(['train', '--train', trainFile, '--out', foreign, '--force', '--resume']), 2, /give --force or --resume, not both/, 'both');
  expectExit(offramp(['train', '--train', trainFile, '--out', trainFile]), 2, /--out .*train\.txt is an input of this command/, 'out = input');
  expectExit(offramp(['train', '--train', trainFile, '--out', dir]), 2, /holds the input/, 'out holds input');
});

test('train: a second writer is stopped by the lock with the holder named', () => {
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  writeFileSync(join(locked, '.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
  expectExit(offramp(['train', '--train', trainFile, ...tiny, '--out', locked, '--resume']), 1, new RegExp(`another offramp process \\(pid ${process.pid} on `), 'locked');
});

/** Runs train, sends SIGINT once stderr matches `until`, and returns how it ended. */
async function trainInterrupted(args: string[], until: RegExp): Promise<Run> {
  const child = spawn(process.execPath, [cli, 'train', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (until.test(stderr)) resolve();
    });
    void exited.then(() => resolve());
  });
  child.kill('SIGINT');
  const [code] = await exited;
  return { args: ['train', ...args], code, stdout, stderr };
}

test('Ctrl-C during training saves nothing half-written and names the last good checkpoint; --resume continues; other settings are refused', async () => {
  const out = join(dir, 'interrupted');
  const args = (...extra: string[]): string[] => ['--train', trainFile, '--dev', devFile, ...tiny, '--epochs', '400', '--out', out, ...extra];
  const first = await trainInterrupted(args(), /epoch 2\/400/);
  assert.equal(first.code, 130, first.stderr);
  const m = /interrupted: the last good checkpoint is (.*) \(epoch \d+ as the model, training state after epoch (\d+)\); continue with --resume/.exec(first.stderr);
  assert.ok(m, first.stderr);
  assert.equal(m[1], out);
  const saved = Number(m[2]);
  assert.ok(!existsSync(join(out, '.lock')), 'the lock is released');
  assert.equal(JSON.parse(readFileSync(join(resolveCheckpoint(out), 'trainstate.json'), 'utf8')).epochs, saved);

  expectExit(offramp(['train', ...args('--resume', '--lr', '1e-3')]), 1, /started with lr "3e-3", this command asks for "1e-3"; --resume needs the same settings/, 'other lr');
  const second = await trainInterrupted(args('--resume'), new RegExp(`epoch ${saved + 1}/400`));
  assert.equal(second.code, 130, second.stderr);
  assert.match(second.stderr, new RegExp(`resumed from .* after epoch ${saved}\\b`));
  assert.doesNotMatch(second.stderr, new RegExp(`epoch ${saved}/400`), 'no epoch is trained twice');
});

test('malformed labelled data is an error naming file, line and what is wrong (exit 1, before training)', () => {
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const cases: [string, string | Buffer, string[], RegExp][] = [
    ['chunk.txt', 'EU NNP B-NP B-ORG\nrejects VBZ B-VP\n', [], /chunk\.txt:2: 3 columns, but line 1 has 4/],
    ['itag.txt', 'EU B-ORG\nrejects O\nGerman I-\n', [], /itag\.txt:3: tag "I-" is not a BIO tag/],
    ['xper.txt', 'EU B-ORG\nrejects X-PER\n', [], /xper\.txt:2: tag "X-PER" is not a BIO tag/],
    ['lower.txt', 'EU B-ORG\nrejects b-misc\n', [], /lower\.txt:2: tag "b-misc" is not a BIO tag/],
    ['iob1.txt', 'EU O\nrejects I-ORG\n', ['--tag-scheme', 'bio'], /iob1\.txt:2: "I-ORG" after "O": in BIO an entity starts with B-/],
    ['latin1.txt', Buffer.from([...Buffer.from('EU B-ORG\nGerm'), 0xff, 0xfe, ...Buffer.from('n B-MISC\n')]), [], /latin1\.txt:2: bytes that are not UTF-8 .*Latin-1/],
    ['utf16.txt', Buffer.from('\ufeffEU B-ORG\n', 'utf16le'), [], /utf16\.txt:1: bytes that are not UTF-8 .*UTF-16/],
    ['missing.conllu', '1\tI\tI\t_\tPRP\t_\t0\troot\t_\t_\n\n', [], /missing\.conllu:1: the UPOS column is "_" \(no tag\)/],
    ['array.json', '{"text": "张三", "label": ["name"]}\n', [], /array\.json:1: "label" must be an object/],
  ];
  for (const [name, content, flags, message] of cases) {
    const r = offramp(['train', '--train', file(name, content), ...tiny, ...flags, '--out', join(dir, `never-${name}`)]);
    expectExit(r, 1, message, name);
    assert.doesNotMatch(r.stderr, /epoch 1/, `${name}: refused before training`);
  }
  // a UTF-8 BOM is fine, the detected scheme is said, --allow-missing-tags skips with a count
  const bom = offramp(['train', '--train', file('bom.txt', '\ufeffEU B-ORG\nrejects O\n\nPeter B-PER\n'), ...tiny, '--epochs', '1', '--out', join(dir, 'bom')]);
  assert.equal(bom.code, 0, bom.stderr);
  assert.match(bom.stderr, /bom\.txt: tags BIO \(detected\)/);
  const conllu = '1\tI\tI\t_\tPRP\t_\t0\troot\t_\t_\n\n1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t_\t_\n2\tno\tno\tINTJ\tUH\t_\t1\tdep\t_\t_\n\n1\tGo\tgo\tVERB\tVB\t_\t0\troot\t_\t_\n\n';
  const skip = offramp(['train', '--train', file('skip.conllu', conllu), ...tiny, '--epochs', '1', '--allow-missing-tags', '--out', join(dir, 'skip')]);
  assert.equal(skip.code, 0, skip.stderr);
  assert.match(skip.stderr, /skip\.conllu: skipped 1 sentence\(s\) \(1 words\) with a missing UPOS tag/);
});

test('eval names gold labels the model does not have, refuses disjoint label sets, and says which metric and why', () => {
  const extra = join(dir, 'extra.txt');
  writeFileSync(extra, `${readFileSync(devFile, 'utf8')}Acme B-PRODUCT\nrocks O\n\n`);
  const r = offramp(['eval', '--model', model, '--data', extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /extra\.txt: 1 gold label\(s\) the model does not have, on 1 word\(s\): B-PRODUCT \(1\); they are scored as errors/);
  assert.match(r.stderr, /metric: span F1 \(the metric the model was trained with\)/);
  const trained = offramp(['train', '--train', trainFile, '--dev', extra, ...tiny, '--epochs', '1', '--out', join(dir, 'devcheck')]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stderr, /extra\.txt: 1 gold label\(s\) the model does not have, on 1 word\(s\): B-PRODUCT/, 'train checks --dev too');
  const forced = offramp(['eval', '--model', model, '--data', devFile, '--metric', 'accuracy']);
  assert.match(forced.stderr, /metric: accuracy \(chosen with --metric\)/);
  const upos = join(dir, 'pos.conllu');
  writeFileSync(upos, '1\tI\tI\tPRON\tPRP\t_\t0\troot\t_\t_\n2\trun\trun\tVERB\tVBP\t_\t1\tdep\t_\t_\n\n');
  expectExit(offramp(['eval', '--model', model, '--data', upos]), 1, /pos\.conllu: none of its labels is a label of the model \(data: .*PRON.*; model: .*B-/, 'disjoint');
});

test('eval refuses a checkpoint with NaN weights naming the tensor; --allow-non-finite makes it a warning', async () => {
  const broken = join(dir, 'broken');
  const r = offramp(['train', '--train', trainFile, ...tiny, '--epochs', '1', '--out', broken]);
  assert.equal(r.code, 0, r.stderr);
  const path = join(resolveCheckpoint(broken), 'model.safetensors');
  const st = await readSafetensors(path);
  const tensors = new Map<string, TensorToWrite>([...st.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
  const bias = tensors.get('offramps.1.bias')!;
  tensors.set('offramps.1.bias', { shape: bias.shape, data: new Float32Array(bias.data.length).fill(NaN) });
  await writeSafetensors(path, tensors, st.metadata);
  expectExit(offramp(['eval', '--model', broken, '--data', devFile]), 1, /model\.safetensors: tensor 'offramps\.1\.bias' has \d+ non-finite value\(s\) of \d+ \(first: NaN at index 0\)/, 'NaN');
  const warned = offramp(['eval', '--model', broken, '--data', devFile, '--allow-non-finite']);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /warning: .*offramps\.1\.bias/);
});

test('output paths are checked before the work; writing over an input is refused', () => {
  writeFileSync(join(dir, 'a-file'), '');
  const notDir = offramp(['train', '--train', trainFile, ...tiny, '--out', join(dir, 'a-file')]);
  expectExit(notDir, 1, /a-file: exists and is not a directory/, 'train --out file');
  assert.doesNotMatch(notDir.stderr, /train: \d+ sentences/, 'before reading the data');
  const curve = offramp(['curve', '--model', model, '--data', devFile, '--out', join(dir, 'no', 'such', 'dir', 'curve')]);
  expectExit(curve, 1, /--out .*curve\.json: the directory .*dir does not exist/, 'curve --out');
  assert.doesNotMatch(curve.stderr, /metric:/, 'before loading anything');
  const devBefore = readFileSync(devFile, 'utf8');
  expectExit(offramp(['eval', '--model', model, '--data', devFile, '--output', devFile]), 2, /--output .*dev\.txt is an input of this command; refusing to write over it/, 'eval --output = data');
  const input = join(dir, 'sentences.txt');
  writeFileSync(input, 'alice met bob\n');
  expectExit(offramp(['tag', '--model', model, '--file', input, '--html', input]), 2, /--html .*sentences\.txt is an input/, 'tag --html = input');
  expectExit(offramp(['eval', '--model', model, '--data', devFile, '--output', join(model, 'CURRENT')]), 2, /is inside an input of this command/, 'eval --output in the model');
  assert.equal(readFileSync(devFile, 'utf8'), devBefore);
  assert.equal(readFileSync(input, 'utf8'), 'alice met bob\n');
});

test('tag streams: each stdin line is labelled and printed before the next arrives; a closed pipe ends quietly with 0', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [cli, 'tag', '--model', model, '--inline'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const lineOut = (n: number): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (stdout.split('\n').length > n) resolve();
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    void exited.then(() => reject(new Error(`tag ended early: ${stderr}`)));
    check();
  });
  child.stdin.write('alice met bob\n');
  await lineOut(1); // stdin is still open: the first line came out on its own
  assert.match(stdout, /^alice\/\S+@\d+ met\/\S+@\d+ bob\/\S+@\d+\n$/);
  child.stdin.write('paris is big\n');
  await lineOut(2);
  child.stdin.end();
  const [code] = await exited;
  assert.equal(code, 0, stderr);

  // `offramp tag … | head -1`: the reader goes away after the first line while tag still writes
  const tag = spawn(process.execPath, [cli, 'tag', '--model', model], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let tagErr = '';
  tag.stderr.on('data', (d: Buffer) => (tagErr += d.toString()));
  const tagExit = once(tag, 'exit');
  tag.stdout.once('data', () => tag.stdout.destroy());
  tag.stdin.on('error', () => {}); // tag may end while we still write to it
  const sentence = `${Array.from({ length: 40 }, () => 'alice met young jordan in paris').join(' ')}\n`;
  for (let i = 0; i < 400 && tag.exitCode === null; i++) {
    if (!tag.stdin.destroyed) tag.stdin.write(sentence.repeat(20));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!tag.stdin.destroyed) tag.stdin.end();
  const [tagCode] = await tagExit;
  assert.equal(tagCode, 0, tagErr);
  assert.doesNotMatch(tagErr, /EPIPE|Error|at /);
});

test('offramp --version prints the package version', () => {
  const r = offramp(['--version']);
  assert.equal(r.code, 0);
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'));
  assert.equal(r.stdout, `offramp ${pkg.version}\n`);
});
