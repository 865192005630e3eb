// offramp serve without a browser: the isolation headers, the served files, refusals of paths outside
// them, the printed URL and Ctrl-C.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pageServer } from '../../src/cli/serve.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { cli, makeTinyCheckpoint, offramp } from './checkpoint.js';

let model = '';
let port = 0;
let server: Server | null = null;

before(async () => {
  model = makeTinyCheckpoint();
  const s = (server = pageServer({ models: new Map([['demo', model]]) }));
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  port = (s.address() as AddressInfo).port;
});

after(() => {
  server?.close();
  if (model) rmSync(dirname(model), { recursive: true, force: true });
});

/** A raw GET (fetch would normalise '..' away before sending). */
function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('pages and checkpoint files come with COOP same-origin and COEP require-corp', async () => {
  for (const path of ['/', '/explorer.html', '/models.json', '/models/demo/config.json']) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin', path);
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp', path);
  }
  assert.deepEqual(JSON.parse((await get('/models.json')).body.toString()), ['demo']);
});

test('a checkpoint is served from the run directory\'s CURRENT checkpoint, byte for byte', async () => {
  const r = await get('/models/demo/model.safetensors');
  assert.equal(r.status, 200);
  assert.ok(r.body.equals(readFileSync(join(resolveCheckpoint(model), 'model.safetensors'))));
});

test('paths outside what it serves are refused', async () => {
  for (const path of ['/../package.json', '/lib/../../package.json', '/%2e%2e/package.json', '/models/demo/../../CURRENT', '/models/demo/CURRENT',
    '/models/other/config.json', '/src/cli/serve.ts', '/kernels/preamble.wgsl', '/web/explorer.ts', '/lib/%2e%2e%2fsrc', '/%E0%A4%A', '//etc/passwd']) {
    const r = await get(path);
    assert.ok([400, 403, 404].includes(r.status), `${path}: ${r.status}`);
    assert.ok(!r.body.toString().includes('"name": "offramp"'), path);
  }
  assert.equal((await get('/models.json')).status, 200, 'still serving after bad requests');
});

test('offramp serve prints its URL, listens on 127.0.0.1 and stops on Ctrl-C (SIGINT) with exit 0', async () => {
  const child = spawn(process.execPath, [cli, 'serve', '--model', model, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`serve exited early (${code})`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const r = await fetch(`${url}models.json`);
  assert.deepEqual(await r.json(), ['demo']);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGINT');
  });
  assert.equal(code, 0);
});

test('serve refuses a --model that is not a checkpoint (usage error, exit 2)', () => {
  const r = offramp(['serve', '--model', join(model, 'nope')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no such directory/);
});
