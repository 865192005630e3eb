/* global process, console */
// Bundles the browser pages' code with esbuild into dist/web/ (git-ignored; `npm run web`, after tsc).
// The same src/ as in Node: imports of src/platform/<name>.js are redirected to
// src/platform/browser/<name>.ts, and the WGSL files of kernels/ are embedded (read by the Node
// platform module, so both platforms see exactly the files of kernels/).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const browserPlatform = {
  name: 'offramp-browser-platform',
  setup(build) {
    build.onResolve({ filter: /platform\/[a-z]+\.js$/ }, (args) => {
      const file = resolve(args.resolveDir, args.path);
      const m = /\/src\/platform\/([a-z]+)\.js$/.exec(file);
      if (!m) return undefined;
      const browser = join(root, 'src', 'platform', 'browser', `${m[1]}.ts`);
      if (!existsSync(browser)) return undefined; // the module works on both (env.ts)
      return { path: browser };
    });
    // gpu.js needs Node's require: the registry loads it only when asked, and pages never ask
    build.onResolve({ filter: /\/gpujs\/index\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Build dist/web/: explorer.js, bench.js and parity.js (the pages) and worker.js (the CPU matmul pool's worker). */
export async function buildWeb() {
  const { kernelFiles } = await import(join(root, 'dist', 'src', 'platform', 'kernels.js'));
  await esbuild.build({
    entryPoints: {
      explorer: join(root, 'web', 'explorer.ts'),
      bench: join(root, 'web', 'bench.ts'),
      parity: join(root, 'web', 'parity.ts'),
      worker: join(root, 'src', 'backend', 'cpu', 'worker.ts'),
    },
    outdir: join(root, 'dist', 'web'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    define: { OFFRAMP_KERNEL_FILES: JSON.stringify([...kernelFiles(root)]) },
    plugins: [browserPlatform],
  });
  return join(root, 'dist', 'web');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildWeb();
  console.error(`wrote ${out}`);
}
