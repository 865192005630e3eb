// A clean `npm install` prints no warning about the project's own dependencies: every installed
// package with an install script is reviewed in package.json's allowScripts (npm 11 blocks and
// lists the others). webgpu's postinstall only clears the macOS quarantine flag of its prebuilt
// dawn.node, so it is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function installedPackages(modules: string): string[] {
  if (!existsSync(modules)) return [];
  return readdirSync(modules).flatMap((name) => {
    if (name.startsWith('.')) return [];
    if (name.startsWith('@')) return readdirSync(join(modules, name)).map((sub) => join(modules, name, sub));
    return [join(modules, name)];
  });
}

test('package.json allowScripts covers every installed dependency that has an install script', (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const packages = installedPackages(join(root, 'node_modules'));
  if (packages.length === 0) return t.skip('node_modules is not installed');
  const withScripts = packages.flatMap((dir) => {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) return [];
    const p = JSON.parse(readFileSync(file, 'utf8')) as { name: string; scripts?: Record<string, string> };
    return ['preinstall', 'install', 'postinstall'].some((s) => p.scripts?.[s] !== undefined) ? [p.name] : [];
  });
  assert.ok(withScripts.includes('webgpu'), 'webgpu has a postinstall script');
  for (const name of withScripts) assert.equal(typeof pkg.allowScripts?.[name], 'boolean', `${name} has an install script that allowScripts does not cover`);
});
