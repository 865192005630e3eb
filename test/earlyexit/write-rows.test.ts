// writeRows, the runner's one write-back of active rows: exact values and an f64 gradcheck.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeRows } from '../../src/earlyexit/runner.js';
import { fromArray, indices } from '../../src/tensor/create.js';
import { gradcheck, gradcheckRuns } from '../helpers/gradcheck.js';
import { cpuOnly, suiteBackend } from '../helpers/suite.js';

/** t rows of width c, a set of distinct rows to write, and values for both. */
const caseArb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })).chain(([t, c]) =>
  fc.tuple(
    fc.constant(t),
    fc.constant(c),
    fc.uniqueArray(fc.integer({ min: 0, max: t - 1 }), { minLength: 1, maxLength: t }),
    fc.array(fc.double({ min: -1e30, max: 1e30, noNaN: true }), { minLength: t * c, maxLength: t * c }),
  ).chain(([t, c, rows, h]) =>
    fc.array(fc.double({ min: -1e30, max: 1e30, noNaN: true }), { minLength: rows.length * c, maxLength: rows.length * c }).map((src) => ({ t, c, rows, h, src })),
  ),
);

// f32 and f64 on the CPU; f32 on the backends that have no f64
const arrays = suiteBackend === 'cpu' ? [Float32Array, Float64Array] : [Float32Array];

test('writeRows copies the source rows exactly (no add-back rounding) and leaves the others untouched', async () => {
  await fc.assert(fc.asyncProperty(caseArb, async ({ t, c, rows, h, src }) => {
    for (const Arr of arrays) {
      const hv = Arr.from(h);
      const sv = Arr.from(src);
      const got = await writeRows(fromArray(hv, [t, c]), indices(rows), fromArray(sv, [rows.length, c])).data();
      const want = Arr.from(hv);
      rows.forEach((r, i) => want.set(sv.subarray(i * c, (i + 1) * c), r * c));
      // equal as numbers (a −0 source may come back as +0)
      for (let k = 0; k < want.length; k++) assert.ok(got[k] === want[k], `${Arr.name} element ${k}: ${got[k]} vs ${want[k]}`);
    }
  }), { numRuns: 100 });
});

test('writeRows gradcheck (f64): src gets the gradient of its rows, h of the rows not written', { skip: cpuOnly }, () => {
  fc.assert(fc.property(caseArb, ({ t, c, rows }) => {
    const r = gradcheck('writeRows', ([h, src]) => writeRows(h!, indices(rows), src!), [
      { shape: [t, c], values: Array.from({ length: t * c }, (_, k) => Math.sin(k + 1)) },
      { shape: [rows.length, c], values: Array.from({ length: rows.length * c }, (_, k) => Math.cos(k + 1)) },
    ]);
    assert.ok(r.ok, r.message);
  }), { numRuns: gradcheckRuns(50) });
});
