// Shape arithmetic shared by every op: sizes, strides, numpy broadcasting, axis normalisation.
export type Shape = readonly number[];
export { sizeOf, stridesOf } from '../backend/layout.js';
import { stridesOf } from '../backend/layout.js';

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export class ShapeError extends Error {
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'ShapeError';
  }
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(op, `invalid shape ${fmt(shape)}`);
  }
}

/** numpy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of shape `from` as if it had the broadcast shape `to` (0 on broadcast dims). */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const s = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[off + i] = from[i] === 1 ? 0 : s[i]!;
  return out;
}

/** Resolve a possibly negative axis; throws naming the op when out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
