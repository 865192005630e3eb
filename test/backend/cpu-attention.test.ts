// The f32 attention on the fast matmul against the reference loops (src/ops/attention.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AttentionArgs } from '../../src/backend/backend.js';
import { attentionBackwardFast, attentionFast } from '../../src/backend/cpu/attention-fast.js';
import { attentionBackwardRef, attentionRef } from '../helpers/attention-ref.js';

const problem = fc
  .record({
    heads: fc.integer({ min: 1, max: 4 }),
    d: fc.integer({ min: 1, max: 24 }),
    n: fc.integer({ min: 0, max: 40 }),
    segs: fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
    seed: fc.integer(),
  })
  .map(({ heads, d, n, segs, seed }) => {
    let q0 = 0;
    let p = 0;
    const table: number[] = [];
    for (const [m, x, y] of segs) {
      const k0 = n === 0 ? 0 : x % (n + 1);
      const k1 = n === 0 ? 0 : Math.max(k0, y % (n + 1));
      table.push(q0, q0 + m, k0, k1, p);
      p += heads * m * (k1 - k0);
      q0 += m;
    }
    const h = heads * d;
    let s = seed >>> 0;
    const rand = (len: number) => Float32Array.from({ length: len }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 4);
    const args: AttentionArgs = { m: q0, n, hidden: h, heads, segments: segs.length, probsSize: p, scale: 1 / Math.sqrt(d) };
    return { args, segs: Int32Array.from(table), q: rand(q0 * h), k: rand(n * h), v: rand(n * h), g: rand(q0 * h) };
  });

function close(got: Float32Array, want: ArrayLike<number>, what: string, scale: number): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * scale * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

test('fast f32 attention forward and backward match the reference loops', () => {
  fc.assert(
    fc.property(problem, ({ args, segs, q, k, v, g }) => {
      const ref = attentionRef(q, k, v, segs, args);
      const fast = attentionFast(q, k, v, segs, args);
      const scale = Math.sqrt(args.hidden / args.heads) * 4;
      close(fast.out, ref.out, 'out', scale);
      close(fast.probs, ref.probs, 'probs', 1);
      const rb = attentionBackwardRef(g, q, k, v, ref.probs, segs, args);
      const fb = attentionBackwardFast(g, q, k, v, fast.probs, segs, args);
      close(fb.dq, rb.dq, 'dq', scale * 16);
      close(fb.dk, rb.dk, 'dk', scale * 16);
      close(fb.dv, rb.dv, 'dv', scale * 16);
    }),
    { numRuns: 150 },
  );
});
