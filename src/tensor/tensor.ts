// Tensor: a shape, a dtype and a reference-counted handle on backend storage, plus the autograd
// node that made it, and reverse-mode differentiation over those nodes (`backward`). Values are read
// only through `await t.data()` (the CPU backend adds dataSync).
import type { Backend, Storage } from '../backend/backend.js';
import type { DType, TypedArray } from '../backend/dtype.js';
import { backend, noGrad, track, untrack } from './engine.js';
import { fmt, sameShape, sizeOf, stridesOf, type Shape } from './shape.js';

/** How a tensor was computed: its inputs and the rule mapping the output gradient to theirs. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Returns one gradient per input (null where an input needs none). Runs with recording off. */
  backward(grad: Tensor): (Tensor | null)[];
}

/** Storage shared by a tensor and its reshapes; freed when the last one is disposed. */
class Buffer {
  refs = 1;
  constructor(
    readonly storage: Storage,
    readonly backend: Backend,
  ) {}
}

let nextId = 0;

export class Tensor {
  readonly isTensor = true;
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  /** Optional name used in error messages and checkpoints. */
  name = '';
  private buf: Buffer | null;

  /** Use the factories in create.ts and the ops; this wraps storage a backend already returned. */
  constructor(storage: Storage, shape: Shape, be: Backend = backend(), shared?: Tensor) {
    if (sizeOf(shape) !== storage.size) {
      throw new Error(`Tensor: shape ${fmt(shape)} holds ${sizeOf(shape)} elements, storage has ${storage.size}`);
    }
    this.shape = Object.freeze([...shape]);
    this.size = storage.size;
    if (shared) {
      this.buf = shared.buffer();
      this.buf.refs++;
    } else {
      this.buf = new Buffer(storage, be);
    }
    track(this);
  }

  get dtype(): DType {
    return this.buffer().storage.dtype;
  }

  get rank(): number {
    return this.shape.length;
  }

  get storage(): Storage {
    return this.buffer().storage;
  }

  get backend(): Backend {
    return this.buffer().backend;
  }

  get disposed(): boolean {
    return this.buf === null;
  }

  private buffer(): Buffer {
    if (!this.buf) throw new Error(`Tensor ${this.name || '#' + this.id} ${fmt(this.shape)} was used after dispose()`);
    return this.buf;
  }

  /** Read the values (the only way to get data out of a device). */
  async data(): Promise<TypedArray> {
    const b = this.buffer();
    return b.backend.read(b.storage);
  }

  /** Synchronous read; only backends whose memory is host memory offer it. */
  dataSync(): TypedArray {
    const b = this.buffer();
    if (!b.backend.readSync) throw new Error(`dataSync: backend ${b.backend.name} only supports 'await t.data()'`);
    return b.backend.readSync(b.storage);
  }

  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${fmt(this.shape)} is not a scalar`);
    return (await this.data())[0]!;
  }

  /** A tensor of another shape sharing this storage (no copy, no autograd; see ops/movement reshape). */
  view(shape: Shape): Tensor {
    return new Tensor(this.storage, shape, this.backend, this);
  }

  /** Mark as a trainable leaf. */
  param(name = ''): this {
    this.requiresGrad = true;
    this.name = name;
    return this;
  }

  /** Exclude from the enclosing tidy scopes (the caller now owns it). */
  keep(): this {
    untrack(this);
    return this;
  }

  dispose(): void {
    const b = this.buf;
    if (!b) return;
    this.buf = null;
    this.node = null;
    untrack(this);
    if (--b.refs === 0) b.backend.free(b.storage);
  }

  /** Accumulate gradients into the leaves (see `backward` below). */
  backward(seed?: Tensor): void {
    backward(this, seed);
  }

  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  toString(): string {
    return `Tensor(${this.name ? this.name + ', ' : ''}${fmt(this.shape)}, ${this.dtype})`;
  }
}

// ---- reverse-mode differentiation (micrograd's algorithm on tensors): topological order from the
// root, then each node's rule adds into its inputs' gradients.

/**
 * Accumulate d(root)/d(leaf) into every leaf's `.grad` (leaves: tensors with requiresGrad and no node).
 * A scalar root needs no seed; otherwise pass the gradient of some scalar with respect to root.
 * Gradients add up across calls until zeroGrad().
 */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) throw new Error(`backward: ${root} does not require grad (no parameter reaches it)`);
  if (!seed && root.size !== 1) throw new Error(`backward: ${root} is not a scalar; pass a seed gradient of the same shape`);
  if (seed && !sameShape(seed.shape, root.shape)) {
    throw new Error(`backward: seed ${fmt(seed.shape)} does not match ${fmt(root.shape)}`);
  }
  const order = topoOrder(root);
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, seed ? seed.view(seed.shape) : new Tensor(root.backend.fill(root.dtype, 1, 1), root.shape, root.backend));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.node;
      if (!node) {
        accumulateLeaf(t, g);
        continue;
      }
      const inGrads = node.backward(g);
      node.inputs.forEach((input, j) => {
        const gi = inGrads[j];
        if (!gi || !input.requiresGrad) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new Error(`backward of ${node.op}: gradient ${fmt(gi.shape)} for input ${j} of shape ${fmt(input.shape)}`);
        }
        // an alias, so the rule may return g itself or the same tensor for two inputs
        const own = gi.view(gi.shape);
        const prev = grads.get(input);
        if (prev) {
          grads.set(input, addGrads(prev, own));
          prev.dispose();
          own.dispose();
        } else {
          grads.set(input, own);
        }
      });
      for (const gi of new Set(inGrads)) if (gi && gi !== g) gi.dispose();
      g.dispose();
    }
  });
}

function accumulateLeaf(t: Tensor, g: Tensor): void {
  if (!t.requiresGrad) {
    g.dispose();
    return;
  }
  if (t.grad) {
    const sum = addGrads(t.grad, g).keep();
    t.grad.dispose();
    g.dispose();
    t.grad = sum;
  } else {
    t.grad = g.keep();
  }
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // iterative DFS (deep graphs would overflow a recursive one)
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, done] = stack.pop()!;
    if (done) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.node?.inputs ?? []) if (input.requiresGrad && !seen.has(input)) stack.push([input, false]);
  }
  return order;
}

/** a + b of one shape, straight through the backend's add kernel (autograd sits below the ops). */
function addGrads(a: Tensor, b: Tensor): Tensor {
  const strides = stridesOf(a.shape);
  return new Tensor(a.backend.binary('add', a.storage, b.storage, a.shape, strides, strides), a.shape, a.backend);
}
