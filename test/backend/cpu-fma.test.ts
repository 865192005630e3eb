// The two variants of the CPU backend's wasm kernels, side by side in one process: FMA
// (f32x4.relaxed_madd) and mul+add. The backend runs one of them (OFFRAMP_CPU_FMA, fma.ts); the other
// kernel suites run on that one, and CI runs them again with OFFRAMP_CPU_FMA=0 (.ci/run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { relaxedSimdAvailable } from '../../src/backend/cpu/fma.js';
import { wasmHeap } from '../../src/backend/cpu/heap.js';
import { MR, NR, instantiate, kernelModule, type MatmulExports } from '../../src/backend/cpu/wasm-kernels.js';

const fmaRuns = relaxedSimdAvailable();
const variants: [string, boolean][] = [['mul+add', false], ...(fmaRuns ? [['FMA', true] as [string, boolean]] : [])];
const exportsOf = new Map<boolean, MatmulExports>(variants.map(([, fma]) => [fma, instantiate(wasmHeap().memory, kernelModule(fma))]));

/**
 * Runs the MR×NR micro-kernel of one variant on packed panels a [kc, MR] and b [kc, NR] (p-major) with
 * C preloaded (first = 0): C[i, j] += Σ_p a[p, i]·b[p, j], in order of p.
 */
function microKernel(fma: boolean, a: Float32Array, b: Float32Array, c: Float32Array, kc: number): Float32Array {
  const heap = wasmHeap();
  const offs = [a, b, c].map((x) => heap.alloc(x.length * 4));
  const [pa, pb, pc] = offs as [number, number, number];
  heap.view(pa, a.length).set(a);
  heap.view(pb, b.length).set(b);
  heap.view(pc, c.length).set(c);
  exportsOf.get(fma)!.kernel(pa, pb, pc, NR * 4, kc, 0);
  const out = heap.view(pc, c.length).slice();
  for (const o of offs) heap.free(o);
  return out;
}

test('the mul+add micro-kernel rounds the product, then the sum: bit-identical to fround(c + fround(a·b)) in order', () => {
  const f32 = fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
  fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.array(f32, { minLength: 40 * (MR + NR) + MR * NR, maxLength: 40 * (MR + NR) + MR * NR }), (kc, xs) => {
    const a = Float32Array.from(xs.slice(0, kc * MR));
    const b = Float32Array.from(xs.slice(40 * MR, 40 * MR + kc * NR));
    const c = Float32Array.from(xs.slice(40 * (MR + NR)));
    const got = microKernel(false, a, b, c, kc);
    for (let i = 0; i < MR; i++) {
      for (let j = 0; j < NR; j++) {
        let acc = c[i * NR + j]!;
        for (let p = 0; p < kc; p++) acc = Math.fround(acc + Math.fround(a[p * MR + i]! * b[p * NR + j]!));
        assert.ok(Object.is(got[i * NR + j], acc), `C[${i}, ${j}], kc ${kc}: ${got[i * NR + j]} vs ${acc}`);
      }
    }
  }), { numRuns: 50 });
});

test('both micro-kernels are within the γ_k bound of the f64 sum', () => {
  const f32 = fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
  for (const [name, fma] of variants) {
    fc.assert(fc.property(fc.integer({ min: 1, max: 600 }), fc.integer(), (kc, seed) => {
      const xs = fc.sample(f32, { numRuns: kc * (MR + NR) + MR * NR, seed });
      const a = Float32Array.from(xs.slice(0, kc * MR));
      const b = Float32Array.from(xs.slice(kc * MR, kc * (MR + NR)));
      const c = Float32Array.from(xs.slice(kc * (MR + NR)));
      const got = microKernel(fma, a, b, c, kc);
      for (let i = 0; i < MR; i++) {
        for (let j = 0; j < NR; j++) {
          let exact = c[i * NR + j]!;
          let abs = Math.abs(exact);
          for (let p = 0; p < kc; p++) {
            exact += a[p * MR + i]! * b[p * NR + j]!;
            abs += Math.abs(a[p * MR + i]! * b[p * NR + j]!);
          }
          // each step rounds at most twice (product, sum): |error| ≤ 2·kc·u·Σ|terms| (+ the f64 sum's own
          // error), plus 2⁻¹⁴⁹ per step for products that underflow to subnormals
          const tol = 2 * (kc + 1) * 2 ** -24 * abs + 2 * kc * 2 ** -149;
          const d = Math.abs(got[i * NR + j]! - exact);
          assert.ok(d <= tol, `${name}: C[${i}, ${j}], kc ${kc}: |d| = ${d} > ${tol}`);
        }
      }
    }), { numRuns: 20 });
  }
});

test('FMA micro-kernel: a·b + c rounds once (or, as relaxed_madd allows, twice); mul+add rounds twice', { skip: fmaRuns ? false : 'no relaxed SIMD in this runtime' }, () => {
  // a·b = 1 + 2⁻¹¹ + 2⁻²⁴ exactly; rounded to f32 it is 1 + 2⁻¹¹ (a tie, to even), so with c = −1 the
  // fused result is 2⁻¹¹ + 2⁻²⁴ and the unfused one 2⁻¹¹
  const a = new Float32Array(MR).fill(1 + 2 ** -12);
  const b = new Float32Array(NR).fill(1 + 2 ** -12);
  const c = new Float32Array(MR * NR).fill(-1);
  const unfused = microKernel(false, a, b, c, 1);
  assert.ok(unfused.every((x) => x === 2 ** -11), `mul+add: ${unfused[0]}`);
  const fused = microKernel(true, a, b, c, 1);
  assert.ok(fused.every((x) => x === fused[0]) && (fused[0] === 2 ** -11 + 2 ** -24 || fused[0] === 2 ** -11), `FMA: ${fused[0]}`);
});

test('the backend names its path: OFFRAMP_CPU_FMA=0 → mul+add, unset → FMA where the runtime has it, junk → an error', () => {
  const index = fileURLToPath(new URL('../../src/backend/cpu/index.js', import.meta.url));
  const describe = (env: string | undefined) => spawnSync(process.execPath, ['--input-type=module', '-e',
    `const { createCpuBackend } = await import(${JSON.stringify(index)}); console.log(createCpuBackend().description);`], {
    env: { ...process.env, OFFRAMP_CPU_FMA: env, OFFRAMP_CPU_REF: '0' },
    encoding: 'utf8',
  });
  const off = describe('0');
  assert.equal(off.status, 0, off.stderr);
  assert.match(off.stdout, /f32 matmul: wasm SIMD \(mul\+add\)/);
  const auto = describe(undefined);
  assert.equal(auto.status, 0, auto.stderr);
  assert.match(auto.stdout, fmaRuns ? /f32 matmul: wasm SIMD \(FMA\)/ : /f32 matmul: wasm SIMD \(mul\+add\)/);
  const junk = describe('yes');
  assert.notEqual(junk.status, 0);
  assert.match(junk.stderr, /OFFRAMP_CPU_FMA: expected 0 or 1, got "yes"/);
});
