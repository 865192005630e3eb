// The CPU backend's WebAssembly SIMD kernels, emitted as bytes by wasm-encoder.ts. All pointers are
// byte addresses into the one shared memory; all functions are plain loops over f32x4 lanes.
//
// matmul pieces (GotoBLAS/BLIS structure):
//   pack(src, sP, sJ, k, n, dst, W): op(X)[p, j] = src[p·sP + j·sJ] → panels of W columns, each panel
//     k×W row-major (p-major), zero-padded to a multiple of W. Used for A (W = MR, j = row) and B (W = NR).
//   kernel(a, b, c, ldc, kc, first): the MR×NR micro-kernel, C[0:MR, 0:NR] (=|+=) Σ_p a[p,:]ᵀ b[p,:].
//   gemm(a, aPanel, b, bPanel, c, ldc, m, n, kc, first): all MR×NR tiles of an m×n block; tiles that
//     cross the edge of C go through a scratch tile so C needs no padding.
// Each module comes in two variants: `fma` (every a·b + c of the kernels one f32x4.relaxed_madd, which
// needs relaxed SIMD; fma.ts decides whether the runtime has it) and mul+add.
import { encodeModule, F32, Fn, I32, Simd, V128 } from './wasm-encoder.js';
import { WA, type WasmMemory, type WasmModule } from './wasm-api.js';
import { adamwFn, binaryFn, layerNormBackwardFn, layerNormFn, softmaxFn, unaryFn } from './wasm-rows.js';
import { colSumFn } from './wasm-reduce.js';
import { binaryTable, unaryTable, type UnaryEntry } from '../elementwise.js';

export const MR = 4;
export const NR = 8;
/** bytes of scratch the gemm function uses for edge tiles (at its `scratch` argument) */
export const EDGE_TILE_BYTES = MR * NR * 4;

function microKernel(mr: number, nr: number, fma: boolean): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32], [], fma);
  const [a, b, c, ldc, kc, first] = [0, 1, 2, 3, 4, 5];
  const nv = nr / 4;
  const acc = f.locals(V128, mr * nv);
  const bv = f.locals(V128, nv);
  const av = f.local(V128);
  const row = f.local(I32);
  f.get(first).if(
    () => {
      for (const r of acc) f.vzero().set(r);
    },
    () => {
      f.get(c).set(row);
      for (let i = 0; i < mr; i++) {
        for (let v = 0; v < nv; v++) f.get(row).vload(16 * v).set(acc[i * nv + v]!);
        if (i < mr - 1) f.incBy(row, ldc);
      }
    },
  );
  f.block(() => f.loop(() => {
    f.get(kc).i32(1).ltS().brIf(1);
    for (let v = 0; v < nv; v++) f.get(b).vload(16 * v).set(bv[v]!);
    for (let i = 0; i < mr; i++) {
      f.get(a).vsplatLoad(4 * i).set(av);
      for (let v = 0; v < nv; v++) {
        const r = acc[i * nv + v]!;
        f.get(av).get(bv[v]!).vmuladd(() => f.get(r)).set(r);
      }
    }
    f.inc(a, mr * 4).inc(b, nr * 4).inc(kc, -1).br(0);
  }));
  f.get(c).set(row);
  for (let i = 0; i < mr; i++) {
    for (let v = 0; v < nv; v++) f.get(row).get(acc[i * nv + v]!).vstore(16 * v);
    if (i < mr - 1) f.incBy(row, ldc);
  }
  return f;
}

/** pack(src, sP, sJ, k, n, dst, w): see the header. Strides in elements, pointers in bytes. */
function pack(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32]);
  const [src, sP, sJ, k, n, dst, w] = [0, 1, 2, 3, 4, 5, 6];
  const [j0, jj, p, s, d, v, sPb, sJb] = f.locals(I32, 8);
  f.get(sP).i32(4).mul().set(sPb);
  f.get(sJ).i32(4).mul().set(sJb);
  f.get(dst).set(d);
  // j0 advances by w at the end of the body (forRange's own step is 0)
  f.forRange(j0, () => f.i32(0), () => f.get(n), 0, () => {
    // a full panel with contiguous columns: vector copies
    f.get(sJ).i32(1).eq().get(j0).get(w).add().get(n).raw(0x4c /* i32.le_s */).raw(0x71 /* i32.and */).if(
      () => {
        f.get(src).get(j0).i32(4).mul().add().set(s);
        f.forRange(p, () => f.i32(0), () => f.get(k), 1, () => {
          f.forRange(v, () => f.i32(0), () => f.get(w), 4, () => {
            f.get(d).get(s).get(v).i32(4).mul().add().vload().vstore();
            f.inc(d, 16);
          });
          f.incBy(s, sPb);
        });
      },
      () => {
        // scalar, column by column (contiguous along p when sP = 1); columns past n are zero
        f.forRange(jj, () => f.i32(0), () => f.get(w), 1, () => {
          f.get(d).get(jj).i32(4).mul().add().set(v); // v: destination cursor
          f.get(j0).get(jj).add().get(n).ltS().if(
            () => {
              f.get(src).get(j0).get(jj).add().get(sJb).mul().add().set(s);
              f.forRange(p, () => f.i32(0), () => f.get(k), 1, () => {
                f.get(v).get(s).f32Load().f32Store();
                f.incBy(s, sPb);
                f.get(v).get(w).i32(4).mul().add().set(v);
              });
            },
            () => {
              f.forRange(p, () => f.i32(0), () => f.get(k), 1, () => {
                f.get(v).f32(0).f32Store();
                f.get(v).get(w).i32(4).mul().add().set(v);
              });
            },
          );
        });
        f.get(d).get(k).get(w).mul().i32(4).mul().add().set(d);
      },
    );
    f.incBy(j0, w);
  });
  return f;
}

