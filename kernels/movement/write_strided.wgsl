// In place: dst[offset + Σ_d i_d·strides_d] = x[i] for every index i of x's shape (pad, concat).
// Raw 32-bit words. params: [n, rank, offset, shape[8], strides[8]]
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> D: array<u32>;

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
  D[o] = X[i];
}
