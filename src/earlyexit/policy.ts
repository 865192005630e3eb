// Paper §3: when does a word leave? One decision per layer and sentence, from the off-ramp's
// uncertainties. `full` and `static` are the baselines; SENTEE exits whole sentences; TOKEE exits
// single words using the window-based uncertainty.
import { windowUncertainty } from './uncertainty.js';

export type ExitPolicy =
  | { kind: 'full' }
  | { kind: 'static'; layers: number }
  | { kind: 'sentee'; threshold: number }
  | {
      kind: 'tokee';
      /** half-width k of the uncertainty window */
      halfWidth: number;
      threshold: number;
      /** official code: threshold doubled for the upper half of the layers (default false, as the paper) */
      doubleUpper?: boolean;
      /** official code: every layer's threshold is min(cap, δ_l); test.py's default 100 is no cap, self-sampling's max_threshold_2 is 0.5 (default Infinity) */
      maxThreshold?: number;
      /** halted words still count in neighbours' windows (default true, as paper and code) */
      windowCountsHalted?: boolean;
    };

export type TokeePolicy = Extract<ExitPolicy, { kind: 'tokee' }>;

/**
 * Which still-active words of one sentence leave after layer `layer` (1-based) of `layers`.
 * u: the sentence's word uncertainties at this layer; active: which words have not left yet.
 * At the last layer (or a static policy's depth) every remaining word leaves.
 */
export function wordsLeaving(policy: ExitPolicy, layer: number, layers: number, u: Float64Array, active: readonly boolean[]): boolean[] {
  const n = u.length;
  const last = policy.kind === 'static' ? policy.layers : layers;
  if (layer >= last) return active.slice();
  switch (policy.kind) {
    case 'full':
    case 'static':
      return new Array<boolean>(n).fill(false);
    case 'sentee': {
      let max = 0;
      for (let j = 0; j < n; j++) max = Math.max(max, u[j]!);
      const leave = max < policy.threshold;
      return active.map((a) => a && leave);
    }
    case 'tokee': {
      const counted = (policy.windowCountsHalted ?? true) ? undefined : active;
      const w = windowUncertainty(u, policy.halfWidth, counted);
      const t = Math.min(policy.maxThreshold ?? Infinity, policy.doubleUpper && layer > layers / 2 ? 2 * policy.threshold : policy.threshold);
      return active.map((a, j) => a && w[j]! < t);
    }
  }
}

export function describePolicy(p: ExitPolicy): string {
  switch (p.kind) {
    case 'full':
      return 'full';
    case 'static':
      return `static(${p.layers})`;
    case 'sentee':
      return `sentee(δ=${p.threshold})`;
    case 'tokee':
      return `tokee(k=${p.halfWidth}, δ=${p.threshold}${p.doubleUpper ? ', doubled upper' : ''}${p.maxThreshold !== undefined ? `, cap ${p.maxThreshold}` : ''}${p.windowCountsHalted === false ? ', window skips halted' : ''})`;
  }
}
