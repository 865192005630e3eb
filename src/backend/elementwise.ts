// The elementwise table: every unary and binary map once, with its expression for each backend and
// its gradient. Everything else is generated from it: the CPU loops (reference/elementwise.ts), the
// wasm SIMD kernels, the WGSL `switch` cases (spliced into kernels/elementwise/*.wgsl at the
// `@generated` marker; op codes are the table order), the gpu.js kernel bodies, the ops with their
// gradient rules (ops/elementwise.ts) and the backend parity tests. Adding a unary op is an entry here
// and its gradient check in test/ops/gradcheck.test.ts (docs/architecture.md, "How to add an op").
import { emitErf, emitExp, type BinaryVec, type UnaryVec } from './cpu/wasm-math.js';
import { Simd } from './cpu/wasm-encoder.js';
import { erfCode } from './gpujs/erf.js';

/**
 * The ops a gradient rule is written with (ops/elementwise.ts passes the tensor ops). `unary` takes
 * any op of this table by name (a string: the table's type cannot refer to its own keys).
 */
export interface Algebra<T> {
  mul(a: T, b: T | number): T;
  sub(a: T | number, b: T): T;
  div(a: T, b: T): T;
  unary(op: string, x: T, p?: number): T;
}

export interface UnaryEntry {
  /** JavaScript expression in x and p (the op's scalar parameter); `erf(x)` is in scope */
  cpu: string;
  /** WGSL expression in x and p; helpers erf_, tanh_, pow_ and bits are in unary.wgsl */
  wgsl: string;
  /** gpu.js statements in v (the input) and P[0] (p), ending in a return */
  gpujs: string;
  /** f32x4 SIMD version; without one the CPU backend runs the JavaScript loop */
  wasm?: UnaryVec;
  /** gradient of the input from the output's gradient g (none: not differentiable) */
  grad?: <T>(o: Algebra<T>, g: T, x: T, out: T, p: number) => T;
  /** for the backend parity tests: the inputs it is defined on, and how closely backends agree */
  domain: 'real' | 'positive';
  tol: 'exact' | 'arithmetic' | 'transcendental';
}

