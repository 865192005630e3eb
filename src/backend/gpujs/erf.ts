// erf as gpu.js statements, used by the gpu.js expressions of the elementwise table.

// erf in f32 precision for both float models: Maclaurin series below 0.5 (no cancellation there),
// else via erfc with the Chebyshev fit of Numerical Recipes (erfcc, fractional error < 1.2e-7).
// Sets `er` = erf(u) and `opl` = 1 + erf(u), the latter taken from erfc for u < 0 (no cancellation
// in GELU's left tail).
export function erfCode(u: string): string {
  return `
    const u = ${u};
    const z = Math.abs(u);
    let r = 0.0;
    let ec = 0.0;
    if (z < 0.5) {
      const z2 = z * z;
      let term = z;
      let s = z;
      for (let n = 1; n < 12; n++) {
        term = term * (0.0 - z2) / n;
        s = s + term / (2 * n + 1);
      }
      r = 1.1283791670955126 * s;
      ec = 1.0 - r;
    } else {
      const t = 1.0 / (1.0 + 0.5 * z);
      ec = t * Math.exp(0.0 - z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
      r = 1.0 - ec;
    }
    let er = r;
    let opl = 1.0 + r;
    if (u < 0) { er = 0.0 - r; opl = ec; }`;
}
