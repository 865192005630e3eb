// offramp serve: the browser pages, their bundle and the named checkpoints over node:http, with the
// cross-origin-isolation headers that give a page SharedArrayBuffer (the CPU backend's threads).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve } from 'node:path';
import { checkpointFiles } from '../io/checkpoint-format.js';
import { resolveCheckpoint } from '../io/rundir.js';
import { packageRoot } from '../platform/kernels.js';
import { type Command, num, parse, str, UsageError } from './common.js';

const help = `Usage: offramp serve [--model DIR ...] [--port N] [--host H]

Serves the pages of web/ (/ is the explorer; /bench.html the benchmark, /bench.html?run=all runs
it; /parity.html the op parity check), their code (dist/web/, built by \`npm run web\`) and each
checkpoint named by --model (a run directory's current checkpoint) under /models/NAME/, with the
headers COOP same-origin and COEP require-corp, so the page's CPU backend can use threads. Prints
the URL on stdout; Ctrl-C stops it.

  --model DIR           a checkpoint or run directory (repeatable; its name on the page is the folder's name)
  --port N              port (default 8080; 0: any free port)
  --host H              address to listen on (default 127.0.0.1)

Example:
  offramp demo --out runs/demo && offramp serve --model runs/demo
`;

export const serveCommand: Command = { name: 'serve', summary: 'serve the browser explorer, benchmark page and checkpoints (http, COOP/COEP)', help, run };

export interface ServeOptions {
  /** name on the page → checkpoint or run directory */
  models: ReadonlyMap<string, string>;
  /** send COOP/COEP (default true); false only to test a page that is not cross-origin isolated */
  isolate?: boolean;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
};

/** Page names from directories: each folder's name, made unique with -2, -3, ... */
export function modelNames(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of dirs) {
    const base = basename(resolve(dir)).replace(/[^\w.-]/g, '_') || 'model';
    let name = base;
    for (let i = 2; out.has(name); i++) name = `${base}-${i}`;
    out.set(name, dir);
  }
  return out;
}

/** The file a URL path names, or a status: only fixed folders and plain names, never a path of the client's. */
function route(path: string, o: ServeOptions, root: string): string | 403 | 404 {
  if (path === '/') return join(root, 'web', 'explorer.html');
  const parts = path.split('/').slice(1);
  if (parts.some((p) => p === '.' || p === '..' || !/^[\w.-]+$/.test(p))) return 403;
  if (parts.length === 1 && parts[0]!.endsWith('.html')) return join(root, 'web', parts[0]!);
  if (parts.length === 2 && parts[0] === 'lib') return join(root, 'dist', 'web', parts[1]!);
  if (parts.length === 3 && parts[0] === 'models') {
    const dir = o.models.get(parts[1]!);
    if (dir === undefined || !(checkpointFiles as readonly string[]).includes(parts[2]!)) return 404;
    return join(resolveCheckpoint(dir), parts[2]!);
  }
  return 404;
}

/** An http server for the pages and checkpoints (not yet listening). */
export function pageServer(o: ServeOptions): Server {
  const root = packageRoot();
  const isolate = o.isolate ?? true;
  return createServer((req, res) => {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin' };
    if (isolate) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { ...headers, 'Content-Type': type });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (path === '/models.json') return send(200, JSON.stringify([...o.models.keys()]), types['.json']);
    let file: string | 403 | 404;
    try {
      file = route(path, o, root);
    } catch (err) {
      return send(500, `${(err as Error).message}\n`);
    }
    if (file === 403) return send(403, 'forbidden\n');
    if (file === 404 || !existsSync(file) || !statSync(file).isFile()) {
      const hint = path.startsWith('/lib/') ? ' (build the page code with `npm run web`)' : '';
      return send(404, `not found: ${path}${hint}\n`);
    }
    send(200, readFileSync(file), types[extname(file)] ?? 'application/octet-stream');
  });
}

async function run(argv: string[]): Promise<void> {
  const p = parse(serveCommand, argv, { model: { type: 'string', multiple: true }, port: { type: 'string' }, host: { type: 'string' } });
  if (!p) return;
  const v = p.values as Record<string, string | string[] | boolean | undefined>;
  const dirs = (v.model as string[] | undefined) ?? [];
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new UsageError(`--model ${dir}: no such directory`);
    const ckpt = resolveCheckpoint(dir);
    for (const f of checkpointFiles) {
      if (!existsSync(join(ckpt, f))) throw new UsageError(`--model ${dir}: ${join(ckpt, f)} is missing (not a checkpoint)`);
    }
  }
  const port = num(p.values, 'port', 8080, { int: true, min: 0, max: 65535 });
  const host = str(p.values, 'host') ?? '127.0.0.1';
  if (!existsSync(join(packageRoot(), 'dist', 'web', 'explorer.js'))) process.stderr.write('serve: warning: dist/web/ is missing; run `npm run web` to build the page code\n');
  const server = pageServer({ models: modelNames(dirs) });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  process.stdout.write(`http://${shown}:${addr.port}/\n`);
  process.stderr.write('serve: Ctrl-C stops\n');
  await new Promise<void>((done) => {
    const stop = () => {
      server.close(() => done());
      server.closeAllConnections(); // keep-alive connections would hold the close up
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
