// Autograd semantics: reuse, diamonds, noGrad, detach, accumulation, seeds, errors, ownership
// (tidy/dispose, flat live buffers over training), and a micrograd-sized scalar engine as an
// executable specification compared with offramp on random expression DAGs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backend, noGrad, Rng, randn, scalar, tensor, tidy, type Tensor } from '../../src/index.js';
import * as O from '../../src/ops/index.js';
import { AdamW } from '../../src/optim/adamw.js';
import { cpuOnly } from '../helpers/suite.js';

// small integers and halves: exact in f32, so every backend gives these values exactly
const vals = async (t: Tensor | null) => [...(await t!.data())];

test('a reused node accumulates: d(a·a)/da = 2a', async () => {
  const a = tensor([1.5, -2, 3], [3]).param();
  O.sum(O.mul(a, a)).backward();
  assert.deepEqual(await vals(a.grad), [3, -4, 6]);
});

test('diamond graph: d = (2a)·(a + 1) gives dd/da = 2(a + 1) + 2a', async () => {
  const a = tensor([0.5, -1, 2], [3]).param();
  const d = O.mul(O.mul(a, 2), O.add(a, 1));
  O.sum(d).backward();
  assert.deepEqual(await vals(a.grad), [0.5, -1, 2].map((x) => 2 * (x + 1) + 2 * x));
});

test('only leaves that need grad receive gradients; an unused parameter gets none', async () => {
  const a = tensor([1, 2], [2]).param();
  const c = tensor([3, 4], [2]); // a constant
  const unused = tensor([5], [1]).param();
  O.sum(O.mul(a, c)).backward();
  assert.deepEqual(await vals(a.grad), [3, 4]);
  assert.equal(c.grad, null);
  assert.equal(unused.grad, null);
});

