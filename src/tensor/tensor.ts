// Tensor: a shape, a dtype and a reference-counted handle on backend storage, plus the autograd
// node that made it. Values are read only through `await t.data()` (the CPU backend adds dataSync).
import type { Backend, Storage } from '../backend/backend.js';
import type { DType, TypedArray } from './dtype.js';
import { backward } from './autograd.js';
import { backend, track, untrack } from './engine.js';
import { fmt, sizeOf, type Shape } from './shape.js';

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

  /** Accumulate gradients into the leaves (see autograd.ts). */
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
