// Plain-loop layerNorm (forward and backward): a test oracle for the fused kernels' saved mean and rstd.
import { allocArray, type TypedArray } from '../../src/backend/dtype.js';

export function layerNormRef(x: TypedArray, gamma: TypedArray, beta: TypedArray, rows: number, h: number, eps: number): { y: TypedArray; mean: TypedArray; rstd: TypedArray } {
  const dtype = x instanceof Float64Array ? 'f64' : 'f32';
  const y = allocArray(dtype, rows * h);
  const means = allocArray(dtype, rows);
  const rstds = allocArray(dtype, rows);
  for (let r = 0; r < rows; r++) {
    const o = r * h;
    let sum = 0;
    for (let c = 0; c < h; c++) sum += x[o + c]!;
    const mu = sum / h;
    let sq = 0;
    for (let c = 0; c < h; c++) {
      const d = x[o + c]! - mu;
      sq += d * d;
    }
    const rstd = 1 / Math.sqrt(sq / h + eps);
    for (let c = 0; c < h; c++) y[o + c] = (x[o + c]! - mu) * rstd * gamma[c]! + beta[c]!;
    means[r] = mu;
    rstds[r] = rstd;
  }
  return { y, mean: means, rstd: rstds };
}

export function layerNormBackwardRef(dy: TypedArray, x: TypedArray, gamma: TypedArray, means: TypedArray, rstds: TypedArray, rows: number, h: number): { dx: TypedArray; dgamma: TypedArray; dbeta: TypedArray } {
  const dtype = x instanceof Float64Array ? 'f64' : 'f32';
  const dx = allocArray(dtype, rows * h);
  const dgamma = new Float64Array(h);
  const dbeta = new Float64Array(h);
  for (let r = 0; r < rows; r++) {
    const o = r * h;
    const mu = means[r]!;
    const rstd = rstds[r]!;
    // dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ·x̂)) with ĝ = dy·gamma, x̂ = (x − mu)·rstd
    let mg = 0;
    let mgx = 0;
    for (let c = 0; c < h; c++) {
      const xh = (x[o + c]! - mu) * rstd;
      const g = dy[o + c]! * gamma[c]!;
      mg += g;
      mgx += g * xh;
      dgamma[c]! += dy[o + c]! * xh;
      dbeta[c]! += dy[o + c]!;
    }
    mg /= h;
    mgx /= h;
    for (let c = 0; c < h; c++) {
      const xh = (x[o + c]! - mu) * rstd;
      dx[o + c] = rstd * (dy[o + c]! * gamma[c]! - mg - xh * mgx);
    }
  }
  const out = allocArray(dtype, h);
  out.set(dgamma);
  const outB = allocArray(dtype, h);
  outB.set(dbeta);
  return { dx, dgamma: out, dbeta: outB };
}
