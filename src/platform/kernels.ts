// The WGSL kernel files (Node): read from kernels/ at the package root. The browser build swaps in
// browser/kernels.ts, whose contents esbuild embeds from the same folder at bundle time
// (scripts/build-web.mjs), so both platforms get exactly the files of kernels/.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest ancestor directory of `from` holding this package's package.json and kernels/. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'kernels'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package root (a folder with package.json and kernels/) above ${from}`);
    dir = up;
  }
}

/** Every file `kernels/<family>/<name>.wgsl` and `kernels/preamble.wgsl`, keyed by its path under kernels/. */
export function kernelFiles(root: string = packageRoot()): Map<string, string> {
  const dir = join(root, 'kernels');
  const out = new Map<string, string>([['preamble.wgsl', readFileSync(join(dir, 'preamble.wgsl'), 'utf8')]]);
  for (const family of readdirSync(dir, { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    for (const file of readdirSync(join(dir, family.name))) {
      if (file.endsWith('.wgsl')) out.set(`${family.name}/${file}`, readFileSync(join(dir, family.name, file), 'utf8'));
    }
  }
  return out;
}
