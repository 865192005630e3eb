// WebAssembly SIMD row kernels of the CPU backend (f32x4 lanes over the shared heap; pointers are byte
// addresses): broadcast binary ops, unary maps (GELU and its derivative with a vectorised exp and erf),
// softmax rows, layerNorm forward/backward and the AdamW update. The JS side (rows-fast.ts) decides
// when a call can take these paths; the reference loops in reference/ stay the oracle.
import { F32, F64, Fn, I32, Simd, V128 } from './wasm-encoder.js';
import { emitExp, mathLocals, type BinaryVec, type UnaryVec } from './wasm-math.js';

/**
 * binary(out, a, ai, aRow, b, bi, bRow, n, rows): out (contiguous) [rows, n] = a op b, with a's row r
 * at a + r·aRow (bytes) and element j at + j·ai·4 (ai 0 or 1), b likewise.
 */
export function binaryFn(op: BinaryVec): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [out, a, ai, aRow, b, bi, bRow, n, rows] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, j, pa, pb, nv] = f.locals(I32, 5);
  const [x, y] = f.locals(V128, 2);
  f.get(n).i32(-4).raw(0x71 /* i32.and */).set(nv);
  const variant = (av: boolean, bv: boolean) => {
    f.get(a).set(pa);
    f.get(b).set(pb);
    f.forRange(j, () => f.i32(0), () => f.get(nv), 4, () => {
      f.get(pa);
      if (av) f.vload(); else f.vsplatLoad();
      f.set(x);
      f.get(pb);
      if (bv) f.vload(); else f.vsplatLoad();
      f.set(y);
      f.get(out);
      op(f, x, y);
      f.vstore();
      f.inc(out, 16);
      if (av) f.inc(pa, 16);
      if (bv) f.inc(pb, 16);
    });
    f.forRange(j, () => f.get(nv), () => f.get(n), 1, () => {
      f.get(pa).vsplatLoad().set(x);
      f.get(pb).vsplatLoad().set(y);
      f.get(out);
      op(f, x, y);
      f.vlane(0).f32Store();
      f.inc(out, 4);
      if (av) f.inc(pa, 4);
      if (bv) f.inc(pb, 4);
    });
  };
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    f.get(ai).get(bi).raw(0x71).if(() => variant(true, true), () => {
      f.get(ai).if(() => variant(true, false), () => {
        f.get(bi).if(() => variant(false, true), () => variant(false, false));
      });
    });
    f.incBy(a, aRow).incBy(b, bRow);
  });
  return f;
}

/** unary(out, x, n) */
export function unaryFn(op: UnaryVec, fma: boolean): Fn {
  const f = new Fn([I32, I32, I32], [], fma);
  const [out, src, n] = [0, 1, 2];
  const [j, nv] = f.locals(I32, 2);
  const [x, u] = f.locals(V128, 2);
  const L = mathLocals(f);
  f.get(n).i32(-4).raw(0x71).set(nv);
  f.forRange(j, () => f.i32(0), () => f.get(nv), 4, () => {
    f.get(src).vload().set(x);
    f.get(out);
    op(f, x, L, u);
    f.vstore();
    f.inc(out, 16).inc(src, 16);
  });
  f.forRange(j, () => f.get(nv), () => f.get(n), 1, () => {
    f.get(src).vsplatLoad().set(x);
    f.get(out);
    op(f, x, L, u);
    f.vlane(0).f32Store();
    f.inc(out, 4).inc(src, 4);
  });
  return f;
}

/** Push the sum of the four lanes of local v as an f32: (l0 + l1) + (l2 + l3). */
function hsum(f: Fn, v: number): void {
  f.get(v).vlane(0).get(v).vlane(1).fadd().get(v).vlane(2).get(v).vlane(3).fadd().fadd();
}

/**
 * softmaxRows(x, rows, n, scale): in place, each row of n (a multiple of 4) f32s becomes
 * softmax(scale·row) (max subtracted first); with `fma`, exp's polynomial uses relaxed_madd.
 */
