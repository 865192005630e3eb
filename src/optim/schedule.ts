// Learning-rate schedules as multipliers of the base lr, for step = 0, 1, ... (as torch LambdaLR).

/** Linear warmup to 1 over `warmup` steps, then linear decay to 0 at `total` (HF get_linear_schedule_with_warmup). */
export function linearWarmupDecay(step: number, warmup: number, total: number): number {
  if (step < warmup) return step / Math.max(1, warmup);
  return Math.max(0, (total - step) / Math.max(1, total - warmup));
}

/**
 * The official code's `inverse_square` schedule (fastNLP MyWarmupCallback): with p = step/total and
 * w = warmup/total, factor = p/w while p < w, then max((√p − 1)/(√w − 1), 0): linear warmup, then a
 * decay to 0 at the end proportional to 1 − √p.
 */
export function warmupSqrtDecay(step: number, warmup: number, total: number): number {
  const p = step / total;
  const w = warmup / total;
  if (p < w) return p / w;
  if (w >= 1) return 0; // all steps were warmup
  return Math.max((Math.sqrt(p) - 1) / (Math.sqrt(w) - 1), 0);
}
