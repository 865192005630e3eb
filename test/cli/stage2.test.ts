// offramp train --stage2 run as a child process: self-sampling fine-tuning of a tiny stage-1
// checkpoint on generated data, its progress, dev evaluation and checkpoints, and its failures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSyntheticTask } from '../../src/data/index.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { offramp, ok, toConll } from '../helpers/cli.js';

let dir = '';
let trainFile = '';
let devFile = '';
let stage1 = '';
const config = (d: string) => JSON.parse(readFileSync(join(resolveCheckpoint(d), 'config.json'), 'utf8'));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'offramp-stage2-'));
  const task = makeSyntheticTask(5, { train: 20, dev: 8, test: 0 });
  trainFile = join(dir, 'train.txt');
  devFile = join(dir, 'dev.txt');
  stage1 = join(dir, 'stage1');
  writeFileSync(trainFile, toConll(task.train));
  writeFileSync(devFile, toConll(task.dev));
  ok(offramp(['train', '--train', trainFile, '--dev', devFile, '--layers', '3', '--hidden', '8', '--heads', '2',
    '--epochs', '1', '--batch-pieces', '150', '--lr', '3e-3', '--seed', '2', '--out', stage1, '--quiet']), 'stage 1');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('train --stage2 --help prints its own usage; train --help points to it', () => {
  const r = ok(offramp(['train', '--stage2', '--help']), 'train --stage2 --help');
  assert.match(r.stdout, /^Usage: offramp train --stage2 --from DIR/);
  assert.match(r.stdout, /--exit-source S/);
  assert.equal(r.stderr, '');
  assert.match(ok(offramp(['train', '--help']), 'train --help').stdout, /--stage2 --from DIR/);
});

test('stage 2 with dev: progress, a dev score per epoch under the policy, the best epoch saved with its origin', () => {
  const out = join(dir, 'stage2');
  const r = ok(offramp(['train', '--stage2', '--from', stage1, '--train', trainFile, '--dev', devFile, '--out', out,
    '--epochs', '2', '--batch-pieces', '150', '--policy', 'tokee', '--threshold', '0.5', '--window', '1']), 'stage 2');
  assert.match(r.stderr, /^stage 1: dev span F1 [\d.]+ at [\d.]+x$/m);
  assert.match(r.stderr, /^stage-1 statistics 100% /m);
  assert.match(r.stderr, /^epoch 1\/2 100% \d+ tokens\/s ETA \S+ loss [\d.]+$/m);
  for (const e of [1, 2]) assert.match(r.stderr, new RegExp(`^epoch ${e}/2  loss [\\d.]+  dev span F1 [\\d.]+ at [\\d.]+x  \\d+ tokens/s`, 'm'));
  assert.match(r.stdout, /^best: epoch [12] \(dev span F1 [\d.]+ under tokee\(k=1, δ=0\.5\)\), saved in /);
  const c = config(out);
  assert.equal(c.info.stage, 2);
  assert.equal(c.info.fromId, config(stage1).id);
  assert.equal(c.info.sampling.exitSource, 'stage1');
  assert.equal(c.info.sampling.flooding, true);
  assert.ok(c.info.history.length >= 1 && c.info.history.every((h: { loss: number }) => Number.isFinite(h.loss)));
  assert.notDeepEqual(readFileSync(join(resolveCheckpoint(out), 'model.safetensors')), readFileSync(join(resolveCheckpoint(stage1), 'model.safetensors')), 'the weights changed');
  const ev = JSON.parse(ok(offramp(['eval', '--model', out, '--data', devFile, '--json']), 'eval stage 2').stdout);
  assert.equal(ev.sentences, 8);
});

test('stage 2 without dev keeps the last epoch; the random-exit ablation runs without flooding', () => {
  const out = join(dir, 'stage2-random');
  const r = ok(offramp(['train', '--stage2', '--from', stage1, '--train', trainFile, '--out', out, '--epochs', '2',
    '--exit-source', 'random', '--no-flooding', '--windows', '3,5', '--thresholds', '0.2', '--quiet']), 'stage 2 random');
  assert.doesNotMatch(r.stderr, /stage-1 statistics|dev span F1/);
  assert.match(r.stdout, /^best: epoch 2, saved in /);
  const c = config(out);
  assert.equal(c.info.epoch, 2);
  assert.deepEqual([c.info.sampling.exitSource, c.info.sampling.flooding, c.info.sampling.windows], ['random', false, [3, 5]]);
});

test('stage 2 failures: usage mistakes exit 2, a label the checkpoint does not know exits 1 naming file and sentence', () => {
  const usage: [string[], RegExp][] = [
    [['--train', trainFile, '--out', 'x'], /--from is required/],
    [['--from', stage1, '--train', trainFile, '--out', stage1], /--out must differ from --from/],
    [['--from', stage1, '--train', trainFile, '--out', 'x', '--windows', '5,4'], /--windows .* must be odd, got 4/],
    [['--from', stage1, '--train', trainFile, '--out', 'x', '--exit-source', 'oracle'], /--exit-source must be one of stage1, current, random/],
    [['--from', stage1, '--train', trainFile, '--out', 'x', '--preset', 'tiny'], /Unknown option '--preset'/],
  ];
  for (const [args, message] of usage) {
    const r = offramp(['train', '--stage2', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const odd = join(dir, 'odd.txt');
  writeFileSync(odd, 'alice B-PER\n\nbob B-WHO\n\n');
  const r = offramp(['train', '--stage2', '--from', stage1, '--train', odd, '--out', join(dir, 'never')]);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stderr.includes(`${odd}: sentence 2 has label "B-WHO"`), r.stderr);
});
