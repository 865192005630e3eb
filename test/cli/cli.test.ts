// The offramp command run as a child process on tiny generated data: train → eval → calibrate →
// curve → tag, --help for every command, and clear failures on bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSyntheticTask } from '../../src/data/index.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { offramp, ok, toConll } from '../helpers/cli.js';

const commands = ['train', 'eval', 'curve', 'calibrate', 'tag', 'demo', 'serve'];

let dir = '';
let trainFile = '';
let devFile = '';
let modelDir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'offramp-cli-'));
  const task = makeSyntheticTask(4, { train: 24, dev: 10, test: 0 });
  trainFile = join(dir, 'train.txt');
  devFile = join(dir, 'dev.txt');
  modelDir = join(dir, 'model');
  writeFileSync(trainFile, `-DOCSTART- -X- O\n\n${toConll(task.train)}`);
  writeFileSync(devFile, toConll(task.dev));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('offramp --help lists every command; an unknown command exits 2', () => {
  const r = ok(offramp(['--help']), '--help');
  for (const c of commands) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  const bad = offramp(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
});

for (const c of commands) {
  test(`offramp ${c} --help prints its usage and exits 0 without starting anything`, () => {
    const r = ok(offramp([c, '--help']), `${c} --help`);
    assert.match(r.stdout, new RegExp(`^Usage: offramp ${c}`));
    assert.equal(r.stderr, '');
  });
}

test('train → eval → calibrate → curve → tag on tiny generated data', () => {
  const tr = ok(offramp(['train', '--train', trainFile, '--dev', devFile, '--layers', '3', '--hidden', '8', '--heads', '2',
    '--epochs', '2', '--batch-pieces', '200', '--lr', '3e-3', '--seed', '3', '--out', modelDir]), 'train');
  assert.match(tr.stderr, /epoch 1\/2 {2}loss [\d.]+ {2}dev span F1 [\d.]+/);
  assert.match(tr.stderr, /epoch 2\/2/);
  assert.match(tr.stdout, /best: epoch [12]/);
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'labels.txt', 'trainstate.json']) assert.ok(existsSync(join(resolveCheckpoint(modelDir), f)), f);
  const config = JSON.parse(readFileSync(join(resolveCheckpoint(modelDir), 'config.json'), 'utf8'));
  assert.equal(config.labeler.bert.layers, 3);
  assert.equal(config.info.metric, 'f1');

  const full = JSON.parse(ok(offramp(['eval', '--model', modelDir, '--data', devFile, '--json']), 'eval full').stdout);
  assert.equal(full.policy, 'full');
  assert.equal(full.sentences, 10);
  assert.ok(full.speedup > 0.9 && full.speedup <= 1, `full speedup ${full.speedup}`);
  assert.deepEqual(full.exitHistogram.slice(0, 2), [0, 0]);
  assert.equal(full.exitHistogram[2], full.words);

  const agg = JSON.parse(ok(offramp(['eval', '--model', modelDir, '--data', devFile, '--policy', 'tokee', '--threshold', '1.01', '--window', '1', '--json']), 'eval tokee').stdout);
  assert.equal(agg.exitHistogram[0], agg.words);
  assert.ok(agg.speedup > 2, `aggressive TOKEE speedup ${agg.speedup}`);

  const text = ok(offramp(['eval', '--model', modelDir, '--data', devFile, '--policy', 'static', '--layers', '2', '--conlleval', '--output', join(dir, 'pred.txt')]), 'eval static');
  assert.match(text.stdout, /^policy {8}static\(2\)$/m);
  assert.match(text.stdout, /^speedup +1\.\d\dx FLOPs \(official MACs count: 1\.\d\dx\)$/m);
  assert.match(text.stdout, /^processed \d+ tokens with \d+ phrases/m);
  const pred = readFileSync(join(dir, 'pred.txt'), 'utf8').trim().split('\n')[0]!.split(' ');
  assert.equal(pred.length, 4);
  assert.equal(pred[3], '2');

  const cal = JSON.parse(ok(offramp(['calibrate', '--model', modelDir, '--data', devFile, '--policy', 'sentee', '--speedup', '1.5', '--tolerance', '0.5', '--json']), 'calibrate').stdout);
  assert.equal(cal.target, 1.5);
  assert.ok(cal.steps.length >= 1);
  assert.equal(cal.result.speedup, cal.steps.find((s: { threshold: number }) => s.threshold === cal.threshold).speedup);

  const prefix = join(dir, 'curve');
  ok(offramp(['curve', '--model', modelDir, '--data', devFile, '--out', prefix, '--thresholds', '0.3,1.01', '--windows', '1', '--depths', '1,3']), 'curve');
  const curve = JSON.parse(readFileSync(`${prefix}.json`, 'utf8'));
  assert.deepEqual(curve.points.map((p: { method: string; param: number }) => `${p.method}:${p.param}`), ['static:1', 'static:3', 'SENTEE:0.3', 'SENTEE:1.01', 'TOKEE k=1:0.3', 'TOKEE k=1:1.01']);
  const svg = readFileSync(`${prefix}.svg`, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 3);
  for (const name of ['static', 'SENTEE', 'TOKEE k=1']) assert.ok(svg.includes(`>${name}</text>`), `legend ${name}`);

  const html = join(dir, 'tag.html');
  const tag = ok(offramp(['tag', '--model', modelDir, '--policy', 'static', '--layers', '2', '--html', html], 'alice met young jordan in paris\n\nacme & <globex>\n'), 'tag');
  const blocks = tag.stdout.split('\n\n');
  const first = blocks[0]!.split('\n').map((l) => l.split('\t'));
  assert.deepEqual(first.map((c) => c[0]), ['alice', 'met', 'young', 'jordan', 'in', 'paris']);
  for (const [, label, layer] of first) {
    assert.match(label!, /^(O|[BI]-(PER|LOC|ORG))$/);
    assert.equal(layer, '2');
  }
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!DOCTYPE html>/);
  assert.ok(page.includes('&lt;globex&gt;') && page.includes('&amp;'), 'words are HTML-escaped');
  assert.match(page, /exit layer: /);

  const inline = ok(offramp(['tag', '--model', modelDir, '--inline', '--file', '-'], 'alice met bob\n'), 'tag --inline');
  assert.match(inline.stdout, /^alice\/\S+@3 met\/\S+@3 bob\/\S+@3\n$/);
});

