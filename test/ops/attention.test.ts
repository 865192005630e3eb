// The fused sparse-query attention kernels against their composite from primitives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromArray, noGrad, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { attentionArb, valuesArb } from '../helpers/arb.js';
import { cpuOnly } from '../helpers/suite.js';

test('the op (fused kernel in f32 where the backend has one) equals the f64 composite: output and the gradients of q, k, v', { skip: cpuOnly }, () => {
  fc.assert(
    fc.property(attentionArb.chain((p) => fc.tuple(fc.constant(p), valuesArb(p.m * p.h), valuesArb(p.n * p.h), valuesArb(p.n * p.h), valuesArb(p.m * p.h))),
      ([{ heads, h, n, m, segments }, qv, kv, vv, gv]) => {
        const run = (attn: typeof O.sparseQueryAttention, Arr: Float32ArrayConstructor | Float64ArrayConstructor) => {
          const q = fromArray(Arr.from(qv), [m, h]).param('q');
          const k = fromArray(Arr.from(kv), [n, h]).param('k');
          const v = fromArray(Arr.from(vv), [n, h]).param('v');
          const out = attn(q, k, v, segments, heads);
          out.backward(fromArray(Arr.from(gv), [m, h]));
          // an input the output does not depend on gets no gradient in the composite: read it as zeros
          return [[out, out], [q.grad, q], [k.grad, k], [v.grad, v]].map(([t, like]) => (t ? t.dataSync() : new Float64Array((like as Tensor).size)));
        };
        const fused = run(O.sparseQueryAttention, Float32Array);
        const composite = run(O.sparseQueryAttentionComposite, Float64Array);
        // f32 inputs (rounded) and f32 sums over ≤ 6 keys and ≤ 3 columns: a few ulps of the terms' size
        const scale = Math.max(1, ...[qv, kv, vv, gv].flat().map(Math.abs));
        ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
          for (let j = 0; j < fused[i]!.length; j++) {
            const [a, c] = [fused[i]![j]!, composite[i]![j]!];
            assert.ok(Math.abs(a - c) <= 1e-5 * scale ** 3, `${name}[${j}]: ${a} vs ${c}`);
          }
        });
      }),
    { numRuns: 200 },
  );
});

test('attention: a query segment with no keys gives 0 and gradient 0; rows attend only to their segment', async () => {
  const q = fromArray(Float32Array.from([1, 2, 3, 4]), [2, 2]).param('q');
  const k = fromArray(Float32Array.from([1, 0, 0, 1, 5, 5]), [3, 2]).param('k');
  const v = fromArray(Float32Array.from([1, 1, 2, 2, 100, 100]), [3, 2]).param('v');
  const segments = [{ qStart: 0, qEnd: 1, kStart: 0, kEnd: 0 }, { qStart: 1, qEnd: 2, kStart: 0, kEnd: 2 }];
  const out = O.sparseQueryAttention(q, k, v, segments, 1);
  const values = await out.data();
  assert.deepEqual([values[0], values[1]], [0, 0]);
  // row 1 mixes v0 and v1 only (never the 100s of key 2)
  assert.ok(values[2]! > 1 && values[2]! < 2 && values[3]! > 1 && values[3]! < 2);
  O.sum(out).backward();
  assert.deepEqual([...(await q.grad!.data())].slice(0, 2), [0, 0]);
  assert.deepEqual([...(await k.grad!.data())].slice(4), [0, 0]);
  assert.deepEqual([...(await v.grad!.data())].slice(4), [0, 0]);
});

test('attention: segments that do not tile the queries, or bad heads, are errors naming the op', () => {
  const q = noGrad(() => fromArray(new Float32Array(8), [2, 4]));
  const k = fromArray(new Float32Array(12), [3, 4]);
  assert.throws(() => O.sparseQueryAttention(q, k, k, [{ qStart: 0, qEnd: 1, kStart: 0, kEnd: 3 }], 2), /sparseQueryAttention: segments cover 1 query rows, q has 2/);
  assert.throws(() => O.sparseQueryAttention(q, k, k, [{ qStart: 0, qEnd: 2, kStart: 0, kEnd: 4 }], 2), /sparseQueryAttention: segment/);
  assert.throws(() => O.sparseQueryAttention(q, k, k, [{ qStart: 0, qEnd: 2, kStart: 0, kEnd: 3 }], 3), /not divisible by 3 heads/);
});