export const unaryTable = {
  neg: {
    cpu: '-x', wgsl: '-x', gpujs: 'return 0.0 - v;', wasm: (f, x) => f.get(x).simd(Simd.f32x4Neg),
    grad: (o, g) => o.unary('neg', g), domain: 'real', tol: 'exact',
  },
  exp: {
    cpu: 'Math.exp(x)', wgsl: 'exp(x)', gpujs: 'return Math.exp(v);',
    grad: (o, g, _x, out) => o.mul(g, out), domain: 'real', tol: 'transcendental',
  },
  log: {
    cpu: 'Math.log(x)', wgsl: 'log(x)', gpujs: 'return Math.log(v);',
    grad: (o, g, x) => o.div(g, x), domain: 'positive', tol: 'transcendental',
  },
  sqrt: {
    cpu: 'Math.sqrt(x)', wgsl: 'sqrt(x)', gpujs: 'return Math.sqrt(v);', wasm: (f, x) => f.get(x).simd(Simd.f32x4Sqrt),
    grad: (o, g, _x, out) => o.div(o.mul(g, 0.5), out), domain: 'positive', tol: 'arithmetic',
  },
  rsqrt: {
    // WGSL inverseSqrt may be approximate
    cpu: '1 / Math.sqrt(x)', wgsl: '1.0 / sqrt(x)', gpujs: 'return 1.0 / Math.sqrt(v);',
    // d/dx x^-1/2 = -1/2 · x^-3/2 = -1/2 · out³
    grad: (o, g, _x, out) => o.mul(g, o.mul(o.unary('pow', out, 3), -0.5)), domain: 'positive', tol: 'arithmetic',
  },
  tanh: {
    cpu: 'Math.tanh(x)', wgsl: 'tanh_(x)', gpujs: 'return Math.tanh(v);',
    grad: (o, g, _x, out) => o.mul(g, o.sub(1, o.mul(out, out))), domain: 'real', tol: 'transcendental',
  },
  relu: {
    // x > 0 ? x : 0 is pmax(0, x)
    cpu: 'x > 0 ? x : 0', wgsl: 'select(0.0, x, x > 0.0)', gpujs: 'if (v > 0) { return v; } return 0.0;',
    wasm: (f, x) => f.vzero().get(x).simd(Simd.f32x4Pmax),
    grad: (o, g, x) => o.mul(g, o.unary('step', x)), domain: 'real', tol: 'exact',
  },
  /** 1 where x > 0 else 0: relu's derivative */
  step: {
    cpu: 'x > 0 ? 1 : 0', wgsl: 'select(0.0, 1.0, x > 0.0)', gpujs: 'if (v > 0) { return 1.0; } return 0.0;',
    wasm: (f, x) => f.get(x).vzero().simd(Simd.f32x4Gt).vconst(1).simd(Simd.and), domain: 'real', tol: 'exact',
  },
  erf: {
    cpu: 'erf(x)', wgsl: 'erf_(x)', gpujs: `${erfCode('v')}\n    return er;`, wasm: (f, x, L) => emitErf(f, x, L),
    grad: (o, g, x) => o.mul(g, o.mul(o.unary('exp', o.unary('neg', o.mul(x, x))), 2 / Math.sqrt(Math.PI))),
    domain: 'real', tol: 'transcendental',
  },
  abs: {
    cpu: 'Math.abs(x)', wgsl: 'abs(x)', gpujs: 'return Math.abs(v);', wasm: (f, x) => f.get(x).simd(Simd.f32x4Abs),
    // sign(x) = step(x) − step(−x); the subgradient at 0 is 0, as in PyTorch
    grad: (o, g, x) => o.mul(g, o.sub(o.unary('step', x), o.unary('step', o.unary('neg', x)))), domain: 'real', tol: 'exact',
  },
  /** x^p for a constant p */
  pow: {
    cpu: 'p === 2 ? x * x : p === 3 ? x * x * x : Math.pow(x, p)', wgsl: 'pow_(x, p)',
    gpujs: 'const p = P[0]; if (p == 2) { return v * v; } if (p == 3) { return v * v * v; } return Math.pow(v, p);',
    // p = 0: x⁰ is constant, and 0·x⁻¹ would be NaN at x = 0
    grad: (o, g, x, _out, p) => (p === 0 ? o.mul(g, 0) : o.mul(g, o.mul(o.unary('pow', x, p - 1), p))), domain: 'real', tol: 'transcendental',
  },
  /** GELU, erf form (as BERT): x·Φ(x), one pass forward and one (geluGrad) for its derivative */
  gelu: {
    cpu: '0.5 * x * (1 + erf(x * Math.SQRT1_2))', wgsl: '0.5 * x * (1.0 + erf_(x * 0.70710678118654752))',
    gpujs: `${erfCode('v * 0.7071067811865476')}\n    return 0.5 * v * opl;`,
    wasm: (f, x, L, u) => {
      f.get(x).vconst(Math.SQRT1_2).vmul().set(u);
      f.get(x).vconst(0.5).vmul();
      emitErf(f, u, L);
      f.vconst(1).vadd().vmul();
    },
    grad: (o, g, x) => o.mul(g, o.unary('geluGrad', x)), domain: 'real', tol: 'transcendental',
  },
  /** GELU's derivative Φ(x) + x·φ(x) = 0.5·(1 + erf(x/√2)) + x·exp(−x²/2)/√(2π) */
  geluGrad: {
    cpu: '0.5 * (1 + erf(x * Math.SQRT1_2)) + x * Math.exp(-0.5 * x * x) * 0.3989422804014327',
    wgsl: '0.5 * (1.0 + erf_(x * 0.70710678118654752)) + x * exp(-0.5 * x * x) * 0.3989422804014327',
    gpujs: `${erfCode('v * 0.7071067811865476')}\n    return 0.5 * opl + v * Math.exp(-0.5 * v * v) * 0.3989422804014327;`,
    wasm: (f, x, L, u) => {
      f.get(x).vconst(Math.SQRT1_2).vmul().set(u);
      emitErf(f, u, L);
      f.vconst(1).vadd().vconst(0.5).vmul();
      f.get(x).get(x).vmul().vconst(-0.5).vmul().set(u);
      f.get(x);
      emitExp(f, u, L);
      f.vmul().vconst(0.3989422804014327).vmul().vadd();
    },
    domain: 'real', tol: 'transcendental',
  },
} as const satisfies Record<string, UnaryEntry>;

export type UnaryOp = keyof typeof unaryTable;