test('bad input: non-zero exit and a message naming the file and line', () => {
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, 'alice B-PER\nmet O\nlonely\n');
  const r = offramp(['train', '--train', bad, '--out', join(dir, 'never')]);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${bad}:3: expected at least 2 columns`), r.stderr);
  assert.ok(!existsSync(join(dir, 'never')), 'the run directory it created is removed when nothing was saved');

  const missing = offramp(['eval', '--model', join(dir, 'nope'), '--data', devFile]);
  assert.equal(missing.code, 1);
  assert.ok(missing.stderr.includes(`${join(dir, 'nope')}: no such checkpoint directory`), missing.stderr);

  const noData = offramp(['train', '--train', join(dir, 'absent.txt'), '--out', join(dir, 'never')]);
  assert.equal(noData.code, 1);
  assert.ok(noData.stderr.includes(`${join(dir, 'absent.txt')}: no such file`), noData.stderr);

  const badJson = join(dir, 'bad.json');
  writeFileSync(badJson, '{"text": "ab", "label": {}}\n{"text": oops}\n');
  const j = offramp(['train', '--train', badJson, '--out', join(dir, 'never')]);
  assert.equal(j.code, 1);
  assert.ok(j.stderr.includes(`${badJson}:2: invalid JSON`), j.stderr);
});

test('bad flags: exit 2 with the flag named', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--out', 'x'], /--train is required/],
    [['train', '--train', 'a', '--out', 'x', '--epochs', 'three'], /--epochs must be a number, got 'three'/],
    [['train', '--train', 'a', '--out', 'x', '--preset', 'huge'], /--preset must be one of tiny, small, base/],
    [['train', '--train', 'a', '--out', 'x', '--preset', 'tiny', '--hidden', '8'], /--preset cannot be combined with --hidden/],
    [['eval', '--model', 'm', '--data', 'd', '--policy', 'full', '--threshold', '0.1'], /--threshold does not apply to --policy full/],
    [['eval', '--model', 'm', '--data', 'd', '--bogus'], /Unknown option '--bogus'/],
    [['calibrate', '--model', 'm', '--data', 'd', '--policy', 'tokee'], /--speedup is required/],
  ];
  for (const [args, message] of cases) {
    const r = offramp(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /see: offramp \w+ --help/);
  }
});
