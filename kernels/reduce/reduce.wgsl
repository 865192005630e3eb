// x viewed as [outer, n, inner] reduced over n → out [outer, inner]; OP 0 = sum, 1 = max.
//
// `rows`: one invocation per output element loops over n (small n, or many outputs).
// `tree`: one workgroup per output element; 256 invocations stride over n, then a tree reduction in
//         workgroup memory (large n, few outputs: e.g. a full sum or a long row).
override OP: u32 = 0u;

struct ReduceParams {
  outputs: u32,
  n: u32,
  inner: u32,
}
@group(0) @binding(0) var<uniform> params: ReduceParams;

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;

fn identity() -> f32 {
  return select(0.0, bits(0xff800000u), OP == 1u); // 0 or −∞
}

fn combine(acc: f32, v: f32) -> f32 {
  if (OP == 0u) { return acc + v; }
  return select(acc, v, v > acc || v != v); // max, NaN wins (as the CPU loop)
}

@compute @workgroup_size(256)
fn rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = flat_index(gid, nwg);
  if (o >= params.outputs) { return; }
  let n = params.n;
  let inner = params.inner;
  let base = (o / inner) * n * inner + o % inner;
  var acc = identity();
  for (var i = 0u; i < n; i++) {
    acc = combine(acc, X[base + i * inner]);
  }
  Y[o] = acc;
}

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn tree(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let o = flat_group(wid, nwg);
  let n = params.n;
  let inner = params.inner;
  let base = (o / inner) * n * inner + o % inner;
  var acc = identity();
  if (o < params.outputs) {
    for (var i = t; i < n; i += 256u) {
      acc = combine(acc, X[base + i * inner]);
    }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] = combine(part[t], part[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u && o < params.outputs) { Y[o] = part[0]; }
}
