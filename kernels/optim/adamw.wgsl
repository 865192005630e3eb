// One AdamW step over flat buffers, in place (decoupled weight decay, bias correction, ε outside
// the square root), as adamwRef in src/backend/cpu/reference/adamw.ts.
//
// one_minus_beta1/2 are formed on the host in f64: 1 − f32(0.999) would be off by 1e-5 relative.
struct AdamWParams {
  n: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  decay: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  bc1: f32,
  bc2: f32,
}
@group(0) @binding(0) var<uniform> params: AdamWParams;
@group(0) @binding(1) var<storage, read_write> W: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> V: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let lr = params.lr;
  let b1 = params.beta1;
  let b2 = params.beta2;
  let eps = params.eps;
  let decay = params.decay;
  let c1 = params.one_minus_beta1;
  let c2 = params.one_minus_beta2;
  let bc1 = params.bc1;
  let bc2 = params.bc2;
  let g = G[i];
  let m = b1 * M[i] + c1 * g;
  let v = b2 * V[i] + c2 * g * g;
  M[i] = m;
  V[i] = v;
  W[i] = W[i] * decay - (lr * (m / bc1)) / (sqrt(v / bc2) + eps);
}
