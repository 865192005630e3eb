// gpu.js backend benchmark: matmul GFLOP/s on gpu.js (its cpu mode, JavaScript kernels, and its
// webasm mode) side by side with the CPU backend, same inputs, same run. Export: `gpujsSection`
// (a Section for bench/run.ts); `node dist/bench/gpujs.js [--quick]` runs it alone.
import { availableParallelism, cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Backend, MatmulArgs } from '../src/backend/backend.js';
import { createCpuBackend } from '../src/backend/cpu/index.js';
import { createGpujsBackend } from '../src/backend/gpujs/index.js';
import { Rng } from '../src/tensor/random.js';
import type { BenchContext, Row, Section } from './report.js';

const shapes: [number, number, number][] = [[128, 768, 768], [128, 768, 3072], [512, 256, 1024], [64, 64, 64]];

function randomArray(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Median seconds of one matmul (result read back) after one warm-up call, `reps` timed calls. */
async function time(be: Backend, a: Float32Array, b: Float32Array, args: MatmulArgs, reps: number): Promise<number> {
  const sa = be.fromArray(a);
  const sb = be.fromArray(b);
  const once = async () => {
    const t0 = performance.now();
    const y = be.matmul(sa, sb, args);
    await be.read(y);
    const dt = (performance.now() - t0) / 1000;
    be.free(y);
    return dt;
  };
  await once();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) ts.push(await once());
  be.free(sa);
  be.free(sb);
  ts.sort((x, y) => x - y);
  return ts[Math.floor(ts.length / 2)]!;
}

export const gpujsSection: Section = {
  name: 'gpu.js backend: matmul',
  note: `GFLOP/s (2·m·k·n / median time of one call incl. readback) on ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; ` +
    'gpu.js cpu mode (kernels compiled to JavaScript) and webasm mode (WebAssembly), 1 thread each, beside the CPU backend (wasm SIMD matmul, worker pool) and its reference loop (1 thread)',
  async run(ctx: BenchContext): Promise<Row[]> {
    const backends: [string, Backend][] = [
      ['cpu backend', createCpuBackend()],
      ['cpu reference loop', createCpuBackend({ fast: false })],
      ['gpu.js cpu', createGpujsBackend({ mode: 'cpu' })],
      ['gpu.js webasm', createGpujsBackend({ mode: 'webasm' })],
    ];
    const rng = new Rng(1);
    const rows: Row[] = [];
    for (const [m, k, n] of shapes) {
      const args: MatmulArgs = { batch: 1, m, k, n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
      const a = randomArray(m * k, rng);
      const b = randomArray(k * n, rng);
      const flops = 2 * m * k * n;
      const reps = ctx.quick ? 1 : flops > 1e8 ? 3 : 7;
      const row: Row = { case: `(${m}, ${k}, ${n})` };
      for (const [name, be] of backends) row[`${name} GFLOP/s`] = flops / (await time(be, a, b, args, reps)) / 1e9;
      row['gpu.js cpu / cpu backend'] = (row['gpu.js cpu GFLOP/s'] as number) / (row['cpu backend GFLOP/s'] as number);
      rows.push(row);
    }
    for (const [, be] of backends) be.destroy();
    return rows;
  },
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await gpujsSection.run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(rows, null, 2));
  process.exit(0);
}
