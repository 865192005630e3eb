// out (contiguous, shape)[i] = x[offset + Σ_d i_d·strides_d]: permute, slice, expand and same-type
// copies. Works on raw 32-bit words, so f32 and i32 share it.
// params: [n, rank, offset, shape[8], strides[8]]
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= P[0]) { return; }
  var rest = i;
  var o = P[2];
  for (var d = i32(P[1]) - 1; d >= 0; d--) {
    let size = P[3u + u32(d)];
    o += (rest % size) * P[11u + u32(d)];
    rest = rest / size;
  }
  Y[i] = X[o];
}