export interface BinaryEntry {
  /** JavaScript expression in x and y */
  cpu: string;
  /** WGSL expression in x and y */
  wgsl: string;
  /** gpu.js statements in x and y, ending in a return */
  gpujs: string;
  /** f32x4 SIMD version (same results as the JavaScript expression) */
  wasm: BinaryVec;
  /** gradients of a and b (before summing over broadcast axes); none: not differentiable */
  grad?: readonly [<T>(o: Algebra<T>, g: T, a: T, b: T, out: T) => T, <T>(o: Algebra<T>, g: T, a: T, b: T, out: T) => T];
}

/** Broadcast binary maps; comparisons give 1 or 0 in the input dtype. */
export const binaryTable = {
  add: {
    cpu: 'x + y', wgsl: 'x + y', gpujs: 'return x + y;', wasm: (f, x, y) => f.get(x).get(y).vadd(),
    grad: [(_o, g) => g, (_o, g) => g],
  },
  sub: {
    cpu: 'x - y', wgsl: 'x - y', gpujs: 'return x - y;', wasm: (f, x, y) => f.get(x).get(y).vsub(),
    grad: [(_o, g) => g, (o, g) => o.unary('neg', g)],
  },
  mul: {
    cpu: 'x * y', wgsl: 'x * y', gpujs: 'return x * y;', wasm: (f, x, y) => f.get(x).get(y).vmul(),
    grad: [(o, g, _a, b) => o.mul(g, b), (o, g, a) => o.mul(g, a)],
  },
  div: {
    cpu: 'x / y', wgsl: 'x / y', gpujs: 'return x / y;', wasm: (f, x, y) => f.get(x).get(y).vdiv(),
    grad: [(o, g, _a, b) => o.div(g, b), (o, g, _a, b, out) => o.unary('neg', o.div(o.mul(g, out), b))],
  },
  // x > y ? x : y is pmax(y, x) (pmax(a, b) = a < b ? b : a), NaN cases included; min likewise.
  // WGSL: y when unordered, as the CPU loop
  max: { cpu: 'x > y ? x : y', wgsl: 'select(y, x, x > y)', gpujs: 'if (x > y) { return x; } return y;', wasm: (f, x, y) => f.get(y).get(x).simd(Simd.f32x4Pmax) },
  min: { cpu: 'x < y ? x : y', wgsl: 'select(y, x, x < y)', gpujs: 'if (x < y) { return x; } return y;', wasm: (f, x, y) => f.get(y).get(x).simd(Simd.f32x4Pmin) },
  gt: {
    cpu: 'x > y ? 1 : 0', wgsl: 'select(0.0, 1.0, x > y)', gpujs: 'if (x > y) { return 1.0; } return 0.0;',
    wasm: (f, x, y) => f.get(x).get(y).simd(Simd.f32x4Gt).vconst(1).simd(Simd.and),
  },
  ge: {
    cpu: 'x >= y ? 1 : 0', wgsl: 'select(0.0, 1.0, x >= y)', gpujs: 'if (x >= y) { return 1.0; } return 0.0;',
    wasm: (f, x, y) => f.get(x).get(y).simd(Simd.f32x4Ge).vconst(1).simd(Simd.and),
  },
  eq: {
    cpu: 'x === y ? 1 : 0', wgsl: 'select(0.0, 1.0, x == y)', gpujs: 'if (x == y) { return 1.0; } return 0.0;',
    wasm: (f, x, y) => f.get(x).get(y).simd(Simd.f32x4Eq).vconst(1).simd(Simd.and),
  },
} as const satisfies Record<string, BinaryEntry>;

export type BinaryOp = keyof typeof binaryTable;

/** The ops of a table that have a gradient. */
export type WithGrad<T> = { [K in keyof T]: T[K] extends { grad: unknown } ? K : never }[keyof T];

/** `switch OP` cases for a WGSL function of x (and y or p), in table order: op code = index. */
export function wgslCases(table: Readonly<Record<string, { wgsl: string }>>): string {
  return Object.entries(table).map(([op, e], i) => `    case ${i}u: { return ${e.wgsl}; } // ${op}`).join('\n');
}

/** The op code of `op` in its table (the WGSL override constant OP). */
export function opCode(table: object, op: string): number {
  return Object.keys(table).indexOf(op);
}
