// One AdamW step over flat buffers, in place (decoupled weight decay, bias correction, ε outside
// the square root), as adamwRef in src/optim/adamw.ts.
// params: [n, then f32 bits of lr, beta1, beta2, eps, 1 − lr·weightDecay, 1 − beta1, 1 − beta2, bc1, bc2]
// (the differences are formed on the host in f64: 1 − f32(0.999) would be off by 1e-5 relative)
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> W: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> V: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= P[0]) { return; }
  let lr = bitcast<f32>(P[1]);
  let b1 = bitcast<f32>(P[2]);
  let b2 = bitcast<f32>(P[3]);
  let eps = bitcast<f32>(P[4]);
  let decay = bitcast<f32>(P[5]);
  let c1 = bitcast<f32>(P[6]);
  let c2 = bitcast<f32>(P[7]);
  let bc1 = bitcast<f32>(P[8]);
  let bc2 = bitcast<f32>(P[9]);
  let g = G[i];
  let m = b1 * M[i] + c1 * g;
  let v = b2 * V[i] + c2 * g * g;
  M[i] = m;
  V[i] = v;
  W[i] = W[i] * decay - (lr * (m / bc1)) / (sqrt(v / bc2) + eps);
}
