// LayerNorm over the last axis of x [rows, h] and its gradients.
//
// `forward`:   one workgroup (64 invocations) per row. Two passes over the row, each a strided
//              partial sum per invocation followed by a tree reduction in workgroup memory: the
//              mean first, then the mean of squared deviations (accurate for a large mean and a
//              small spread). Writes y, mean and rstd = 1/√(var + eps).
// `dx`:        one workgroup per row: the two row means of ĝ = dy·gamma and ĝ·x̂ (x̂ = (x − mean)·rstd)
//              by the same reduction, then dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)).
// `dparams`:   dgamma[c] = Σ_r dy·x̂, dbeta[c] = Σ_r dy: one invocation per column looping over the rows
//              in order. Every output element has exactly one writer: race-free without float
//              atomics (WGSL has none) and deterministic.
// 64 invocations per row workgroup: BERT rows are 768 wide (12 elements each); on CPU adapters
// (lavapipe) each workgroupBarrier costs a coroutine switch per SIMD batch, so fewer, wider
// invocations are cheaper than 256.
const WG: u32 = 64u;

struct LayerNormParams {
  rows: u32,
  h: u32,
  eps: f32,
}
@group(0) @binding(0) var<uniform> params: LayerNormParams;

// forward
@group(0) @binding(1) var<storage, read> X_F: array<f32>;
@group(0) @binding(2) var<storage, read> GAMMA_F: array<f32>;
@group(0) @binding(3) var<storage, read> BETA_F: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y_F: array<f32>;
@group(0) @binding(5) var<storage, read_write> MEAN_F: array<f32>;
@group(0) @binding(6) var<storage, read_write> RSTD_F: array<f32>;

// backward (dx and dparams share bindings 1–4)
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read> X_B: array<f32>;
@group(0) @binding(3) var<storage, read> MEAN_B: array<f32>;
@group(0) @binding(4) var<storage, read> RSTD_B: array<f32>;
@group(0) @binding(5) var<storage, read> GAMMA_B: array<f32>;
@group(0) @binding(6) var<storage, read_write> DX: array<f32>;
@group(0) @binding(5) var<storage, read_write> DGAMMA: array<f32>;
@group(0) @binding(6) var<storage, read_write> DBETA: array<f32>;

var<workgroup> red: array<f32, 64>;

/** Sum of v over the workgroup (every invocation gets the total). Call from uniform control flow. */
fn wgSum(t: u32, v: f32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier(); // red is reused by the next reduction
  return total;
}

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let r = flat_group(wid, nwg);
  if (r >= params.rows) { return; }
  let h = params.h;
  let eps = params.eps;
  let o = r * h;
  var s = 0.0;
  for (var c = t; c < h; c += WG) { s += X_F[o + c]; }
  let mu = wgSum(t, s) / f32(h);
  var sq = 0.0;
  for (var c = t; c < h; c += WG) {
    let d = X_F[o + c] - mu;
    sq += d * d;
  }
  let rstd = 1.0 / sqrt(wgSum(t, sq) / f32(h) + eps);
  for (var c = t; c < h; c += WG) {
    Y_F[o + c] = (X_F[o + c] - mu) * rstd * GAMMA_F[c] + BETA_F[c];
  }
  if (t == 0u) {
    MEAN_F[r] = mu;
    RSTD_F[r] = rstd;
  }
}

@compute @workgroup_size(64)
fn dx(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let r = flat_group(wid, nwg);
  if (r >= params.rows) { return; }
  let h = params.h;
  let o = r * h;
  let mu = MEAN_B[r];
  let rstd = RSTD_B[r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = t; c < h; c += WG) {
    let g = DY[o + c] * GAMMA_B[c];
    sg += g;
    sgx += g * ((X_B[o + c] - mu) * rstd);
  }
  let mg = wgSum(t, sg) / f32(h);
  let mgx = wgSum(t, sgx) / f32(h);
  for (var c = t; c < h; c += WG) {
    let xh = (X_B[o + c] - mu) * rstd;
    DX[o + c] = rstd * (DY[o + c] * GAMMA_B[c] - mg - xh * mgx);
  }
}

@compute @workgroup_size(256)
fn dparams(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = flat_index(gid, nwg);
  let rows = params.rows;
  let h = params.h;
  if (c >= h) { return; }
  var dg = 0.0;
  var db = 0.0;
  for (var r = 0u; r < rows; r++) {
    let dy = DY[r * h + c];
    dg += dy * ((X_B[r * h + c] - MEAN_B[r]) * RSTD_B[r]);
    db += dy;
  }
  DGAMMA[c] = dg;
  DBETA[c] = db;
}
