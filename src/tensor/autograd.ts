// Reverse-mode differentiation over the graph of GradNodes (micrograd's algorithm on tensors):
// topological order from the root, then each node's rule adds into its inputs' gradients.
import { add } from '../ops/elementwise.js';
import { ones } from './create.js';
import { noGrad } from './engine.js';
import { fmt, sameShape } from './shape.js';
import type { Tensor } from './tensor.js';

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
    grads.set(root, seed ? seed.view(seed.shape) : ones(root.shape, root.dtype));
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
          grads.set(input, add(prev, own));
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
    const sum = add(t.grad, g).keep();
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
