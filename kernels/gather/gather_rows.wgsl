// out [nIdx, cols] = x[idx[i], :]. An index outside [0, rows) gives a zero row (a kernel cannot
// throw; the CPU backend reports it).
struct RowsParams {
  n: u32,
  cols: u32,
  rows: u32,
}
@group(0) @binding(0) var<uniform> params: RowsParams;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> IDX: array<i32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let cols = params.cols;
  let r = IDX[i / cols];
  if (r < 0 || u32(r) >= params.rows) { Y[i] = 0.0; return; }
  Y[i] = X[u32(r) * cols + i % cols];
}
