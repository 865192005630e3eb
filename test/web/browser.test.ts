// The explorer page in a real browser: Debian's Chromium, headless, WebGPU through its bundled
// SwiftShader (docs/browser.md), driven over the DevTools protocol by puppeteer-core. The page's
// labels and exit layers must equal `offramp tag` in Node for the same sentences and policies, on
// WebGPU and on the wasm CPU backend; the URL must reproduce a view; the CPU backend must be threaded
// on a cross-origin-isolated page and single-threaded on one that is not.
// Without Chromium the suite is skipped visibly; OFFRAMP_REQUIRE_CHROMIUM=1 (CI) makes that a failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { chromiumPath, launchChromium } from '../../bench/chromium.js';
import { resolveCheckpoint } from '../../src/io/rundir.js';
import { pageServer } from '../../src/cli/serve.js';
import { makeTinyCheckpoint, offramp } from './checkpoint.js';
import { watchPage } from './watch.js';

const chromium = chromiumPath;
const required = process.env.OFFRAMP_REQUIRE_CHROMIUM === '1';
const skip = existsSync(chromium) ? false : 'skipped: no Chromium';
if (skip) {
  console.error(`browser tests: skipped: no Chromium (${chromium}; apt-get install chromium)`);
  test('Chromium is installed (OFFRAMP_REQUIRE_CHROMIUM=1)', { skip: required ? false : skip }, () => {
    assert.fail(`no ${chromium}, and OFFRAMP_REQUIRE_CHROMIUM=1 requires it (apt-get install chromium)`);
  });
}

// the third is longer than the model's 64 positions, so it runs as two windows
const sentences = ['alice met young jordan in paris', 'the umbrella of acme corp lives in new york', Array(12).fill('alice met young jordan in paris').join(' ')];
const policies: { name: string; flags: string[]; url: string }[] = [
  { name: 'full', flags: ['--policy', 'full'], url: 'policy=full' },
  { name: 'static', flags: ['--policy', 'static', '--layers', '2'], url: 'policy=static&layers=2' },
  { name: 'sentee', flags: ['--policy', 'sentee', '--threshold', '0.5'], url: 'policy=sentee&threshold=0.5' },
  { name: 'tokee', flags: ['--policy', 'tokee', '--threshold', '0.3', '--window', '1'], url: 'policy=tokee&threshold=0.3&window=1' },
];

interface PageState {
  backend?: { name: string; description: string; threads: number; crossOriginIsolated: boolean };
  result?: { policy: string; labels: string[][]; exitLayers: number[][]; speedup: number; seconds: number };
  error?: string;
}

