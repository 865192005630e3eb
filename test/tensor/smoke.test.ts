import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ops, tensor } from '../../src/index.js';

test('matmul of a 2x2 by the identity returns the input', async () => {
  const a = tensor([1, 2, 3, 4], [2, 2]);
  const i = tensor([1, 0, 0, 1], [2, 2]);
  assert.deepEqual([...(await ops.matmul(a, i).data())], [1, 2, 3, 4]);
});