test('noGrad records nothing', () => {
  const a = tensor([1, 2], [2]).param();
  const y = noGrad(() => O.exp(O.mul(a, a)));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  assert.throws(() => O.sum(y).backward(), /does not require grad/);
  // recording is back on afterwards, also when the body throws
  assert.throws(() => noGrad(() => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(O.mul(a, 2).requiresGrad, true);
});

test('detach: same values and storage, no node, no gradient through it', async () => {
  const a = tensor([1, -2, 3], [3]).param();
  const d = O.detach(a);
  assert.equal(d.requiresGrad, false);
  assert.equal(d.node, null);
  assert.equal(d.storage, a.storage);
  assert.deepEqual(await vals(d), await vals(a));
  // y = detach(a)·a: the gradient is detach(a) = a, not 2a
  O.sum(O.mul(d, a)).backward();
  assert.deepEqual(await vals(a.grad), [1, -2, 3]);
  // disposing the detached view leaves the original readable
  d.dispose();
  assert.deepEqual(await vals(a), [1, -2, 3]);
});

test('gradients accumulate across backward calls until zeroGrad', async () => {
  const a = tensor([1, 2], [2]).param();
  O.sum(O.mul(a, 3)).backward();
  O.sum(O.mul(a, a)).backward();
  assert.deepEqual(await vals(a.grad), [3 + 2, 3 + 4]);
  a.zeroGrad();
  assert.equal(a.grad, null);
  O.sum(O.mul(a, 3)).backward();
  assert.deepEqual(await vals(a.grad), [3, 3]);
});

test('backward with a seed gradient of the output shape', async () => {
  const a = tensor([1, 2, 3], [3]).param();
  const y = O.mul(O.mul(a, a), 0.5); // dy/da = a
  y.backward(tensor([1, 10, 100], [3]));
  assert.deepEqual(await vals(a.grad), [1, 20, 300]);
});

test('backward errors: non-scalar without seed, no grad, wrong seed shape, use after dispose', () => {
  const a = tensor([1, 2, 3, 4], [2, 2]).param();
  const y = O.mul(a, a);
  assert.throws(() => y.backward(), /backward: .*\[2, 2\].* is not a scalar; pass a seed/);
  assert.throws(() => tensor([1, 2]).backward(), /backward: .*does not require grad/);
  assert.throws(() => y.backward(tensor([1, 2])), /backward: seed \[2\] does not match \[2, 2\]/);
  const b = tensor([1, 2], [2]);
  b.name = 'bias';
  b.dispose();
  assert.equal(b.disposed, true);
  assert.throws(() => b.dataSync(), /Tensor bias \[2\] was used after dispose\(\)/);
  assert.throws(() => O.add(b, 1), /was used after dispose\(\)/);
  b.dispose(); // disposing twice is a no-op
});

test('tidy frees intermediates of forward + backward; only the kept gradients remain', async () => {
  const rng = new Rng(1);
  const w = randn([4, 3], rng).param('w');
  const x = randn([5, 4], rng);
  const start = backend().liveBuffers();
  const loss = tidy(() => {
    const l = O.crossEntropy(O.matmul(O.tanh(x), w), [0, 1, 2, -100, 1]);
    l.backward();
    return l;
  });
  // returned: the loss; kept: w.grad
  assert.equal(backend().liveBuffers(), start + 2);
  assert.ok(Number.isFinite((await loss.data())[0]!));
  loss.dispose();
  w.zeroGrad();
  assert.equal(backend().liveBuffers(), start);
});

test('tidy hands returned tensors to the enclosing scope; keep() takes them out of every scope', () => {
  const start = backend().liveBuffers();
  let kept: Tensor | null = null;
  const inner = tidy(() => {
    const r = tidy(() => {
      kept = O.exp(tensor([1, 2])).keep();
      return { out: [O.add(tensor([1]), 1)] };
    });
    assert.equal(r.out[0]!.disposed, false);
    return null; // r is dropped here, so the outer scope frees it
  });
  assert.equal(inner, null);
  assert.equal(kept!.disposed, false);
  assert.equal(backend().liveBuffers(), start + 1);
  kept!.dispose();
  assert.equal(backend().liveBuffers(), start);
});

test('20 AdamW training steps (with clipping) keep live buffers flat', async () => {
  const rng = new Rng(2);
  const w1 = randn([4, 8], rng, 0.5).param('w1');
  const w2 = randn([8, 3], rng, 0.5).param('w2');
  const x = randn([6, 4], rng);
  const opt = new AdamW([{ params: [w1], lr: 0.01, weightDecay: 0.01, maxGradNorm: 0.1 }, { params: [w2], lr: 0.02 }]);
  const counts: number[] = [];
  for (let step = 0; step < 20; step++) {
    const loss = tidy(() => {
      const l = O.crossEntropy(O.matmul(O.relu(O.matmul(x, w1)), w2), [0, 1, 2, 0, 1, 2]);
      l.backward();
      return l;
    });
    await opt.stepAsync(); // async: clipping reads the norm; it must not leak outside a tidy scope
    opt.zeroGrad();
    loss.dispose();
    counts.push(backend().liveBuffers());
  }
  // the first step allocates the AdamW moments; after that nothing may grow
  assert.deepEqual(counts.slice(1), new Array(19).fill(counts[1]), `live buffers per step: ${counts.join(', ')}`);
  opt.dispose();
});

// ---------------------------------------------------------------------------------------------
// micrograd (Karpathy, engine.py) in TypeScript: the specification of reverse-mode semantics.

class Value {
  grad = 0;
  _backward: () => void = () => {};
  constructor(
    public data: number,
    readonly _prev: Value[] = [],
  ) {}

  add(o: Value): Value {
    const out = new Value(this.data + o.data, [this, o]);
    out._backward = () => {
      this.grad += out.grad;
      o.grad += out.grad;
    };
    return out;
  }

  mul(o: Value): Value {
    const out = new Value(this.data * o.data, [this, o]);
    out._backward = () => {
      this.grad += o.data * out.grad;
      o.grad += this.data * out.grad;
    };
    return out;
  }

  pow(p: number): Value {
    const out = new Value(this.data ** p, [this]);
    out._backward = () => {
      this.grad += p * this.data ** (p - 1) * out.grad;
    };
    return out;
  }

  tanh(): Value {
    const t = Math.tanh(this.data);
    const out = new Value(t, [this]);
    out._backward = () => {
      this.grad += (1 - t * t) * out.grad;
    };
    return out;
  }

  exp(): Value {
    const out = new Value(Math.exp(this.data), [this]);
    out._backward = () => {
      this.grad += out.data * out.grad;
    };
    return out;
  }

  backward(): void {
    const topo: Value[] = [];
    const seen = new Set<Value>();
    const build = (v: Value) => {
      if (seen.has(v)) return;
      seen.add(v);
      v._prev.forEach(build);
      topo.push(v);
    };
    build(this);
    this.grad = 1;
    for (const v of topo.reverse()) v._backward();
  }
}

type Step = { op: 'add' | 'mul'; a: number; b: number } | { op: 'tanh' | 'exp'; a: number } | { op: 'pow'; a: number; p: number };

/** Leaves, then steps whose operands are any earlier node (so nodes are reused and graphs are DAGs). */
const dagArb = fc.integer({ min: 1, max: 4 }).chain((nLeaves) =>
  fc.tuple(
    fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: nLeaves, maxLength: nLeaves }),
    fc.array(fc.tuple(fc.constantFrom('add', 'mul', 'tanh', 'exp', 'pow'), fc.nat(), fc.nat(), fc.constantFrom(2, 3)), { minLength: 1, maxLength: 10 }).map((raw) =>
      raw.map(([op, i, j, p], k): Step => {
        const n = nLeaves + k; // nodes available so far
        if (op === 'add' || op === 'mul') return { op, a: i % n, b: j % n };
        if (op === 'pow') return { op, a: i % n, p };
        return { op, a: i % n };
      }),
    ),
  ),
);

