// y = f(x) elementwise; the map is chosen by the override constant OP: its index in the unary table of
// src/backend/elementwise.ts, whose WGSL expressions the loader splices in at the @generated marker.
override OP: u32 = 0u;

struct UnaryParams {
  n: u32,
  param: f32,
}
@group(0) @binding(0) var<uniform> params: UnaryParams;

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;

const TWO_OVER_SQRT_PI: f32 = 1.1283791670955126;

// erf with ~1e-7 absolute error: a Maclaurin series near 0 (keeps the relative accuracy of small
// arguments), beyond it erfc from the Chebyshev fit of Numerical Recipes (fractional error < 1.2e-7).
fn erf_(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.5) {
    let z2 = z * z;
    // 2/√π (z − z³/3 + z⁵/10 − z⁷/42 + z⁹/216 − z¹¹/1320 + z¹³/9360)
    let s = z * (1.0 + z2 * (-1.0 / 3.0 + z2 * (1.0 / 10.0 + z2 * (-1.0 / 42.0 + z2 * (1.0 / 216.0 + z2 * (-1.0 / 1320.0 + z2 * (1.0 / 9360.0)))))));
    return sign(x) * TWO_OVER_SQRT_PI * s;
  }
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let erfc = t * exp(-z * z + poly);
  return sign(x) * (1.0 - erfc);
}

fn tanh_(x: f32) -> f32 {
  // tanh(x) = sign(x)(1 − e)/(1 + e), e = exp(−2|x|): no inf/inf for large |x|;
  // near 0 the odd series keeps relative accuracy.
  let z = abs(x);
  if (z < 0.125) {
    let z2 = z * z;
    return sign(x) * z * (1.0 + z2 * (-1.0 / 3.0 + z2 * (2.0 / 15.0 + z2 * (-17.0 / 315.0))));
  }
  let e = exp(-2.0 * z);
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn pow_(x: f32, p: f32) -> f32 {
  if (p == 2.0) { return x * x; }
  if (p == 3.0) { return x * x * x; }
  if (p == 1.0) { return x; }
  if (p == 0.0) { return 1.0; }
  if (x < 0.0) {
    // defined only for integer exponents (as Math.pow): odd ones keep the sign
    if (fract(p) != 0.0) { return bits(0x7fc00000u); }
    let r = exp2(p * log2(-x));
    return select(r, -r, fract(p * 0.5) != 0.0);
  }
  if (x == 0.0) { return select(0.0, bits(0x7f800000u), p < 0.0); }
  return exp2(p * log2(x));
}

fn f(x: f32, p: f32) -> f32 {
  switch OP {
    // @generated cases: src/backend/elementwise.ts
    default: { return bits(0x7fc00000u); }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  Y[i] = f(X[i], params.param);
}
