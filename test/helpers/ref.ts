// Independent plain-JS references for forward values: n-d arrays as { shape, data } addressed by
// multi-indices (unravel/ravel), not by the strides and odometers src/ uses. Float64 throughout.
import assert from 'node:assert/strict';
import { broadcastResult, sizeOf } from './arb.js';

export interface Nd {
  shape: number[];
  data: number[];
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + idx[d]!;
  return i;
}

/** The index into `from` that broadcasting reads for output index `idx` (numpy rules). */
function broadcastIndex(idx: readonly number[], from: readonly number[]): number[] {
  const lead = idx.length - from.length;
  return from.map((d, i) => (d === 1 ? 0 : idx[lead + i]!));
}

export function map(x: Nd, f: (v: number) => number): Nd {
  return { shape: [...x.shape], data: x.data.map(f) };
}

export function zip(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  const shape = broadcastResult(a.shape, b.shape);
  const data = Array.from({ length: sizeOf(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    return f(a.data[ravel(broadcastIndex(idx, a.shape), a.shape)]!, b.data[ravel(broadcastIndex(idx, b.shape), b.shape)]!);
  });
  return { shape, data };
}

export function expandTo(x: Nd, shape: number[]): Nd {
  return { shape, data: Array.from({ length: sizeOf(shape) }, (_, i) => x.data[ravel(broadcastIndex(unravel(i, shape), x.shape), x.shape)]!) };
}

/** Reduce the given (non-negative) axes with f starting from init. */
export function reduce(x: Nd, axes: readonly number[], keepdims: boolean, f: (acc: number, v: number) => number, init: number): Nd {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const acc = new Array<number>(sizeOf(kept)).fill(init);
  x.data.forEach((v, i) => {
    const idx = unravel(i, x.shape).map((k, d) => (axes.includes(d) ? 0 : k));
    const o = ravel(idx, kept);
    acc[o] = f(acc[o]!, v);
  });
  return { shape: keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i)), data: acc };
}

export function permute(x: Nd, perm: readonly number[]): Nd {
  const shape = perm.map((p) => x.shape[p]!);
  const data = Array.from({ length: x.data.length }, (_, i) => {
    const out = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, k) => (src[p] = out[k]!));
    return x.data[ravel(src, x.shape)]!;
  });
  return { shape, data };
}

export function slice(x: Nd, lo: readonly number[], hi: readonly number[]): Nd {
  const shape = x.shape.map((_, d) => hi[d]! - lo[d]!);
  return { shape, data: Array.from({ length: sizeOf(shape) }, (_, i) => x.data[ravel(unravel(i, shape).map((k, d) => k + lo[d]!), x.shape)]!) };
}

export function concat(xs: readonly Nd[], axis: number): Nd {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
  const data = Array.from({ length: sizeOf(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    let k = idx[axis]!;
    for (const x of xs) {
      if (k < x.shape[axis]!) return x.data[ravel(idx.map((v, d) => (d === axis ? k : v)), x.shape)]!;
      k -= x.shape[axis]!;
    }
    throw new Error('unreachable');
  });
  return { shape, data };
}

/** a [..., m, k] (or stored [..., k, m] if transA) times b; batch dims broadcast when one side is 2-D. */
export function matmul(a: Nd, b: Nd, transA: boolean, transB: boolean): Nd {
  const aB = a.shape.slice(0, -2);
  const bB = b.shape.slice(0, -2);
  const batch = aB.length ? aB : bB;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const n = transB ? br : bc;
  const at = (t: number, i: number, kk: number) => a.data[(aB.length ? t : 0) * ar * ac + (transA ? kk * ac + i : i * ac + kk)]!;
  const bt = (t: number, kk: number, j: number) => b.data[(bB.length ? t : 0) * br * bc + (transB ? j * bc + kk : kk * bc + j)]!;
  const shape = [...batch, m, n];
  const data = Array.from({ length: sizeOf(shape) }, (_, o) => {
    const t = Math.floor(o / (m * n));
    const i = Math.floor((o % (m * n)) / n);
    const j = o % n;
    let s = 0;
    for (let kk = 0; kk < k; kk++) s += at(t, i, kk) * bt(t, kk, j);
    return s;
  });
  return { shape, data };
}

/** Apply f to every 1-D row along `axis` (values in order), writing the returned row back. */
export function alongAxis(x: Nd, axis: number, f: (row: number[]) => number[]): Nd {
  const out = [...x.data];
  const n = x.shape[axis]!;
  const base = x.shape.map((d, i) => (i === axis ? 1 : d));
  for (let r = 0; r < sizeOf(base); r++) {
    const idx = unravel(r, base);
    const pos = Array.from({ length: n }, (_, k) => ravel(idx.map((v, d) => (d === axis ? k : v)), x.shape));
    const res = f(pos.map((p) => x.data[p]!));
    pos.forEach((p, k) => (out[p] = res[k]!));
  }
  return { shape: [...x.shape], data: out };
}

/** Softmax of one row in float64: exp(x − max) / Σ. */
export function softmaxRow(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function logSumExp(row: readonly number[]): number {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** Two-pass layer norm of one row in float64. */
export function layerNormRow(row: readonly number[], gamma: readonly number[], beta: readonly number[], eps: number): number[] {
  const mu = row.reduce((a, b) => a + b, 0) / row.length;
  const v = row.reduce((a, b) => a + (b - mu) * (b - mu), 0) / row.length;
  return row.map((x, i) => ((x - mu) / Math.sqrt(v + eps)) * gamma[i]! + beta[i]!);
}

/** erf by composite Simpson integration of 2/√π·e^(−t²) on [0, x] (independent of src's series). */
export function erfSimpson(x: number, steps = 2000): number {
  const f = (t: number) => Math.exp(-t * t);
  const hh = x / steps;
  let s = f(0) + f(x);
  for (let i = 1; i < steps; i++) s += (i % 2 ? 4 : 2) * f(i * hh);
  return ((2 / Math.sqrt(Math.PI)) * s * hh) / 3;
}

/** |a − b| ≤ atol + rtol·|b| elementwise, with a message naming the worst element. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { atol: number; rtol: number }, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Object.is(a, e) ? 0 : Math.abs(a - e) / (tol.atol + tol.rtol * Math.abs(e));
    if (!(err <= worstErr)) {
      worstErr = Number.isNaN(err) ? Infinity : err;
      worst = i;
    }
  }
  assert.ok(worstErr <= 1, `${what}: element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (error/allowed ${worstErr})`);
}

/** Named tolerances: f32 results against float64 references of the same f32 inputs, and f64 against f64. */
export const tol = {
  f32: { atol: 1e-6, rtol: 1e-5 },
  f64: { atol: 1e-12, rtol: 1e-12 },
};
