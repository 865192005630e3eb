// out [rows, cols] = 0; out[idx[i], :] += src[i, :], without float atomics (WGSL has none) and with
// a deterministic summation order: the indices are bucketed by row (counting sort with u32 atomics),
// each bucket is sorted by position, and one invocation per output element sums its bucket in order.
//   count → scan → fill → sort → accumulate   (CNT is cleared before count and before fill)
// Indices outside [0, rows) are skipped.
struct ScatterParams {
  n_idx: u32,
  rows: u32,
  cols: u32,
}
@group(0) @binding(0) var<uniform> params: ScatterParams;
@group(0) @binding(1) var<storage, read> IDX: array<i32>;
@group(0) @binding(2) var<storage, read_write> CNT: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read> COUNTS: array<u32>;
@group(0) @binding(3) var<storage, read_write> OFF: array<u32>;
@group(0) @binding(3) var<storage, read> OFFSETS: array<u32>;
@group(0) @binding(4) var<storage, read_write> LIST: array<u32>;
@group(0) @binding(4) var<storage, read> SORTED: array<u32>;
@group(0) @binding(5) var<storage, read> SRC: array<f32>;
@group(0) @binding(6) var<storage, read_write> Y: array<f32>;

fn row(i: u32) -> i32 {
  let r = IDX[i];
  return select(-1, r, r >= 0 && u32(r) < params.rows);
}

@compute @workgroup_size(256)
fn count(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n_idx) { return; }
  let r = row(i);
  if (r >= 0) { atomicAdd(&CNT[u32(r)], 1u); }
}

var<workgroup> chunkSums: array<u32, 256>;

// exclusive prefix sum of COUNTS[0..rows) into OFF[0..rows], one workgroup: each invocation scans a chunk
@compute @workgroup_size(256)
fn scan(@builtin(local_invocation_index) t: u32) {
  let rows = params.rows;
  let chunk = (rows + 255u) / 256u;
  let lo = min(t * chunk, rows);
  let hi = min(lo + chunk, rows);
  var s = 0u;
  for (var r = lo; r < hi; r++) { s += COUNTS[r]; }
  chunkSums[t] = s;
  workgroupBarrier();
  if (t == 0u) {
    var run = 0u;
    for (var k = 0u; k < 256u; k++) {
      let c = chunkSums[k];
      chunkSums[k] = run;
      run += c;
    }
    OFF[rows] = run;
  }
  workgroupBarrier();
  var run = chunkSums[t];
  for (var r = lo; r < hi; r++) {
    OFF[r] = run;
    run += COUNTS[r];
  }
}

@compute @workgroup_size(256)
fn fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n_idx) { return; }
  let r = row(i);
  if (r < 0) { return; }
  let at = OFFSETS[u32(r)] + atomicAdd(&CNT[u32(r)], 1u);
  LIST[at] = i;
}

// insertion sort of each row's bucket (buckets are short: how often one row is hit)
@compute @workgroup_size(256)
fn sort(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = flat_index(gid, nwg);
  if (r >= params.rows) { return; }
  let lo = OFFSETS[r];
  let hi = OFFSETS[r + 1u];
  for (var a = lo + 1u; a < hi; a++) {
    let v = LIST[a];
    var b = a;
    while (b > lo && LIST[b - 1u] > v) {
      LIST[b] = LIST[b - 1u];
      b--;
    }
    LIST[b] = v;
  }
}

@compute @workgroup_size(256)
fn accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = flat_index(gid, nwg);
  let cols = params.cols;
  if (o >= params.rows * cols) { return; }
  let r = o / cols;
  let c = o % cols;
  var acc = 0.0;
  for (var p = OFFSETS[r]; p < OFFSETS[r + 1u]; p++) {
    acc += SRC[SORTED[p] * cols + c];
  }
  Y[o] = acc;
}
