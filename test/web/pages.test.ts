// The benchmark page and the op parity page in headless Chromium (bench/chromium.ts: Debian's
// package, WebGPU through SwiftShader). The benchmark's ?run=all (as a quick smoke run) must finish
// with finite numbers on every backend variant and download its JSON report; the parity page's values
// for every op, forward and backward, on WebGPU and on wasm, must match the same cases
// (test/backend/opcases.ts, same seeds) run here in Node on the CPU backend, within TOL.graph.
// Without Chromium the suite is skipped visibly (browser.test.ts fails it under OFFRAMP_REQUIRE_CHROMIUM=1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { chromiumPath, launchChromium } from '../../bench/chromium.js';
import type { BenchReport } from '../../bench/report.js';
import { pageServer } from '../../src/cli/serve.js';
import { gradOps } from '../../src/ops/index.js';
import { runOpCase, type OpResult } from '../backend/opcases.js';
import { assertClose, TOL } from '../backend/parity.js';
import { suiteBackend } from '../helpers/suite.js';
import { makeTinyCheckpoint } from './checkpoint.js';
import { watchPage } from './watch.js';

const skip = existsSync(chromiumPath) ? false : 'skipped: no Chromium';
if (skip) console.error(`benchmark and parity page tests: skipped: no Chromium (${chromiumPath}; apt-get install chromium)`);

describe('benchmark and parity pages in headless Chromium', { skip }, () => {
  let model = '';
  let browser: Browser | null = null;
  let server: Server | null = null;
  let base = '';
  const problems: string[] = [];
  const downloads = mkdtempSync(join(tmpdir(), 'offramp-downloads-'));

  before(async () => {
    const { buildWeb } = (await import(new URL('../../../scripts/build-web.mjs', import.meta.url).href)) as { buildWeb(): Promise<string> };
    await buildWeb();
    model = makeTinyCheckpoint();
    server = pageServer({ models: new Map([['tiny', model]]) });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    const cdp = await browser.target().createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  });

  after(async () => {
    await browser?.close();
    server?.close();
    if (model) rmSync(dirname(model), { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  async function open(path: string, done: string): Promise<Page> {
    const url = base + path;
    const page = watchPage(await browser!.newPage(), url, problems);
    await page.goto(url);
    await page.waitForFunction(done, { timeout: 300_000, polling: 250 });
    return page;
  }

  test('bench.html?run=all (quick) measures every backend variant with finite numbers and downloads the JSON report', async () => {
    const page = await open('bench.html?run=all&quick=1', "['done', 'error'].includes(window.offramp.state)");
    const state = (await page.evaluate('window.offramp')) as { state: string; report?: BenchReport; error?: string };
    assert.equal(state.error, undefined, `page error: ${state.error}`);
    const report = state.report!;
    const cores = (await page.evaluate('navigator.hardwareConcurrency')) as number;
    const variants = ['webgpu', ...(cores > 1 ? [`wasm, ${Math.min(8, cores)} threads`] : []), 'wasm, 1 thread'];
    const section = (name: string) => {
      const s = report.sections.find((x) => x.section === name);
      assert.ok(s, `section ${name} in ${report.sections.map((x) => x.section).join(', ')}`);
      return s.rows;
    };
    const webgpu = section('backends').find((r) => r.case === 'webgpu');
    assert.match(String(webgpu?.architecture), /swiftshader/i, 'the adapter info is in the report');
    for (const [name, per] of [['matmul f32', 4], ['model: encoder layer forward', 1], ['model: training step', 1], ['early exit: wall-clock vs FLOPs speedup', 6]] as const) {
      const rows = section(name);
      for (const v of variants) {
        const mine = rows.filter((r) => r.case.startsWith(v) || r.backend === v);
        assert.equal(mine.length, per, `${name}: ${per} rows for ${v}: ${JSON.stringify(rows)}`);
        for (const r of mine) {
          const numbers = Object.values(r).filter((x) => typeof x === 'number');
          assert.ok(numbers.length >= 2 && numbers.every((x) => Number.isFinite(x) && x > 0), `${name}: finite positive numbers: ${JSON.stringify(r)}`);
        }
      }
    }
    // the download the page started, identical to the report it shows
    let file: string | undefined;
    for (let i = 0; i < 100 && !file; i++, await new Promise((r) => setTimeout(r, 100))) file = readdirSync(downloads).find((f) => /^offramp-bench-.*\.json$/.test(f));
    assert.ok(file, `a JSON download in ${downloads}: ${readdirSync(downloads).join(', ')}`);
    assert.deepEqual(JSON.parse(readFileSync(join(downloads, file), 'utf8')), report);
    const shots = process.env.OFFRAMP_SCREENSHOT_DIR;
    if (shots) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: `${shots}/bench.png`, fullPage: true });
    }
    await page.close();
  });

  // the Node side is the oracle, so it must be the CPU backend (the suite's default)
  const oracle = suiteBackend === 'cpu' ? false : `the Node oracle is the CPU backend: runs in the plain 'npm test' (OFFRAMP_BACKEND=${suiteBackend})`;
  test('parity.html: every op forward and backward on WebGPU and on wasm matches the Node CPU backend (TOL.graph)', { skip: oracle }, async () => {
    const seeds = Array.from({ length: 3 }, () => 1 + Math.floor(Math.random() * (2 ** 31 - 2)));
    for (const backend of ['webgpu', 'cpu']) {
      const page = await open(`parity.html?backend=${backend}&seeds=${seeds.join(',')}`, "['done', 'error'].includes(document.getElementById('status').dataset.state)");
      const state = (await page.evaluate('window.offramp')) as { backend?: { name: string; description: string }; results?: OpResult[]; error?: string };
      assert.equal(state.error, undefined, `${backend}: page error: ${state.error}`);
      assert.equal(state.backend!.name, backend);
      if (backend === 'webgpu') assert.match(state.backend!.description, /swiftshader/i);
      assert.equal(state.results!.length, gradOps.length * seeds.length, 'every op, every seed');
      for (const got of state.results!) {
        const want = await runOpCase(got.op, got.seed);
        const what = `${backend} ${got.op} (seed ${got.seed})`;
        assertClose(`${what} forward`, got.forward, want.forward, TOL.graph);
        assert.equal(got.grads.length, want.grads.length, `${what}: inputs with gradients`);
        got.grads.forEach((g, i) => assertClose(`${what} d/dinput${i}`, g, want.grads[i]!, TOL.graph));
      }
      await page.close();
    }
  });

  test('no page had a console error, a page error or a failed request', () => {
    assert.deepEqual(problems, []);
  });
});
