// out = a ∘ b with broadcasting: element i of the contiguous output reads a and b through their
// strides (0 on broadcast axes). The op is the override constant OP: its index in the binary table of
// src/backend/elementwise.ts, whose WGSL expressions the loader splices in at the @generated marker.
override OP: u32 = 0u;

struct BinaryParams {
  n: u32,
  rank: u32,
  shape: array<vec4u, 2>,
  a_strides: array<vec4u, 2>,
  b_strides: array<vec4u, 2>,
}
@group(0) @binding(0) var<uniform> params: BinaryParams;

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;

fn g(x: f32, y: f32) -> f32 {
  switch OP {
    // @generated cases: src/backend/elementwise.ts
    default: { return bits(0x7fc00000u); }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let rank = params.rank;
  var rest = i;
  var ao = 0u;
  var bo = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = at8(params.shape, u32(d));
    let k = rest % size;
    rest = rest / size;
    ao += k * at8(params.a_strides, u32(d));
    bo += k * at8(params.b_strides, u32(d));
  }
  Y[i] = g(A[ao], B[bo]);
}
