// Reading a score-vs-speedup trade-off at a given speedup, to compare policies whose calibrated
// points landed at different speedups (the quality bar in experiments/report.ts).

/**
 * The score at `speedup`, linearly interpolated between the measured (speedup, score) points on
 * either side of it; null when the points do not reach that speedup on both sides (no extrapolation).
 * Points with a non-finite score are ignored; at equal speedups the first point counts.
 */
export function scoreAtSpeedup(points: readonly (readonly [number, number])[], speedup: number): number | null {
  const p = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < p.length; i++) {
    const [x1, y1] = p[i]!;
    if (x1 === speedup) return y1;
    const next = p[i + 1];
    if (next && x1 < speedup && speedup < next[0]) return y1 + ((speedup - x1) / (next[0] - x1)) * (next[1] - y1);
  }
  return null;
}
