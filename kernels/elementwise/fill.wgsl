// out[i] = value for i < n. The value arrives as raw 32-bit bits, so one kernel fills f32 and i32.
struct FillParams {
  n: u32,
  value: u32,
}
@group(0) @binding(0) var<uniform> params: FillParams;
@group(0) @binding(1) var<storage, read_write> Y: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  Y[i] = params.value;
}
