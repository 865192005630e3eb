// out = a ∘ b with broadcasting: element i of the contiguous output reads a and b through their
// strides (0 on broadcast axes). The op is the override constant OP: its index in the binary table of
// src/backend/elementwise.ts, whose WGSL expressions the loader splices in at the @generated marker.
// params: [n, rank, shape[8], aStrides[8], bStrides[8]]
override OP: u32 = 0u;

@group(0) @binding(0) var<storage, read> P: array<u32>;

// NaN and ±∞ cannot be WGSL constants: build them from bits at run time (P[0] & 0 is a run-time 0).
fn bits(b: u32) -> f32 {
  return bitcast<f32>(b | (P[0] & 0u));
}
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
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= P[0]) { return; }
  let rank = P[1];
  var rest = i;
  var ao = 0u;
  var bo = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = P[2u + u32(d)];
    let k = rest % size;
    rest = rest / size;
    ao += k * P[10u + u32(d)];
    bo += k * P[18u + u32(d)];
  }
  Y[i] = g(A[ao], B[bo]);
}
