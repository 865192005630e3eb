// A tiny WebAssembly binary encoder: just enough to emit the CPU backend's SIMD kernels from
// TypeScript without a wat toolchain. One module imports one (shared) memory and exports functions;
// function bodies are written with `Fn`, a byte emitter with named helpers for the opcodes we use.
// Opcode numbers follow the WebAssembly core spec (2.0), the fixed-width SIMD proposal and, for
// f32x4.relaxed_madd, the relaxed-SIMD proposal (Wasm 3.0).

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** unsigned LEB128 */
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** signed LEB128 */
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A WebAssembly vector: the item count, then the items. */
function vec(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c, f32x4Splat: 0x13, f32x4ExtractLane: 0x1f,
  f32x4Eq: 0x41, f32x4Lt: 0x43, f32x4Gt: 0x44, f32x4Ge: 0x46, and: 0x4e, bitselect: 0x52,
  f32x4Abs: 0xe0, f32x4Neg: 0xe1, f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6,
  f32x4Div: 0xe7, f32x4Max: 0xe9, f32x4Pmin: 0xea, f32x4Pmax: 0xeb, f32x4Nearest: 0x6a, i32x4Shl: 0xab,
  f64x2Splat: 0x14, load64Zero: 0x5d, store64Lane: 0x5b, f32x4DemoteF64x2Zero: 0x5e, f64x2PromoteLowF32x4: 0x5f,
  f64x2Sqrt: 0xef, f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3,
  /** relaxed SIMD: a·b + c, fused or as mul then add (the engine's choice) */
  f32x4RelaxedMadd: 0x105,
} as const;

/**
 * One function body under construction. Locals are numbered after the parameters. With `fma`,
 * `vmuladd` emits f32x4.relaxed_madd (the module then needs relaxed SIMD), else mul then add.
 */
export class Fn {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = [], readonly fma = false) {}

  local(t: ValType): number {
    this.localTypes.push(t);
    return this.params.length + this.localTypes.length - 1;
  }

  /** n new locals of type t, numbered in order */
  locals(t: ValType, n: number): number[] {
    return Array.from({ length: n }, () => this.local(t));
  }

  raw(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this { return this.raw(0x20, ...uleb(i)); }
  set(i: number): this { return this.raw(0x21, ...uleb(i)); }
  tee(i: number): this { return this.raw(0x22, ...uleb(i)); }
  i32(v: number): this { return this.raw(0x41, ...sleb(v | 0)); }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.raw(0x43, ...b);
  }
  // i32 arithmetic and comparisons
  add(): this { return this.raw(0x6a); }
  sub(): this { return this.raw(0x6b); }
  mul(): this { return this.raw(0x6c); }
  eqz(): this { return this.raw(0x45); }
  eq(): this { return this.raw(0x46); }
  ltS(): this { return this.raw(0x48); }
  geS(): this { return this.raw(0x4e); }
  gtS(): this { return this.raw(0x4a); }
  /** i32 local += v */
  inc(i: number, v: number): this { return this.get(i).i32(v).add().set(i); }
  /** i32 local += local */
  incBy(i: number, j: number): this { return this.get(i).get(j).add().set(i); }
  // scalar f32 memory
  f32Load(offset = 0): this { return this.raw(0x2a, 2, ...uleb(offset)); }
  f32Store(offset = 0): this { return this.raw(0x38, 2, ...uleb(offset)); }
  // scalar f32 arithmetic
  fadd(): this { return this.raw(0x92); }
  fdiv(): this { return this.raw(0x95); }
  fsqrt(): this { return this.raw(0x91); }
  /** f32.convert_i32_s */
  fFromI32(): this { return this.raw(0xb2); }
  // SIMD
  /** v128.const with four equal f32 lanes */
  vconst(v: number): this {
    const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
    return this.raw(0xfd, ...uleb(Simd.const), ...b);
  }
  vsub(): this { return this.simd(Simd.f32x4Sub); }
  vdiv(): this { return this.simd(Simd.f32x4Div); }
  /** f32x4.extract_lane i */
  vlane(i: number): this { return this.simd(Simd.f32x4ExtractLane).raw(i); }
  simd(op: number): this { return this.raw(0xfd, ...uleb(op)); }
  vload(offset = 0): this { return this.raw(0xfd, ...uleb(Simd.load), 4, ...uleb(offset)); }
  vstore(offset = 0): this { return this.raw(0xfd, ...uleb(Simd.store), 4, ...uleb(offset)); }
  vsplatLoad(offset = 0): this { return this.raw(0xfd, ...uleb(Simd.load32Splat), 2, ...uleb(offset)); }
  vzero(): this { return this.raw(0xfd, ...uleb(Simd.const), ...new Array<number>(16).fill(0)); }
  vsplat(): this { return this.simd(Simd.f32x4Splat); }
  vadd(): this { return this.simd(Simd.f32x4Add); }
  vmul(): this { return this.simd(Simd.f32x4Mul); }
  /** stack [a, b] → a·b + c, `c` an emitter of one f32x4: one relaxed_madd with `fma`, else mul, add */
  vmuladd(c: () => void): this {
    if (this.fma) {
      c();
      return this.simd(Simd.f32x4RelaxedMadd);
    }
    this.vmul();
    c();
    return this.vadd();
  }
  // structured control flow (blocks produce no value)
  block(body: () => void): this { this.raw(0x02, 0x40); body(); return this.raw(0x0b); }
  loop(body: () => void): this { this.raw(0x03, 0x40); body(); return this.raw(0x0b); }
  if(then: () => void, otherwise?: () => void): this {
    this.raw(0x04, 0x40);
    then();
    if (otherwise) {
      this.raw(0x05);
      otherwise();
    }
    return this.raw(0x0b);
  }
  br(depth: number): this { return this.raw(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.raw(0x0d, ...uleb(depth)); }
  call(fn: number): this { return this.raw(0x10, ...uleb(fn)); }

  /** for (i = start; i < end; i += step) body — `end` and `step` are emitters of one i32 each. */
  forRange(i: number, start: () => void, end: () => void, step: number, body: () => void): this {
    start();
    this.set(i);
    return this.block(() => {
      this.loop(() => {
        this.get(i);
        end();
        this.geS().brIf(1);
        body();
        this.inc(i, step).br(0);
      });
    });
  }

  encodeBody(): number[] {
    // locals, run-length grouped
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

export interface ModuleSpec {
  /** imported as env.memory */
  memory: { initial: number; maximum: number; shared: boolean };
  /** exported in order; function index = position in this list */
  funcs: { name: string; fn: Fn }[];
}

function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function encodeModule(spec: ModuleSpec): Uint8Array {
  const { memory, funcs } = spec;
  // one type per function (duplicates are allowed)
  const types = funcs.map(({ fn }) => [0x60, ...uleb(fn.params.length), ...fn.params, ...uleb(fn.results.length), ...fn.results]);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, memory.shared ? 0x03 : 0x01, ...uleb(memory.initial), ...uleb(memory.maximum)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map(({ fn }) => fn.encodeBody()))),
  ]);
}