export function softmaxFn(fma: boolean): Fn {
  const f = new Fn([I32, I32, I32, F32], [], fma);
  const [x, rows, n, scale] = [0, 1, 2, 3];
  const [r, j, p] = f.locals(I32, 3);
  const [sc, acc, v, mx] = f.locals(V128, 4);
  const L = mathLocals(f);
  const nb = f.local(I32);
  f.get(scale).vsplat().set(sc);
  f.get(n).i32(4).mul().set(nb);
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    // max of scale·x
    f.vconst(-Infinity).set(acc);
    f.get(x).set(p);
    f.forRange(j, () => f.i32(0), () => f.get(n), 4, () => {
      f.get(acc).get(p).vload().get(sc).vmul().simd(Simd.f32x4Max).set(acc);
      f.inc(p, 16);
    });
    f.get(acc).vlane(0).get(acc).vlane(1).raw(0x97 /* f32.max */).get(acc).vlane(2).get(acc).vlane(3).raw(0x97).raw(0x97).vsplat().set(mx);
    // e = exp(scale·x − max), summed
    f.vzero().set(acc);
    f.get(x).set(p);
    f.forRange(j, () => f.i32(0), () => f.get(n), 4, () => {
      f.get(p).vload().get(sc).vmul().get(mx).vsub().set(v);
      f.get(p);
      emitExp(f, v, L);
      f.tee(v).vstore();
      f.get(acc).get(v).vadd().set(acc);
      f.inc(p, 16);
    });
    f.vconst(1);
    hsum(f, acc);
    f.vsplat().vdiv().set(acc);
    f.get(x).set(p);
    f.forRange(j, () => f.i32(0), () => f.get(n), 4, () => {
      f.get(p).get(p).vload().get(acc).vmul().vstore();
      f.inc(p, 16);
    });
    f.incBy(x, nb);
  });
  return f;
}

/**
 * adamw(p, g, m, v, n2, b1, omb1, b2, omb2, lr, bc1, bc2, eps, decay): in place over n2 (even) f32s,
 * two lanes of f64 at a time with adamwRef's exact operations and order, so results are bit-identical
 * to it: m = b1·m + omb1·g; v = b2·v + (omb2·g)·g; p = p·decay − lr·(m/bc1) / (√(v/bc2) + eps), the
 * update using the unrounded m and v.
 */
export function adamwFn(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64, F64]);
  const [p, g, m, v, n] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const locals = f.locals(V128, scalars.length);
  const [b1, omb1, b2, omb2, lr, bc1, bc2, eps, decay] = locals as [number, number, number, number, number, number, number, number, number];
  locals.forEach((l, i) => f.get(scalars[i]!).simd(Simd.f64x2Splat).set(l));
  const j = f.local(I32);
  const [gv, mv, vv] = f.locals(V128, 3);
  const load2 = (ptr: number) => f.get(ptr).simd(Simd.load64Zero).raw(3, 0).simd(Simd.f64x2PromoteLowF32x4);
  const store2 = (ptr: number, val: number) => f.get(ptr).get(val).simd(Simd.f32x4DemoteF64x2Zero).simd(Simd.store64Lane).raw(3, 0, 0);
  const [add, mul, div] = [() => f.simd(Simd.f64x2Add), () => f.simd(Simd.f64x2Mul), () => f.simd(Simd.f64x2Div)];
  f.forRange(j, () => f.i32(0), () => f.get(n), 2, () => {
    load2(g).set(gv);
    f.get(b1); load2(m); mul(); f.get(omb1).get(gv); mul(); add(); f.set(mv);
    f.get(b2); load2(v); mul(); f.get(omb2).get(gv); mul(); f.get(gv); mul(); add(); f.set(vv);
    store2(m, mv);
    store2(v, vv);
    const upd = f.local(V128);
    load2(p); f.get(decay); mul(); f.set(upd);
    f.get(upd).get(lr).get(mv).get(bc1); div(); mul();
    f.get(vv).get(bc2); div(); f.simd(Simd.f64x2Sqrt).get(eps); add(); div();
    f.simd(Simd.f64x2Sub).set(upd);
    store2(p, upd);
    f.inc(p, 8).inc(g, 8).inc(m, 8).inc(v, 8);
  });
  return f;
}

