// WebAssembly SIMD column sums (reduce 'sum' over the middle axis, e.g. bias gradients): each column
// is summed in f64 over the rows in row order and rounded to f32 once, exactly as reduceRef does, so
// the result is bit-identical to the reference loop while 16 columns share one pass over the rows.
import { F64, Fn, I32, Simd, V128 } from './wasm-encoder.js';

/** 16 columns per pass: a 64-byte line of every row, eight f64x2 accumulators */
const STRIP = 16;

/**
 * colSum(x, out, cols, n, ldx): out[c] = f32(Σ_{i<n} x[i·ldx/4 + c]) for c < cols; x and out are byte
 * addresses, ldx the row stride in bytes.
 */
export function colSumFn(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32]);
  const [x, out, cols, n, ldx] = [0, 1, 2, 3, 4];
  const c = f.local(I32);
  const i = f.local(I32);
  const p = f.local(I32);
  const acc: number[] = [];
  for (let k = 0; k < STRIP / 2; k++) acc.push(f.local(V128));
  const s = f.local(F64);
  // columns c … c + width − 1 (width a multiple of 4) in f64x2 pairs
  const strip = (width: number) => {
    const pairs = acc.slice(0, width / 2);
    for (const a of pairs) f.vzero().set(a);
    f.get(x).get(c).i32(4).mul().add().set(p);
    f.forRange(i, () => f.i32(0), () => f.get(n), 1, () => {
      pairs.forEach((a, k) => {
        f.get(a).get(p).simd(Simd.load64Zero).raw(3, 8 * k).simd(Simd.f64x2PromoteLowF32x4).simd(Simd.f64x2Add).set(a);
      });
      f.incBy(p, ldx);
    });
    pairs.forEach((a, k) => {
      f.get(out).get(c).i32(4).mul().add().get(a).simd(Simd.f32x4DemoteF64x2Zero).simd(Simd.store64Lane).raw(3, 8 * k, 0);
    });
  };
  f.i32(0).set(c);
  f.forRange(c, () => f.get(c), () => f.get(cols).i32(STRIP - 1).sub(), STRIP, () => strip(STRIP));
  f.forRange(c, () => f.get(c), () => f.get(cols).i32(3).sub(), 4, () => strip(4));
  f.forRange(c, () => f.get(c), () => f.get(cols), 1, () => {
    f.raw(0x44, 0, 0, 0, 0, 0, 0, 0, 0).set(s); // f64.const 0
    f.get(x).get(c).i32(4).mul().add().set(p);
    f.forRange(i, () => f.i32(0), () => f.get(n), 1, () => {
      f.get(s).get(p).f32Load().raw(0xbb /* f64.promote_f32 */).raw(0xa0 /* f64.add */).set(s);
      f.incBy(p, ldx);
    });
    f.get(out).get(c).i32(4).mul().add().get(s).raw(0xb6 /* f32.demote_f64 */).f32Store();
  });
  return f;
}