/** copyTile(src, srcStride, dst, dstStride, rows, cols): strides in bytes */
function copyTile(): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32]);
  const [src, ss, dst, ds, rows, cols] = [0, 1, 2, 3, 4, 5];
  const [i, j] = f.locals(I32, 2);
  f.forRange(i, () => f.i32(0), () => f.get(rows), 1, () => {
    f.forRange(j, () => f.i32(0), () => f.get(cols), 1, () => {
      f.get(dst).get(j).i32(4).mul().add().get(src).get(j).i32(4).mul().add().f32Load().f32Store();
    });
    f.incBy(src, ss).incBy(dst, ds);
  });
  return f;
}

/** zeroTile(dst, bytes) — bytes a multiple of 16 */
function zero(): Fn {
  const f = new Fn([I32, I32]);
  const [dst, bytes] = [0, 1];
  const i = f.local(I32);
  f.forRange(i, () => f.i32(0), () => f.get(bytes), 16, () => {
    f.get(dst).get(i).add().vzero().vstore();
  });
  return f;
}

const FN_KERNEL = 0;
const FN_COPY = 2;
const FN_ZERO = 3;

/** gemm(a, aPanel, b, bPanel, c, ldc, m, n, kc, first, scratch): strides/panel sizes in bytes */
function gemm(MR: number, NR: number): Fn {
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, aPanel, b, bPanel, c, ldc, m, n, kc, first, scratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [jr, ir, ap, bp, cp, rows, cols] = f.locals(I32, 7);
  f.get(b).set(bp);
  f.forRange(jr, () => f.i32(0), () => f.get(n), NR, () => {
    f.get(a).set(ap);
    f.get(n).get(jr).sub().tee(cols).i32(NR).gtS().if(() => f.i32(NR).set(cols));
    f.forRange(ir, () => f.i32(0), () => f.get(m), MR, () => {
      f.get(c).get(ir).get(ldc).mul().add().get(jr).i32(4).mul().add().set(cp);
      f.get(m).get(ir).sub().tee(rows).i32(MR).gtS().if(() => f.i32(MR).set(rows));
      f.get(rows).i32(MR).eq().get(cols).i32(NR).eq().raw(0x71).if(
        () => {
          f.get(ap).get(bp).get(cp).get(ldc).get(kc).get(first).call(FN_KERNEL);
        },
        () => {
          // edge tile: through the scratch tile
          f.get(scratch).i32(MR * NR * 4).call(FN_ZERO);
          f.get(first).eqz().if(() => {
            f.get(cp).get(ldc).get(scratch).i32(NR * 4).get(rows).get(cols).call(FN_COPY);
          });
          f.get(ap).get(bp).get(scratch).i32(NR * 4).get(kc).i32(0).call(FN_KERNEL);
          f.get(scratch).i32(NR * 4).get(cp).get(ldc).get(rows).get(cols).call(FN_COPY);
        },
      );
      f.incBy(ap, aPanel);
    });
    f.incBy(bp, bPanel);
  });
  return f;
}

/** peak(iters): PEAK_CHAINS independent chains acc = acc·y + x of f32x4 mul then add (one relaxed_madd
 * in the fma variant). Both depend on acc, so V8 cannot hoist the product out of the loop; 12 chains
 * cover the latency. Unrolled 4×. Returns a lane so the work is live. */
