// Shared by every kernel: the loader puts this file before each one (src/backend/webgpu/loader.ts).
// Parameters come in a uniform struct at binding 0, the buffers at the bindings after it (explicit
// layouts in src/backend/webgpu/kernels.ts).

// The 1-D kernels run 256-wide workgroups on a 2-D grid (x ≤ 65535 groups): the element of an invocation.
fn flat_index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * 256u;
}

// The workgroup's number on a 2-D grid of workgroups (one per row, per output, …).
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// NaN and ±∞ cannot be WGSL constants: an f32 from its bits, at run time.
fn bits(b: u32) -> f32 {
  return bitcast<f32>(b);
}

// Element d of an 8-long list held as two vec4u (arrays in a uniform struct have 16-byte elements).
fn at8(a: array<vec4u, 2>, d: u32) -> u32 {
  return a[d / 4u][d % 4u];
}