/**
 * layerNorm(x, gamma, beta, y, mean, rstd, rows, h, eps), h a multiple of 4: two passes per row
 * (mean, then mean squared deviation), summed in f32x4 lanes. mul+add in both kernel variants: with
 * relaxed_madd the sums' loop-carried chain gets the FMA's longer latency, and both layerNorm kernels
 * measured 0.86× (bench/kernels-child.ts).
 */
export function layerNormFn(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, F32]);
  const [x, gamma, beta, y, mean, rstd, rows, h, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, c, hb] = f.locals(I32, 3);
  const [acc, acc2, mu, rs, d] = f.locals(V128, 5);
  const [hf, s] = f.locals(F32, 2);
  f.get(h).i32(4).mul().set(hb);
  f.get(h).fFromI32().set(hf);
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    f.vzero().set(acc);
    f.vzero().set(acc2);
    // two accumulators: lanes sum h/8 elements each
    f.forRange(c, () => f.i32(0), () => f.get(hb), 32, () => {
      f.get(acc).get(x).get(c).add().vload().vadd().set(acc);
      f.get(c).i32(16).add().get(hb).ltS().if(() => f.get(acc2).get(x).get(c).add().vload(16).vadd().set(acc2));
    });
    f.get(acc).get(acc2).vadd().set(acc);
    hsum(f, acc);
    f.get(hf).fdiv().tee(s).vsplat().set(mu);
    f.get(mean).get(s).f32Store();
    f.vzero().set(acc);
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(x).get(c).add().vload().get(mu).vsub().tee(d).get(d).vmul().get(acc).vadd().set(acc);
    });
    f.f32(1);
    hsum(f, acc);
    f.get(hf).fdiv().get(eps).fadd().fsqrt().fdiv().tee(s).vsplat().set(rs);
    f.get(rstd).get(s).f32Store();
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(y).get(c).add();
      f.get(x).get(c).add().vload().get(mu).vsub().get(rs).vmul().get(gamma).get(c).add().vload().vmul().get(beta).get(c).add().vload().vadd();
      f.vstore();
    });
    f.incBy(x, hb).incBy(y, hb).inc(mean, 4).inc(rstd, 4);
  });
  return f;
}

/**
 * layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, h), h a multiple of 4;
 * dgamma and dbeta (f32, zeroed by the caller) accumulate over rows.
 */
export function layerNormBackwardFn(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, h] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [r, c, hb] = f.locals(I32, 3);
  const [mu, rs, xh, g, dyv, mg, mgx] = f.locals(V128, 7);
  const hf = f.local(F32);
  f.get(h).i32(4).mul().set(hb);
  f.get(h).fFromI32().set(hf);
  f.forRange(r, () => f.i32(0), () => f.get(rows), 1, () => {
    f.get(mean).f32Load().vsplat().set(mu);
    f.get(rstd).f32Load().vsplat().set(rs);
    f.vzero().set(mg);
    f.vzero().set(mgx);
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(x).get(c).add().vload().get(mu).vsub().get(rs).vmul().set(xh);
      f.get(dy).get(c).add().vload().set(dyv);
      f.get(dyv).get(gamma).get(c).add().vload().vmul().set(g);
      f.get(mg).get(g).vadd().set(mg);
      f.get(mgx).get(g).get(xh).vmul().vadd().set(mgx);
      f.get(dgamma).get(c).add().get(dgamma).get(c).add().vload().get(dyv).get(xh).vmul().vadd().vstore();
      f.get(dbeta).get(c).add().get(dbeta).get(c).add().vload().get(dyv).vadd().vstore();
    });
    hsum(f, mg);
    f.get(hf).fdiv().vsplat().set(mg);
    hsum(f, mgx);
    f.get(hf).fdiv().vsplat().set(mgx);
    f.forRange(c, () => f.i32(0), () => f.get(hb), 16, () => {
      f.get(dx).get(c).add();
      f.get(x).get(c).add().vload().get(mu).vsub().get(rs).vmul().set(xh);
      f.get(dy).get(c).add().vload().get(gamma).get(c).add().vload().vmul().get(mg).vsub().get(xh).get(mgx).vmul().vsub().get(rs).vmul();
      f.vstore();
    });
    f.incBy(x, hb).incBy(dy, hb).incBy(dx, hb).inc(mean, 4).inc(rstd, 4);
  });
  return f;
}
