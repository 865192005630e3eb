// out = a ∘ b with broadcasting: element i of the contiguous output reads a and b through their
// strides (0 on broadcast axes). The op is the override constant OP (codes in src/backend/webgpu/kernels.ts).
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

fn g(a: f32, b: f32) -> f32 {
  switch OP {
    case 0u: { return a + b; }
    case 1u: { return a - b; }
    case 2u: { return a * b; }
    case 3u: { return a / b; }
    case 4u: { return select(b, a, a > b); }          // max (b when unordered, as the CPU loop)
    case 5u: { return select(b, a, a < b); }          // min
    case 6u: { return select(0.0, 1.0, a > b); }      // gt
    case 7u: { return select(0.0, 1.0, a >= b); }     // ge
    case 8u: { return select(0.0, 1.0, a == b); }     // eq
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
