// offramp pretrain as a child process on tiny generated text: it learns, its output directory is
// a Hugging Face BERT that `train --init-hf` loads, and a resumed run equals an uninterrupted one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelerFromHf, readHfBert } from '../../src/io/hf.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/random.js';
import { resolveCheckpoint, RunLock } from '../../src/io/rundir.js';
import { cli, cliEnv, offramp, ok } from '../helpers/cli.js';

const letters = 'abcdefghijklmnopqrst'.split('');
let dir = '';
let text = '';
let vocab = '';
let conll = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'offramp-pretrain-'));
  // each line: 10 consecutive letters of a 20-letter cycle from a random start, so every masked
  // letter follows from its neighbours
  const rng = new Rng(1);
  const lines = Array.from({ length: 600 }, () => {
    const s = rng.int(20);
    return Array.from({ length: 10 }, (_, i) => letters[(s + i) % 20]).join(' ');
  });
  text = join(dir, 'alphabet.txt');
  writeFileSync(text, `${lines.slice(0, 300).join('\n')}\n\n${lines.slice(300).join('\n')}\n`);
  vocab = join(dir, 'vocab.txt');
  writeFileSync(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...letters, ...letters.map((c) => `##${c}`)].map((t) => `${t}\n`).join(''));
  conll = join(dir, 'train.conll');
  writeFileSync(conll, lines.slice(0, 40).map((l) => l.split(' ').map((w) => `${w.toUpperCase()} ${w < 'k' ? 'B-X' : 'O'}`).join('\n')).join('\n\n') + '\n');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tiny = ['--layers', '2', '--hidden', '32', '--heads', '2', '--seq-len', '32', '--batch-pieces', '256'];

test('pretrain learns: held-out MLM accuracy on predictable text goes far above chance (1/20)', () => {
  const out = ok(offramp(['pretrain', text, '--vocab', vocab, ...tiny, '--steps', '800', '--lr', '5e-3', '--dropout', '0', '--holdout', '60', '--eval-every', '1000', '--out', join(dir, 'learn')])).stdout;
  const acc = Number(/held-out MLM accuracy ([\d.]+)%/.exec(out)?.[1]);
  assert.ok(acc >= 70, `held-out accuracy ${acc}%:\n${out}`);
});

test('pretrain saves a Hugging Face BERT directory that train --init-hf loads, casing included', async () => {
  const out = join(dir, 'hf');
  ok(offramp(['pretrain', text, '--labelled', conll, '--vocab', vocab, '--case', 'uncased', ...tiny, '--steps', '5', '--out', out]));
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.model_type, 'bert');
  assert.equal(config.hidden_size, 32);
  assert.equal(config.num_hidden_layers, 2);
  assert.equal(config.vocab_size, 45);
  assert.equal(config.max_position_embeddings, 32);
  assert.equal(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).do_lower_case, true);
  const saved = (await readSafetensors(join(out, 'model.safetensors'))).tensors;
  for (const name of ['cls.predictions.transform.dense.weight', 'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.bias', 'bert.embeddings.word_embeddings.weight']) {
    assert.ok(saved.has(name), `model.safetensors lacks ${name}`);
  }
  assert.ok(!saved.has('cls.predictions.decoder.weight'), 'the tied decoder weight is stored once, as the word embeddings');
  const hf = await readHfBert(out);
  assert.equal(hf.lowercase, true);
  assert.equal(hf.caseSource, 'tokenizer_config.json');
  assert.deepEqual(hf.skipped.sort(), [...saved.keys()].filter((n) => n.startsWith('cls.')).sort());
  const imported = labelerFromHf(hf, 3, 0.1, 1);
  try {
    for (const name of hf.tensors.keys()) assert.deepEqual(await imported.store.get(name).data(), saved.get(name)!.data, name);
  } finally {
    imported.dispose();
  }
  const r = offramp(['train', '--train', conll, '--init-hf', out, '--epochs', '1', '--out', join(dir, 'ner'), '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /uncased, from tokenizer_config\.json/);
  assert.match(r.stderr, /lr 0\.001 \(encoder ×1\).*; recipe offramp-pretrain\n/);
  assert.ok(existsSync(join(resolveCheckpoint(join(dir, 'ner')), 'model.safetensors')));
  // without trainer_state.json the directory is any Hugging Face BERT: the `bert` recipe; flags override a recipe
  const plain = join(dir, 'hf-plain');
  cpSync(out, plain, { recursive: true });
  rmSync(join(plain, 'trainer_state.json'));
  const b = offramp(['train', '--train', conll, '--init-hf', plain, '--epochs', '1', '--out', join(dir, 'ner-bert'), '--quiet']);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /1 epochs × .* lr 0\.0005 \(encoder ×0\.1\).*; recipe bert\n/);
  const o = offramp(['train', '--train', conll, '--init-hf', plain, '--recipe', 'offramp-pretrain', '--encoder-lr-ratio', '0.5', '--epochs', '1', '--out', join(dir, 'ner-o'), '--quiet']);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stderr, /lr 0\.001 \(encoder ×0\.5\).*; recipe offramp-pretrain\n/);
  const bad = offramp(['train', '--train', conll, '--recipe', 'fast', '--out', join(dir, 'ner-x')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--recipe must be one of scratch, offramp-pretrain, bert, got 'fast'/);
});

