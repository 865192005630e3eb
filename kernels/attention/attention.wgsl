// Sparse-query attention over a packed batch, forward and backward, without float atomics.
// q [M, H], k, v [N, H], heads interleaved along H (head h owns columns h·d … h·d+d−1).
// SEGS: i32 [S, 5] rows (qStart, qEnd, kStart, kEnd, probsOffset); the segments tile the query rows
// [0, M) in order (some may be empty); key ranges are arbitrary (they may overlap or be empty).
// The probabilities of segment s, head h, query i (relative), key j (relative) live at
// probsOffset + (h·m_s + i)·n_s + j.
//
//
// Work split (each kernel writes every element of its output exactly once, so no two invocations
// ever write the same word, and no invocation reads what another wrote within the same dispatch):
//   forward   `probs`    one workgroup per (query row, head): scores against the segment's keys,
//                        max-subtracted softmax with two workgroup reductions (max, sum).
//             `context`  one invocation per (query row, column): Σ_j p_j·v_j; zero without keys.
//   backward  `dscores`  one workgroup per (query row, head): dP_j = dOut_i·v_j, then
//                        dS_j = p_j·(dP_j − Σ_j' p_j'·dP_j')·scale into a temporary [probsSize].
//             `dq`       one invocation per (query row, column): Σ_j dS_j·k_j.
//             `dk`, `dv` one invocation per (key row, column): loop over the segments whose key
//                        range holds the row and over their queries, Σ_i dS_ij·q_i and Σ_i p_ij·dOut_i
//                        (race-free: a key row's sum over queries has one writer, in query order).
// Why a workgroup per (query row, head) rather than per (segment, head, tile): softmax needs whole
// score rows; segments are sentences (tens to a few hundred keys) that fit one workgroup's strided
// loop, and rows give M·heads workgroups of even size whatever the segment lengths, so a long
// sentence does not serialise on one workgroup. The row finds its segment by a binary search over
// the (small, ordered) table: the last segment whose qStart ≤ row is the one holding it (empty
// segments before it share its qStart but precede it; empty ones after it start past the row).
const WG: u32 = 64u;

struct AttentionParams {
  m: u32,
  h: u32,
  heads: u32,
  segments: u32,
  scale: f32,
  n: u32,
}
@group(0) @binding(0) var<uniform> params: AttentionParams;
@group(0) @binding(1) var<storage, read> SEGS: array<i32>;

// probs
@group(0) @binding(2) var<storage, read> Q_P: array<f32>;
@group(0) @binding(3) var<storage, read> K_P: array<f32>;
@group(0) @binding(4) var<storage, read_write> PROBS_OUT: array<f32>;
// context
@group(0) @binding(2) var<storage, read> PROBS_C: array<f32>;
@group(0) @binding(3) var<storage, read> V_C: array<f32>;
@group(0) @binding(4) var<storage, read_write> OUT: array<f32>;
// dscores
@group(0) @binding(2) var<storage, read> PROBS_S: array<f32>;
@group(0) @binding(3) var<storage, read> DOUT_S: array<f32>;
@group(0) @binding(4) var<storage, read> V_S: array<f32>;
@group(0) @binding(5) var<storage, read_write> DS_OUT: array<f32>;
// dq
@group(0) @binding(2) var<storage, read> DS_Q: array<f32>;
@group(0) @binding(3) var<storage, read> K_Q: array<f32>;
@group(0) @binding(4) var<storage, read_write> DQ: array<f32>;
// dk
@group(0) @binding(2) var<storage, read> DS_K: array<f32>;
@group(0) @binding(3) var<storage, read> Q_K: array<f32>;
@group(0) @binding(4) var<storage, read_write> DK: array<f32>;
// dv
@group(0) @binding(2) var<storage, read> PROBS_V: array<f32>;
@group(0) @binding(3) var<storage, read> DOUT_V: array<f32>;
@group(0) @binding(4) var<storage, read_write> DV: array<f32>;

struct Seg {
  q0: u32,
  q1: u32,
  k0: u32,
  k1: u32,
  p0: u32,
}

fn seg(s: u32) -> Seg {
  let b = s * 5u;
  return Seg(u32(SEGS[b]), u32(SEGS[b + 1u]), u32(SEGS[b + 2u]), u32(SEGS[b + 3u]), u32(SEGS[b + 4u]));
}

/** The segment holding query row `row`: the last one with qStart ≤ row. */
fn segmentOf(row: u32) -> Seg {
  var lo = 0u;
  var hi = params.segments; // invariant: the answer is in [lo, hi)
  while (hi - lo > 1u) {
    let mid = (lo + hi) / 2u;
    if (u32(SEGS[mid * 5u]) <= row) { lo = mid; } else { hi = mid; }
  }
  return seg(lo);
}

/** Offset of the probabilities row of query `row` (absolute) and head `hd` in segment `s`. */
fn probsRow(s: Seg, row: u32, hd: u32) -> u32 {
  return s.p0 + (hd * (s.q1 - s.q0) + row - s.q0) * (s.k1 - s.k0);
}

// −∞ cannot be a WGSL constant: built from its bits at run time.
fn negInf() -> f32 {
  return bits(0xff800000u);
}

var<workgroup> red: array<f32, 64>;

