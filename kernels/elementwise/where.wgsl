// out = cond != 0 ? a : b, all three read through broadcast strides.
struct WhereParams {
  n: u32,
  rank: u32,
  shape: array<vec4u, 2>,
  cond_strides: array<vec4u, 2>,
  a_strides: array<vec4u, 2>,
  b_strides: array<vec4u, 2>,
}
@group(0) @binding(0) var<uniform> params: WhereParams;
@group(0) @binding(1) var<storage, read> C: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let rank = params.rank;
  var rest = i;
  var co = 0u;
  var ao = 0u;
  var bo = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = at8(params.shape, u32(d));
    let k = rest % size;
    rest = rest / size;
    co += k * at8(params.cond_strides, u32(d));
    ao += k * at8(params.a_strides, u32(d));
    bo += k * at8(params.b_strides, u32(d));
  }
  Y[i] = select(B[bo], A[ao], C[co] != 0.0);
}
