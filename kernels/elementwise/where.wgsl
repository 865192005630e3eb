// out = cond != 0 ? a : b, all three read through broadcast strides.
// params: [n, rank, shape[8], condStrides[8], aStrides[8], bStrides[8]]
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> C: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= P[0]) { return; }
  let rank = P[1];
  var rest = i;
  var co = 0u;
  var ao = 0u;
  var bo = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = P[2u + u32(d)];
    let k = rest % size;
    rest = rest / size;
    co += k * P[10u + u32(d)];
    ao += k * P[18u + u32(d)];
    bo += k * P[26u + u32(d)];
  }
  Y[i] = select(B[bo], A[ao], C[co] != 0.0);
}
