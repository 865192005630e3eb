// fast-check arbitraries for tensor tests: small shapes (ranks 0–4, size-1 dims, odd sizes),
// broadcast-compatible pairs, and values kept away from non-differentiable points by construction.
import fc from 'fast-check';
import type { GradInput } from './gradcheck.js';

export type Shape = number[];

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** A shape of rank in [minRank, maxRank] with dims in [1, maxDim]. */
export function shapeArb(minRank = 0, maxRank = 4, maxDim = 3): fc.Arbitrary<Shape> {
  return fc.integer({ min: minRank, max: maxRank }).chain((r) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: r, maxLength: r }));
}

/** A shape broadcast down from `out`: some leading dims dropped, some dims set to 1. */
function broadcastFrom(out: Shape): fc.Arbitrary<Shape> {
  return fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })).map(([drop, ones]) =>
    out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)),
  );
}

/** Two shapes that broadcast together, with the broadcast result. */
export function broadcastPairArb(minRank = 0, maxRank = 4, maxDim = 3): fc.Arbitrary<{ a: Shape; b: Shape; out: Shape }> {
  return shapeArb(minRank, maxRank, maxDim).chain((out) =>
    fc.tuple(broadcastFrom(out), broadcastFrom(out)).map(([a, b]) => ({ a, b, out: broadcastResult(a, b) })),
  );
}

/** numpy broadcasting, written independently of src/tensor/shape.ts. */
export function broadcastResult(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const pa = [...Array<number>(n - a.length).fill(1), ...a];
  const pb = [...Array<number>(n - b.length).fill(1), ...b];
  return pa.map((d, i) => Math.max(d, pb[i]!));
}

/**
 * Value kinds. any: [−2, 2]; positive: [0.2, 3] (log, sqrt, rsqrt, non-integer pow);
 * awayFromZero: |x| in [0.1, 2] (abs, relu); distinct: all values at least 0.15 apart (max without ties,
 * layer norm without a vanishing variance).
 */
export type ValueKind = 'any' | 'positive' | 'awayFromZero' | 'distinct';

export function valuesArb(n: number, kind: ValueKind = 'any'): fc.Arbitrary<number[]> {
  const d = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  const arr = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: n, maxLength: n });
  switch (kind) {
    case 'any':
      return arr(d(-2, 2));
    case 'positive':
      return arr(d(0.2, 3));
    case 'awayFromZero':
      return arr(fc.tuple(fc.boolean(), d(0.1, 2))).map((xs) => xs.map(([s, v]) => (s ? v : -v)));
    case 'distinct': {
      const perm = fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
      return fc.tuple(perm, arr(d(0, 0.1))).map(([p, jitter]) => p.map((k, i) => (k - n / 2) * 0.25 + jitter[i]!));
    }
  }
}

export function inputArb(shape: Shape, kind: ValueKind = 'any'): fc.Arbitrary<GradInput> {
  return valuesArb(sizeOf(shape), kind).map((values) => ({ shape, values }));
}

/** A non-empty subset of the axes of a rank-r tensor, sorted, possibly written as negative axes. */
export function axesArb(rank: number): fc.Arbitrary<number[]> {
  return fc.subarray([...Array(rank).keys()], { minLength: 1 }).chain((axes) =>
    fc.array(fc.boolean(), { minLength: axes.length, maxLength: axes.length }).map((neg) => axes.map((a, i) => (neg[i] ? a - rank : a))),
  );
}

/** An index list into [0, rows) with at least one repeated index when it has ≥ 2 entries. */
export function indicesArb(rows: number, maxLen = 6): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: 1, maxLength: maxLen }).chain((idx) =>
    fc.integer({ min: 0, max: idx.length - 1 }).map((k) => (idx.length >= 2 ? [...idx, idx[k]!] : idx)),
  );
}

/** Distinct row indices in [0, rows) in random order, possibly none (for scatterRows). */
export function distinctIndicesArb(rows: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray([...Array(rows).keys()]);
}

/** Packed attention problems: segments tile the query rows; key ranges may overlap, be empty or repeat. */
export const attentionArb = fc
  .record({
    heads: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 6 }),
    segs: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 3 }),
  })
  .map(({ heads, d, n, segs }) => {
    let q0 = 0;
    const segments = segs.map(([m, x, y]) => {
      const s = { qStart: q0, qEnd: q0 + m, kStart: Math.min(x, y, n), kEnd: Math.min(Math.max(x, y), n) };
      q0 += m;
      return s;
    });
    return { heads, h: heads * d, n, m: q0, segments };
  });
