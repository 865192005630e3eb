// Y[idx[i], :] = SRC[i, :] over a Y that already holds a copy of dst (the indices are distinct, so no
// two invocations write one element). An index outside [0, rows) writes nothing (a kernel cannot
// throw; the CPU backend reports it).
struct RowsParams {
  n: u32,
  cols: u32,
  rows: u32,
}
@group(0) @binding(0) var<uniform> params: RowsParams;
@group(0) @binding(1) var<storage, read> SRC: array<f32>;
@group(0) @binding(2) var<storage, read> IDX: array<i32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let cols = params.cols;
  let r = IDX[i / cols];
  if (r < 0 || u32(r) >= params.rows) { return; }
  Y[u32(r) * cols + i % cols] = SRC[i];
}