/** max (op 1) or sum (op 0) of v over the workgroup; every invocation gets it. Uniform control flow only. */
fn wgReduce(t: u32, v: f32, op: u32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      if (op == 1u) { red[t] = max(red[t], red[t + s]); } else { red[t] += red[t + s]; }
    }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier(); // red is reused by the next reduction
  return total;
}

/** Flat index of a 1-D invocation (2-D dispatch past 65535 workgroups). */
fn flat(gid: vec3u, nwg: vec3u) -> u32 {
  return flat_index(gid, nwg);
}

@compute @workgroup_size(64)
fn probs(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let w = flat_group(wid, nwg);
  let h = params.h;
  let heads = params.heads;
  if (w >= params.m * heads) { return; }
  let row = w / heads;
  let hd = w % heads;
  let s = segmentOf(row);
  let ns = s.k1 - s.k0;
  if (ns == 0u) { return; }
  let d = h / heads;
  let scale = params.scale;
  let qi = row * h + hd * d;
  let pr = probsRow(s, row, hd);
  // each invocation owns keys t, t + WG, …: it writes the raw score, then rereads only its own words
  var mx = negInf();
  for (var j = t; j < ns; j += WG) {
    let kj = (s.k0 + j) * h + hd * d;
    var dot = 0.0;
    for (var c = 0u; c < d; c++) { dot += Q_P[qi + c] * K_P[kj + c]; }
    let score = dot * scale;
    PROBS_OUT[pr + j] = score;
    mx = max(mx, score);
  }
  let m = wgReduce(t, mx, 1u);
  var sum = 0.0;
  for (var j = t; j < ns; j += WG) {
    let e = exp(PROBS_OUT[pr + j] - m);
    PROBS_OUT[pr + j] = e;
    sum += e;
  }
  let total = wgReduce(t, sum, 0u);
  for (var j = t; j < ns; j += WG) { PROBS_OUT[pr + j] = PROBS_OUT[pr + j] / total; }
}

@compute @workgroup_size(256)
fn context(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = flat(gid, nwg);
  let h = params.h;
  if (o >= params.m * h) { return; }
  let row = o / h;
  let col = o % h;
  let s = segmentOf(row);
  let ns = s.k1 - s.k0;
  let pr = probsRow(s, row, col / (h / params.heads));
  var acc = 0.0;
  for (var j = 0u; j < ns; j++) { acc += PROBS_C[pr + j] * V_C[(s.k0 + j) * h + col]; }
  OUT[o] = acc;
}

@compute @workgroup_size(64)
fn dscores(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let w = flat_group(wid, nwg);
  let h = params.h;
  let heads = params.heads;
  if (w >= params.m * heads) { return; }
  let row = w / heads;
  let hd = w % heads;
  let s = segmentOf(row);
  let ns = s.k1 - s.k0;
  if (ns == 0u) { return; }
  let d = h / heads;
  let scale = params.scale;
  let gi = row * h + hd * d;
  let pr = probsRow(s, row, hd);
  // dP_j first (own words only), then the row's Σ_j p_j·dP_j, then dS_j in place
  var dot = 0.0;
  for (var j = t; j < ns; j += WG) {
    let vj = (s.k0 + j) * h + hd * d;
    var acc = 0.0;
    for (var c = 0u; c < d; c++) { acc += DOUT_S[gi + c] * V_S[vj + c]; }
    DS_OUT[pr + j] = acc;
    dot += PROBS_S[pr + j] * acc;
  }
  let rowDot = wgReduce(t, dot, 0u);
  for (var j = t; j < ns; j += WG) {
    DS_OUT[pr + j] = PROBS_S[pr + j] * (DS_OUT[pr + j] - rowDot) * scale;
  }
}

@compute @workgroup_size(256)
fn dq(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = flat(gid, nwg);
  let h = params.h;
  if (o >= params.m * h) { return; }
  let row = o / h;
  let col = o % h;
  let s = segmentOf(row);
  let ns = s.k1 - s.k0;
  let pr = probsRow(s, row, col / (h / params.heads));
  var acc = 0.0;
  for (var j = 0u; j < ns; j++) { acc += DS_Q[pr + j] * K_Q[(s.k0 + j) * h + col]; }
  DQ[o] = acc;
}

@compute @workgroup_size(256)
fn dk(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = flat(gid, nwg);
  let h = params.h;
  if (o >= params.n * h) { return; }
  let key = o / h;
  let col = o % h;
  let hd = col / (h / params.heads);
  var acc = 0.0;
  for (var si = 0u; si < params.segments; si++) {
    let s = seg(si);
    if (key < s.k0 || key >= s.k1) { continue; }
    for (var i = s.q0; i < s.q1; i++) {
      acc += DS_K[probsRow(s, i, hd) + key - s.k0] * Q_K[i * h + col];
    }
  }
  DK[o] = acc;
}

@compute @workgroup_size(256)
fn dv(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = flat(gid, nwg);
  let h = params.h;
  if (o >= params.n * h) { return; }
  let key = o / h;
  let col = o % h;
  let hd = col / (h / params.heads);
  var acc = 0.0;
  for (var si = 0u; si < params.segments; si++) {
    let s = seg(si);
    if (key < s.k0 || key >= s.k1) { continue; }
    for (var i = s.q0; i < s.q1; i++) {
      acc += PROBS_V[probsRow(s, i, hd) + key - s.k0] * DOUT_V[i * h + col];
    }
  }
  DV[o] = acc;
}
