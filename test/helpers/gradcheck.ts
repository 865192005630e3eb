// Float64 central finite differences on the CPU backend (the first rung of the gradient-testing
// ladder). The function under test is reduced to a scalar with fixed random weights,
// L(x) = Σ f(x)·w, so every output element contributes to every checked gradient, then each input
// element's autograd gradient dL/dx_j is compared with (L(x + h·e_j) − L(x − h·e_j)) / 2h.
import { fmt, fromArray, noGrad, Rng, tidy, type Tensor } from '../../src/index.js';
import { mul, sum } from '../../src/ops/index.js';

/** One differentiable input: its shape and float64 values (row-major). */
export interface GradInput {
  shape: readonly number[];
  values: readonly number[];
}

export interface GradcheckOptions {
  /** finite-difference step (default 1e-6) */
  h?: number;
  /** |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|) */
  atol?: number;
  rtol?: number;
  /** seed of the projection weights w */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** names the op, the input shapes and the worst element */
  message: string;
  /** largest error / allowed error over all elements (≤ 1 passes) */
  worstRatio: number;
}

// Round-off of the central difference is about ε·|L|/h ≈ 1e-10·|L| and its truncation error
// h²·|L'''|/6 ≈ 1e-12·|L'''|; 1e-6 absolute plus 1e-5 relative is far above both and far below
// the error of any wrong rule (a missing factor or term changes the gradient by O(1)).
const defaults = { h: 1e-6, atol: 1e-6, rtol: 1e-5, seed: 1234 };

/** How many fast-check runs per op: 100 by default, env OFFRAMP_GRADCHECK_RUNS for more. */
export function gradcheckRuns(fallback = 100): number {
  const v = Number(process.env.OFFRAMP_GRADCHECK_RUNS);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

function leaf(x: GradInput): Tensor {
  return fromArray(Float64Array.from(x.values), x.shape);
}

/**
 * Compare autograd with central differences for `f` at `inputs` (every input gets a gradient;
 * pass non-differentiable arguments such as indices or masks through the closure).
 */
export function gradcheck(op: string, f: (xs: Tensor[]) => Tensor, inputs: readonly GradInput[], opts: GradcheckOptions = {}): GradcheckResult {
  const { h, atol, rtol, seed } = { ...defaults, ...opts };
  const shapes = inputs.map((x) => fmt(x.shape)).join(', ');

  // analytic: one backward pass of L = Σ f(x)·w
  let outShape: readonly number[] = [];
  let w: Float64Array = new Float64Array(0);
  const analytic = tidy(() => {
    const xs = inputs.map((x) => leaf(x).param());
    const y = f(xs);
    if (y.dtype !== 'f64') throw new Error(`gradcheck ${op}: output is ${y.dtype}, expected f64`);
    outShape = y.shape;
    const rng = new Rng(seed);
    w = Float64Array.from({ length: y.size }, () => rng.uniform() * 2 - 1);
    sum(mul(y, fromArray(w.slice(), y.shape))).backward();
    const gs = xs.map((x) => (x.grad ? Float64Array.from(x.grad.dataSync()) : new Float64Array(x.size)));
    for (const x of xs) x.zeroGrad();
    return gs;
  });

  // numeric: L at x ± h·e_j, with recording off
  const loss = (values: readonly (readonly number[])[]): number =>
    tidy(() => noGrad(() => {
      const xs = values.map((v, i) => leaf({ shape: inputs[i]!.shape, values: v }));
      const y = f(xs);
      const yv = y.dataSync();
      let l = 0;
      for (let k = 0; k < yv.length; k++) l += yv[k]! * w[k]!;
      return l;
    }));

  let worst = { ratio: 0, input: -1, index: -1, a: 0, n: 0 };
  const values = inputs.map((x) => [...x.values]);
  inputs.forEach((x, i) => {
    for (let j = 0; j < x.values.length; j++) {
      const v0 = values[i]![j]!;
      values[i]![j] = v0 + h;
      const lp = loss(values);
      values[i]![j] = v0 - h;
      const lm = loss(values);
      values[i]![j] = v0;
      const n = (lp - lm) / (2 * h);
      const a = analytic[i]![j]!;
      const allowed = atol + rtol * Math.max(Math.abs(a), Math.abs(n));
      const ratio = Number.isFinite(a) && Number.isFinite(n) ? Math.abs(a - n) / allowed : Infinity;
      if (ratio > worst.ratio || worst.input < 0) worst = { ratio, input: i, index: j, a, n };
    }
  });
  const ok = worst.ratio <= 1;
  const where = worst.input < 0 ? 'no elements' : `worst: input ${worst.input} ${fmt(inputs[worst.input]!.shape)} element ${worst.index}: autograd ${worst.a}, finite difference ${worst.n}`;
  return {
    ok,
    worstRatio: worst.ratio,
    message: `gradcheck ${op}: inputs ${shapes} → output ${fmt(outShape)}: ${ok ? 'ok' : 'MISMATCH'}; ${where} (error/allowed = ${worst.ratio.toPrecision(3)})`,
  };
}