function evalDag<N>(leaves: N[], steps: Step[], ops: { add(a: N, b: N): N; mul(a: N, b: N): N; tanh(a: N): N; exp(a: N): N; pow(a: N, p: number): N }): N[] {
  const nodes = [...leaves];
  for (const s of steps) {
    const a = nodes[s.a]!;
    if (s.op === 'add' || s.op === 'mul') nodes.push(ops[s.op](a, nodes[s.b]!));
    else if (s.op === 'pow') nodes.push(ops.pow(a, s.p));
    else nodes.push(ops[s.op](a));
  }
  return nodes;
}

test('micrograd specification: random scalar DAGs give the same values and gradients', { skip: cpuOnly }, () => {
  fc.assert(
    fc.property(dagArb, ([leafValues, steps]) => {
      const mg = evalDag(leafValues.map((v) => new Value(v)), steps, {
        add: (a, b) => a.add(b), mul: (a, b) => a.mul(b), tanh: (a) => a.tanh(), exp: (a) => a.exp(), pow: (a, p) => a.pow(p),
      });
      const root = mg[mg.length - 1]!;
      fc.pre(Number.isFinite(root.data) && Math.abs(root.data) < 1e12);
      root.backward();

      tidy(() => {
        const leaves = leafValues.map((v) => scalar(v, 'f64').param());
        const nodes = evalDag<Tensor>(leaves, steps, { add: O.add, mul: O.mul, tanh: O.tanh, exp: O.exp, pow: O.pow });
        const out = nodes[nodes.length - 1]!;
        assert.deepEqual(out.shape, []);
        const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
        assert.ok(close(out.dataSync()[0]!, root.data), `value ${out.dataSync()[0]} vs micrograd ${root.data}`);
        assert.ok(out.requiresGrad, 'the root is an op on parameters');
        out.backward();
        leaves.forEach((l, i) => {
          const g = l.grad ? l.grad.dataSync()[0]! : 0; // a leaf the root does not reach has no grad
          assert.ok(close(g, mg[i]!.grad), `leaf ${i}: grad ${g} vs micrograd ${mg[i]!.grad} (steps ${JSON.stringify(steps)})`);
          l.zeroGrad();
        });
      });
    }),
    { numRuns: 300, includeErrorInReport: true },
  );
});