describe('explorer in headless Chromium', { skip }, () => {
  let model = '';
  let browser: Browser | null = null;
  const servers: Server[] = [];
  const base = { isolated: '', plain: '', empty: '' };
  /** what went wrong on any page: console errors, page errors, failed requests, HTTP errors */
  const problems: string[] = [];

  before(async () => {
    const { buildWeb } = (await import(new URL('../../../scripts/build-web.mjs', import.meta.url).href)) as { buildWeb(): Promise<string> };
    await buildWeb();
    model = makeTinyCheckpoint();
    const serve = async (name: keyof typeof base, models: Map<string, string>, isolate: boolean) => {
      const s = pageServer({ models, isolate });
      await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
      servers.push(s);
      base[name] = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
    };
    await serve('isolated', new Map([['demo', model]]), true);
    await serve('plain', new Map([['demo', model]]), false);
    await serve('empty', new Map(), true);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) s.close();
    if (model) rmSync(dirname(model), { recursive: true, force: true });
  });

  /** A new page at `url` that reports its problems; waits until it has labelled (or failed). */
  async function open(url: string): Promise<{ page: Page; state: PageState }> {
    const page = await watched(url);
    await page.goto(url);
    return { page, state: await settled(page) };
  }

  async function watched(url: string): Promise<Page> {
    return watchPage(await browser!.newPage(), url, problems);
  }

  async function settled(page: Page): Promise<PageState> {
    await page.waitForFunction("['done', 'error'].includes(document.getElementById('status').dataset.state)", { timeout: 60_000 });
    const state = (await page.evaluate('window.offramp')) as PageState;
    assert.equal(state.error, undefined, `page error: ${state.error}`);
    return state;
  }

  const viewUrl = (root: string, backend: string, query: string) =>
    `${root}?backend=${backend}&model=demo&text=${encodeURIComponent(sentences.join('\n'))}&${query}`;

  for (const backend of ['webgpu', 'cpu']) {
    test(`the page's labels and exit layers equal offramp tag's, every policy, on ${backend}`, async () => {
      for (const p of policies) {
        const node = offramp(['tag', '--model', model, '--inline', ...p.flags], `${sentences.join('\n')}\n`);
        assert.equal(node.code, 0, node.stderr);
        const want = node.stdout.trim().split('\n').map((line) => line.split(' ').map((t) => /^(.*)\/(.*)@(\d+)$/.exec(t)!.slice(1)));
        const { page, state } = await open(viewUrl(base.isolated, backend, p.url));
        assert.equal(state.backend!.name, backend);
        if (backend === 'webgpu') assert.match(state.backend!.description, /swiftshader/i);
        assert.deepEqual(state.result!.labels, want.map((s) => s.map((w) => w[1])), `${p.name}: labels`);
        assert.deepEqual(state.result!.exitLayers, want.map((s) => s.map((w) => Number(w[2]))), `${p.name}: exit layers`);
        await page.close();
      }
    });
  }

  test('the test sentences leave at different layers (so the comparison above means something)', () => {
    const tokee = offramp(['tag', '--model', model, '--inline', ...policies[3]!.flags], `${sentences.join('\n')}\n`);
    const layers = new Set([...tokee.stdout.matchAll(/@(\d+)/g)].map((m) => m[1]));
    assert.ok(layers.size > 1, `all words left at one layer: ${tokee.stdout}`);
  });

  test('the URL reproduces a view, and moving a control re-runs and updates the URL', async () => {
    const { page, state } = await open(viewUrl(base.isolated, 'cpu', policies[3]!.url));
    assert.equal(await page.$eval('#policy', (e) => (e as unknown as { value: string }).value), 'tokee');
    assert.equal(await page.$eval('#threshold', (e) => (e as unknown as { value: string }).value), '0.3');
    assert.equal(await page.$eval('#window', (e) => (e as unknown as { value: string }).value), '1');
    assert.equal(await page.$eval('#text', (e) => (e as unknown as { value: string }).value), sentences.join('\n'));
    const rows = await page.$$eval('table.heat', (ts) => ts.map((t) => t.querySelectorAll('tr').length - 1));
    assert.deepEqual(rows, sentences.map((s) => s.split(' ').length), 'one heatmap row per word');
    assert.equal(await page.$$eval('td.exit', (cells) => cells.length), sentences.join(' ').split(' ').length, 'one exit cell per word');
    await page.select('#policy', 'full');
    const full = await settled(page);
    assert.equal(full.result!.policy, 'full');
    assert.ok(full.result!.exitLayers.flat().every((l) => l === 3), 'full: every word runs all 3 layers');
    const url = page.url();
    assert.match(url, /policy=full/);
    const again = await open(url);
    const view = (r: PageState['result']) => ({ policy: r!.policy, labels: r!.labels, exitLayers: r!.exitLayers, speedup: r!.speedup });
    assert.deepEqual(view(again.state.result), view(full.result), 'the same view (all but the measured time)');
    assert.notDeepEqual(full.result!.exitLayers, state.result!.exitLayers);
    const shots = process.env.OFFRAMP_SCREENSHOT_DIR;
    if (shots) {
      mkdirSync(shots, { recursive: true });
      const tokee = await open(viewUrl(base.isolated, 'webgpu', policies[3]!.url));
      await tokee.page.screenshot({ path: `${shots}/explorer.png`, fullPage: true });
    }
    await page.close();
    await again.page.close();
  });

  test('a checkpoint chosen as files labels like the same checkpoint served', async () => {
    const { page, state } = await open(viewUrl(base.isolated, 'cpu', policies[3]!.url));
    const input = await page.$('#files');
    const dir = resolveCheckpoint(model);
    await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(...['config.json', 'vocab.txt', 'labels.txt', 'model.safetensors'].map((f) => join(dir, f)));
    await page.waitForFunction("document.getElementById('model').value === 'dropped 1' && document.getElementById('status').dataset.state === 'done'", { timeout: 60_000 });
    const dropped = (await page.evaluate('window.offramp')) as PageState;
    assert.equal(dropped.error, undefined);
    assert.deepEqual(dropped.result!.labels, state.result!.labels);
    assert.deepEqual(dropped.result!.exitLayers, state.result!.exitLayers);
    assert.match(page.url(), /model=demo/, 'files never go into the URL');
    await page.close();
  });

  test('with no checkpoint served the page asks for files instead of failing', async () => {
    const page = await watched(base.empty);
    await page.goto(base.empty);
    await page.waitForFunction("['idle', 'done', 'error'].includes(document.getElementById('status').dataset.state)", { timeout: 60_000 });
    assert.match((await page.$eval('#status', (e) => e.textContent))!, /no checkpoint served/);
    await page.close();
  });

  test('the CPU backend is threaded with COOP/COEP and single-threaded without', async () => {
    const isolated = await open(viewUrl(base.isolated, 'cpu', 'policy=full'));
    const cores = (await isolated.page.evaluate('navigator.hardwareConcurrency')) as number;
    assert.equal(isolated.state.backend!.crossOriginIsolated, true);
    assert.equal(isolated.state.backend!.threads, Math.min(8, cores));
    if (cores > 1) assert.match(isolated.state.backend!.description, /wasm SIMD \((FMA|mul\+add)\), \d+ threads/);
    const plain = await open(viewUrl(base.plain, 'cpu', 'policy=full'));
    assert.equal(plain.state.backend!.crossOriginIsolated, false);
    assert.equal(plain.state.backend!.threads, 1);
    assert.match(plain.state.backend!.description, /1 thread \(page not cross-origin isolated/);
    assert.deepEqual(plain.state.result!.exitLayers, isolated.state.result!.exitLayers, 'same exits either way');
    assert.deepEqual(plain.state.result!.labels, isolated.state.result!.labels, 'same labels either way');
    await isolated.page.close();
    await plain.page.close();
  });

  test('no page had a console error, a page error or a failed request', () => {
    assert.deepEqual(problems, []);
  });
});
