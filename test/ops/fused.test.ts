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

test('layerNorm (the fused kernel in f32 where the backend has one) equals the f64 composite: value and the gradients of x, gamma, beta', { skip: cpuOnly }, () => {
  // widths that are multiples of 4 take the CPU's fused kernel; the others its f32 composite
  const arb = fc.record({ rows: fc.integer({ min: 1, max: 5 }), h: fc.constantFrom(1, 3, 4, 8, 12, 16), eps: fc.constantFrom(1e-5, 0.1) })
    .chain(({ rows, h, eps }) => fc.tuple(fc.constant({ rows, h, eps }),
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: rows * h, maxLength: rows * h }),
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 2 * h + rows * h, maxLength: 2 * h + rows * h })));
  fc.assert(
    fc.property(arb, ([{ rows, h, eps }, xs, ps]) => {
      const run = (ln: typeof O.layerNorm, Arr: Float32ArrayConstructor | Float64ArrayConstructor) => {
        const x = fromArray(Arr.from(xs), [rows, h]).param('x');
        const g = fromArray(Arr.from(ps.slice(0, h)), [h]).param('g');
        const b = fromArray(Arr.from(ps.slice(h, 2 * h)), [h]).param('b');
        const y = ln(x, g, b, eps);
        y.backward(fromArray(Arr.from(ps.slice(2 * h)), [rows, h]));
        return [y.dataSync(), x.grad!.dataSync(), g.grad!.dataSync(), b.grad!.dataSync()];
      };
      const fused = run(O.layerNorm, Float32Array);
      const composite = run(O.layerNormComposite, Float64Array);
      // rstd ≤ 1/√eps ≈ 316 amplifies the f32 rounding of x − mean: relative to that scale
      const tol = 2e-6 / Math.sqrt(eps) * (1 + rows);
      ['y', 'dx', 'dgamma', 'dbeta'].forEach((name, k) => {
        for (let i = 0; i < fused[k]!.length; i++) {
          const a = fused[k]![i]!;
          const c = composite[k]![i]!;
          assert.ok(Math.abs(a - c) <= tol * (1 + Math.abs(c)), `${name}[${i}] (h ${h}): ${a} vs ${c}`);
        }
      });
    }),
    { numRuns: 200 },
  );
});