const PEAK_CHAINS = 12;
function peak(fma: boolean): Fn {
  const f = new Fn([I32], [F32], fma);
  const n = 0;
  const acc: number[] = [];
  for (let i = 0; i < PEAK_CHAINS; i++) acc.push(f.local(V128));
  const [x, y] = f.locals(V128, 2);
  f.f32(1e-7).vsplat().set(x);
  f.f32(0.999999).vsplat().set(y);
  for (let i = 0; i < PEAK_CHAINS; i++) f.f32(i).vsplat().set(acc[i]!);
  f.block(() => f.loop(() => {
    f.get(n).eqz().brIf(1);
    for (let u = 0; u < 4; u++) {
      for (let i = 0; i < PEAK_CHAINS; i++) f.get(acc[i]!).get(y).vmuladd(() => f.get(x)).set(acc[i]!);
    }
    f.inc(n, -1).br(0);
  }));
  f.get(acc[0]!);
  for (let i = 1; i < PEAK_CHAINS; i++) f.get(acc[i]!).vadd();
  f.simd(Simd.f32x4ExtractLane).raw(0);
  return f;
}
/** flops per peak() iteration: 4 unrolled × chains × 4 lanes × 2 (a multiply and an add) */
export const PEAK_FLOPS_PER_ITER = 4 * PEAK_CHAINS * 4 * 2;

export interface MatmulExports {
  kernel(a: number, b: number, c: number, ldc: number, kc: number, first: number): void;
  pack(src: number, sP: number, sJ: number, k: number, n: number, dst: number, w: number): void;
  copyTile(src: number, ss: number, dst: number, ds: number, rows: number, cols: number): void;
  zero(dst: number, bytes: number): void;
  gemm(a: number, aPanel: number, b: number, bPanel: number, c: number, ldc: number, m: number, n: number, kc: number, first: number, scratch: number): void;
  peak(iters: number): number;
  /** bin_<op>, un_<op>: see wasm-rows.ts */
  [name: `bin_${string}` | `un_${string}`]: (...args: number[]) => void;
  softmaxRows(x: number, rows: number, n: number, scale: number): void;
  adamw(p: number, g: number, m: number, v: number, n2: number, b1: number, omb1: number, b2: number, omb2: number, lr: number, bc1: number, bc2: number, eps: number, decay: number): void;
  layerNorm(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number, h: number, eps: number): void;
  layerNormBackward(dy: number, x: number, gamma: number, mean: number, rstd: number, dx: number, dgamma: number, dbeta: number, rows: number, h: number): void;
  colSum(x: number, out: number, cols: number, n: number, ldx: number): void;
}

export const MEMORY_MAX_PAGES = 65536; // 4 GiB (addresses past 2^31 are negative as i32 and wrap back)

const cached = new Map<boolean, WasmModule>();
/** The compiled kernel module, mul+add or fma variant (cached per variant). */
export function kernelModule(fma: boolean): WasmModule {
  const hit = cached.get(fma);
  if (hit) return hit;
  const bytes = encodeModule({
    memory: { initial: 1, maximum: MEMORY_MAX_PAGES, shared: true },
    funcs: [
      { name: 'kernel', fn: microKernel(MR, NR, fma) },
      { name: 'pack', fn: pack() },
      { name: 'copyTile', fn: copyTile() },
      { name: 'zero', fn: zero() },
      { name: 'gemm', fn: gemm(MR, NR) },
      { name: 'peak', fn: peak(fma) },
      // appended after the matmul functions, whose indices `call` uses
      ...Object.entries(binaryTable).map(([op, e]) => ({ name: `bin_${op}`, fn: binaryFn(e.wasm) })),
      ...Object.entries(unaryTable as Record<string, UnaryEntry>).flatMap(([op, e]) => (e.wasm ? [{ name: `un_${op}`, fn: unaryFn(e.wasm, fma) }] : [])),
      { name: 'softmaxRows', fn: softmaxFn(fma) },
      { name: 'adamw', fn: adamwFn() },
      { name: 'layerNorm', fn: layerNormFn() },
      { name: 'layerNormBackward', fn: layerNormBackwardFn() },
      { name: 'colSum', fn: colSumFn() },
    ],
  });
  const mod = new WA.Module(bytes);
  cached.set(fma, mod);
  return mod;
}

/** Whether this runtime validates a module that uses f32x4.relaxed_madd (compiles nothing). */
export function relaxedSimdValidates(): boolean {
  const f = new Fn([], [V128], true);
  f.vzero().vzero().vmuladd(() => f.vzero());
  return WA.validate(encodeModule({ memory: { initial: 1, maximum: 1, shared: false }, funcs: [{ name: 'madd', fn: f }] }));
}

export function instantiate(memory: WasmMemory, mod: WasmModule): MatmulExports {
  return new WA.Instance(mod, { env: { memory } }).exports as unknown as MatmulExports;
}

export function sharedMemory(initialPages = 256): WasmMemory {
  return new WA.Memory({ initial: initialPages, maximum: MEMORY_MAX_PAGES, shared: true });
}
