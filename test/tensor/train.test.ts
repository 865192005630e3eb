// A 2-layer MLP trained with AdamW on the fixed toy task (test/helpers/toy.ts): it fits, and the
// first 10 losses are bit-identical to the committed fixture (same seed → same Float32 values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { backend } from '../../src/index.js';
import { trainToy, TOY_SEED } from '../helpers/toy.js';
import { suiteBackend } from '../helpers/suite.js';

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/toy-train-losses.json', import.meta.url), 'utf8')) as {
  seed: number;
  losses: number[];
  bits: string[];
};

function f32Bits(x: number): string {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x);
  return b.getUint32(0).toString(16).padStart(8, '0');
}

test('the first 10 losses are bit-identical to the committed fixture', { skip: suiteBackend === 'cpu' ? false : 'the fixture holds CPU bits' }, async () => {
  assert.equal(fixture.seed, TOY_SEED);
  const run = await trainToy(10);
  run.dispose();
  // every loss is an f32 value, so the JSON double round-trips it exactly
  assert.deepEqual(run.losses.map(f32Bits), fixture.bits);
  assert.deepEqual(run.losses, fixture.losses);
});

test('the toy MLP reaches near-zero loss, and training frees what it allocates', async () => {
  const start = backend().liveBuffers();
  const run = await trainToy(150);
  run.dispose();
  assert.equal(backend().liveBuffers(), start, 'every buffer of the run was freed');
  const first = run.losses[0]!;
  const last = run.losses[run.losses.length - 1]!;
  assert.ok(last < 0.01, `final loss ${last}`);
  assert.ok(last < first / 100, `loss went from ${first} to ${last}`);
});

test('another seed gives another (still deterministic) run', async () => {
  const a = await trainToy(3, 7);
  const b = await trainToy(3, 7);
  a.dispose();
  b.dispose();
  assert.deepEqual(a.losses, b.losses);
  assert.notDeepEqual(a.losses, fixture.losses.slice(0, 3));
});
