// In place: dst[offset + Σ_d i_d·strides_d] = x[i] for every index i of x's shape (pad, concat).
// Raw 32-bit words.
struct StridedParams {
  n: u32,
  rank: u32,
  offset: u32,
  shape: array<vec4u, 2>,
  strides: array<vec4u, 2>,
}
@group(0) @binding(0) var<uniform> params: StridedParams;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> D: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  var rest = i;
  var o = params.offset;
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let size = at8(params.shape, u32(d));
    o += (rest % size) * at8(params.strides, u32(d));
    rest = rest / size;
  }
  D[o] = X[i];
}