test('pretrain --resume: stopped and resumed twice, the parameters and optimizer state equal an uninterrupted run', async () => {
  const common = [text, '--vocab', vocab, ...tiny, '--steps', '9', '--save-every', '100', '--seed', '3'];
  ok(offramp(['pretrain', ...common, '--out', join(dir, 'whole')]));
  const split = join(dir, 'split');
  assert.match(ok(offramp(['pretrain', ...common, '--stop-at', '4', '--out', split])).stdout, /step 4\/9.*--resume/);
  ok(offramp(['pretrain', ...common, '--stop-at', '7', '--resume', '--out', split]));
  ok(offramp(['pretrain', ...common, '--resume', '--out', split]));
  const finished = readFileSync(join(split, 'model.safetensors'));
  assert.match(ok(offramp(['pretrain', ...common, '--resume', '--out', split])).stderr, /split: the run is already at step 9 of 9; nothing to do/);
  assert.deepEqual(readFileSync(join(split, 'model.safetensors')), finished, 'a complete run is left as it is');
  for (const file of ['model.safetensors', 'optimizer.safetensors']) {
    const a = (await readSafetensors(join(dir, 'whole', file))).tensors;
    const b = (await readSafetensors(join(split, file))).tensors;
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, `${file}: ${name}`);
  }
  const bad = offramp(['pretrain', ...common.map((x) => (x === '3' ? '4' : x)), '--resume', '--out', split]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /trainer_state\.json: the saved run's options/);
  const again = offramp(['pretrain', ...common, '--out', split]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds a pretraining run: continue it with --resume/);
});

test('pretrain --init starts from a finished run\'s weights (fresh schedule, another seed) and refuses another vocabulary', async () => {
  const src = join(dir, 'init-src');
  ok(offramp(['pretrain', text, '--vocab', vocab, ...tiny, '--steps', '5', '--seed', '3', '--out', src]));
  const dst = join(dir, 'init-dst');
  // one step at a negligible learning rate: every parameter stays the source's, not seed 7's random init
  ok(offramp(['pretrain', text, '--vocab', vocab, ...tiny, '--steps', '1', '--lr', '1e-12', '--seed', '7', '--init', src, '--out', dst]));
  const a = (await readSafetensors(join(src, 'model.safetensors'))).tensors;
  const b = (await readSafetensors(join(dst, 'model.safetensors'))).tensors;
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [name, t] of a) {
    const got = b.get(name)!.data;
    const worst = Math.max(...Array.from(t.data, (x, i) => Math.abs(Number(x) - Number(got[i]))));
    assert.ok(worst < 1e-6, `${name}: differs from --init's by ${worst}`);
  }
  assert.equal(JSON.parse(readFileSync(join(dst, 'trainer_state.json'), 'utf8')).options.init, src);
  const other = join(dir, 'vocab-other.txt');
  writeFileSync(other, readFileSync(vocab, 'utf8').replace('##t\n', '##z\n'));
  const r = offramp(['pretrain', text, '--vocab', other, ...tiny, '--steps', '1', '--init', src, '--out', join(dir, 'init-bad')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /init-src\/vocab\.txt differs from --vocab .*vocab-other\.txt/);
});

/** Runs offramp, sends SIGINT once stderr shows `when`, and resolves with the exit code and stderr. */
function interrupted(args: string[], when: RegExp): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: cliEnv });
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('pretrain: SIGINT saves after the current step and exits 1; --resume then ends where an uninterrupted run does', async () => {
  const common = [text, '--vocab', vocab, ...tiny, '--steps', '300', '--log-every', '10', '--save-every', '1000', '--seed', '5'];
  ok(offramp(['pretrain', ...common, '--out', join(dir, 'sig-whole')]));
  const split = join(dir, 'sig-split');
  const r = await interrupted(['pretrain', ...common, '--out', split], /step 10\/300/);
  assert.equal(r.code, 1, r.stderr);
  const stoppedAt = Number(/stopped by SIGINT after step (\d+)\/300; saved in/.exec(r.stderr)?.[1]);
  assert.ok(stoppedAt >= 10 && stoppedAt < 300, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(split, 'trainer_state.json'), 'utf8')).step, stoppedAt);
  ok(offramp(['pretrain', ...common, '--resume', '--out', split]));
  const a = (await readSafetensors(join(dir, 'sig-whole', 'model.safetensors'))).tensors;
  const b = (await readSafetensors(join(split, 'model.safetensors'))).tensors;
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
});

test('pretrain --help prints its usage and exits 0; offramp --help lists pretrain', () => {
  assert.match(ok(offramp(['pretrain', '--help'])).stdout, /^Usage: offramp pretrain/);
  assert.match(ok(offramp(['--help'])).stdout, /^ {2}pretrain /m);
});

test('pretrain: bad flags exit 2 with the flag named', () => {
  const r = offramp(['pretrain', text, '--vocab', vocab, '--out', join(dir, 'x'), '--steps', '3', '--epochs', '2']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--steps or --epochs/);
  assert.equal(offramp(['pretrain', '--vocab', vocab, '--out', join(dir, 'x')]).code, 2);
});

test('pretrain: a directory another live process is writing is refused, and the lock is gone after a run', () => {
  const out = join(dir, 'locked');
  const lock = RunLock.acquire((mkdirSync(out, { recursive: true }), out)); // this test process holds it
  try {
    const r = offramp(['pretrain', text, '--vocab', vocab, ...tiny, '--steps', '2', '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /another offramp process \(pid \d+/);
  } finally {
    lock.release();
  }
  ok(offramp(['pretrain', text, '--vocab', vocab, ...tiny, '--steps', '2', '--out', out]));
  assert.ok(!existsSync(join(out, '.lock')), 'the finished run released its lock');
});
