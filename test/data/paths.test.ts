import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { dataPath, dataRoot } from '../../src/data/paths.js';

test('dataRoot: OFFRAMP_DATA wins, resolved against the working directory', () => {
  const saved = process.env['OFFRAMP_DATA'];
  try {
    process.env['OFFRAMP_DATA'] = 'some/data';
    assert.equal(dataRoot(), resolve('some/data'));
    assert.equal(dataPath('a', 'b.txt'), resolve('some/data', 'a', 'b.txt'));
    delete process.env['OFFRAMP_DATA'];
    assert.match(dataRoot(), /[/\\]shared[/\\]data$/);
  } finally {
    if (saved === undefined) delete process.env['OFFRAMP_DATA'];
    else process.env['OFFRAMP_DATA'] = saved;
  }
});
