// out [batch, M, N] = op(a) @ op(b), register-blocked: each invocation computes a 4×4 output block
// in registers. Two entry points (chosen per adapter in src/backend/webgpu/kernels.ts):
//
// `direct` (CPU adapters such as lavapipe): a 8×8 workgroup covers a 32×32 output tile and reads
// a and b straight from the storage buffers. On a CPU the tile's rows already sit in cache, and
// lavapipe runs each workgroupBarrier as a coroutine switch per SIMD batch of invocations, so
// staging tiles in workgroup memory costs more than it saves (measured: docs/backends.md).
//
// `main` (GPUs): a 16×16 workgroup computes a 64×64 output tile.
// Per step of TK=16 along k the workgroup stages a 64×16 slice of op(a) and a 16×64 slice of op(b)
// in workgroup memory, k-major, so both transposes cost only a different load pattern.
//; workgroup_id.z is the batch.
override TRANS_A: bool = false; // a stored [K, M] per batch
override TRANS_B: bool = false; // b stored [N, K] per batch

struct MatmulParams {
  m: u32,
  k: u32,
  n: u32,
  batch: u32,
  a_batch_stride: u32,
  b_batch_stride: u32,
}
@group(0) @binding(0) var<uniform> params: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(8, 8)
fn direct(@builtin(global_invocation_id) gid: vec3u) {
  let M = params.m;
  let K = params.k;
  let N = params.n;
  let aBase = gid.z * params.a_batch_stride;
  let bBase = gid.z * params.b_batch_stride;
  let row = gid.y * 4u;
  let col = gid.x * 4u;
  if (row >= M || col >= N) { return; }
  // rows/cols past the edge re-read the last valid one; their results are not stored
  let r1 = min(row + 1u, M - 1u);
  let r2 = min(row + 2u, M - 1u);
  let r3 = min(row + 3u, M - 1u);
  let c1 = min(col + 1u, N - 1u);
  let c2 = min(col + 2u, N - 1u);
  let c3 = min(col + 3u, N - 1u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = 0u; k < K; k++) {
    var a: vec4<f32>;
    var b: vec4<f32>;
    if (TRANS_A) {
      let o = aBase + k * M;
      a = vec4<f32>(A[o + row], A[o + r1], A[o + r2], A[o + r3]);
    } else {
      a = vec4<f32>(A[aBase + row * K + k], A[aBase + r1 * K + k], A[aBase + r2 * K + k], A[aBase + r3 * K + k]);
    }
    if (TRANS_B) {
      b = vec4<f32>(B[bBase + col * K + k], B[bBase + c1 * K + k], B[bBase + c2 * K + k], B[bBase + c3 * K + k]);
    } else {
      let o = bBase + k * N;
      b = vec4<f32>(B[o + col], B[o + c1], B[o + c2], B[o + c3]);
    }
    acc0 += a.x * b;
    acc1 += a.y * b;
    acc2 += a.z * b;
    acc3 += a.w * b;
  }
  let outBase = gid.z * M * N;
  store(outBase, row, col, M, N, acc0);
  store(outBase, row + 1u, col, M, N, acc1);
  store(outBase, row + 2u, col, M, N, acc2);
  store(outBase, row + 3u, col, M, N, acc3);
}

const TK: u32 = 16u;
var<workgroup> As: array<vec4<f32>, 256>; // [TK][64 rows / 4]
var<workgroup> Bs: array<vec4<f32>, 256>; // [TK][64 cols / 4]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) t: u32) {
  let M = params.m;
  let K = params.k;
  let N = params.n;
  let aBase = wid.z * params.a_batch_stride;
  let bBase = wid.z * params.b_batch_stride;
  let m0 = wid.y * 64u;
  let n0 = wid.x * 64u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var r = 0u; r < 4u; r++) {
      let e = t + 256u * r; // 0..1023: one element of each slice
      var mm: u32; var ak: u32;
      if (TRANS_A) { mm = e % 64u; ak = e / 64u; } else { ak = e % TK; mm = e / TK; }
      let row = m0 + mm;
      let kk = k0 + ak;
      var av = 0.0;
      if (row < M && kk < K) {
        if (TRANS_A) { av = A[aBase + kk * M + row]; } else { av = A[aBase + row * K + kk]; }
      }
      As[ak * 16u + mm / 4u][mm % 4u] = av;
      var nn: u32; var bk: u32;
      if (TRANS_B) { bk = e % TK; nn = e / TK; } else { nn = e % 64u; bk = e / 64u; }
      let col = n0 + nn;
      let kb = k0 + bk;
      var bv = 0.0;
      if (col < N && kb < K) {
        if (TRANS_B) { bv = B[bBase + col * K + kb]; } else { bv = B[bBase + kb * N + col]; }
      }
      Bs[bk * 16u + nn / 4u][nn % 4u] = bv;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let a = As[k * 16u + lid.y];
      let b = Bs[k * 16u + lid.x];
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
    }
    workgroupBarrier();
  }
  let outBase = wid.z * M * N;
  let col = n0 + lid.x * 4u;
  let row = m0 + lid.y * 4u;
  store(outBase, row, col, M, N, acc0);
  store(outBase, row + 1u, col, M, N, acc1);
  store(outBase, row + 2u, col, M, N, acc2);
  store(outBase, row + 3u, col, M, N, acc3);
}

fn store(base: u32, row: u32, col: u32, M: u32, N: u32, v: vec4<f32>) {
  if (row >= M) { return; }
  let o = base + row * N + col;
  if (col < N) { Y[o] = v.x; }
  if (col + 1u < N) { Y[o + 1u] = v.y; }
  if (col + 2u < N) { Y[o + 2u] = v.z; }
  if (col + 3u < N) { Y[o + 3u] = v.w; }
}
