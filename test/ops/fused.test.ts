// Fused ops against the composites they replace (DESIGN §2: the composite stays as the oracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromArray, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { erfFast, erfRef } from '../../src/backend/cpu/reference/elementwise.js';
import { cpuOnly } from '../helpers/suite.js';

function valueAndGrad(f: (x: Tensor) => Tensor, xs: number[], seed: number[], dtype: 'f32' | 'f64'): [Float32Array | Float64Array, Float32Array | Float64Array] {
  const arr = (v: number[]) => (dtype === 'f64' ? Float64Array.from(v) : Float32Array.from(v));
  const x = fromArray(arr(xs), [xs.length]).param('x');
  const y = f(x);
  y.backward(fromArray(arr(seed), [xs.length]));
  return [y.dataSync() as Float64Array, x.grad!.dataSync() as Float64Array];
}

const values = fc.array(fc.double({ min: -12, max: 12, noNaN: true }), { minLength: 1, maxLength: 40 });

test('fused gelu equals the composite 0.5·x·(1 + erf(x/√2)), value and gradient (f64: 1e-12, f32: 3e-7)', { skip: cpuOnly }, () => {
  fc.assert(
    fc.property(values, (xs) => {
      const seed = xs.map((_, i) => 1 + (i % 3));
      for (const [dtype, tol] of [['f64', 1e-12], ['f32', 3e-7]] as const) {
        const [fy, fg] = valueAndGrad(O.gelu, xs, seed, dtype);
        const [cy, cg] = valueAndGrad(O.geluComposite, xs, seed, dtype);
        for (let i = 0; i < xs.length; i++) {
          assert.ok(Math.abs(fy[i]! - cy[i]!) <= tol * (1 + Math.abs(cy[i]!)), `${dtype} gelu(${xs[i]}): ${fy[i]} vs ${cy[i]}`);
          assert.ok(Math.abs(fg[i]! - cg[i]!) <= tol * (1 + Math.abs(cg[i]!)) * 4, `${dtype} gelu'(${xs[i]}): ${fg[i]} vs ${cg[i]}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('the f32 erf is within 1.2e-7 of the accurate one', () => {
  fc.assert(fc.property(fc.double({ min: -10, max: 10, noNaN: true }), (x) => Math.abs(erfFast(x) - erfRef(x)) < 1.2e-7));
});

test('fused layerNorm equals the composite: value and the gradients of x, gamma, beta (f64)', { skip: cpuOnly }, () => {
  const arb = fc.record({ rows: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 9 }), eps: fc.constantFrom(1e-12, 1e-5, 0.1) })
    .chain(({ rows, h, eps }) => fc.tuple(fc.constant({ rows, h, eps }),
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: rows * h, maxLength: rows * h }),
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 2 * h + rows * h, maxLength: 2 * h + rows * h })));
  fc.assert(
    fc.property(arb, ([{ rows, h, eps }, xs, ps]) => {
      const run = (ln: typeof O.layerNorm) => {
        const x = fromArray(Float64Array.from(xs), [rows, h]).param('x');
        const g = fromArray(Float64Array.from(ps.slice(0, h)), [h]).param('g');
        const b = fromArray(Float64Array.from(ps.slice(h, 2 * h)), [h]).param('b');
        const y = ln(x, g, b, eps);
        y.backward(fromArray(Float64Array.from(ps.slice(2 * h)), [rows, h]));
        return [y.dataSync(), x.grad!.dataSync(), g.grad!.dataSync(), b.grad!.dataSync()];
      };
      const fused = run(O.layerNorm);
      const composite = run(O.layerNormComposite);
      ['y', 'dx', 'dgamma', 'dbeta'].forEach((name, k) => {
        for (let i = 0; i < fused[k]!.length; i++) {
          const a = fused[k]![i]!;
          const c = composite[k]![i]!;
          // rstd can reach 1e6 (eps 1e-12 on a constant row): compare relative to the row scale
          assert.ok(Math.abs(a - c) <= 1e-8 * (1 + Math.abs(c)), `${name}[${i}]: ${a} vs ${c}`);
        }
      });
    }),
    { numRuns: 200 },
  );
});
