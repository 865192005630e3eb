// Type conversion between f32 and i32 (f32 → i32 truncates toward zero, as Int32Array.set).
// Same-type casts are plain copies (movement/strided).
override TO_INT: bool = true;

struct CastParams {
  n: u32,
}
@group(0) @binding(0) var<uniform> params: CastParams;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let bits = X[i];
  if (TO_INT) {
    let v = bitcast<f32>(bits);
    // NaN → 0 as in JS; out-of-range values saturate
    Y[i] = bitcast<u32>(select(i32(trunc(v)), 0, v != v));
  } else {
    Y[i] = bitcast<u32>(f32(bitcast<i32>(bits)));
  }
}
