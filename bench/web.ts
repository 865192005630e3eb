// The benchmark page (web/bench.html) in headless Chromium on this machine: serves the pages with
// `offramp serve`'s server (and --model's checkpoint, for the early-exit section), opens
// bench.html?run=all, prints the report's tables as markdown and writes its JSON (the page's own
// report, in the format of `npm run bench -- --json`). WebGPU here is Chromium's SwiftShader, a CPU
// rasterizer (bench/chromium.ts), unless OFFRAMP_CHROMIUM names a browser with a GPU.
//   npm run bench:web -- [--model DIR] [--json PATH] [--quick]
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { modelNames, pageServer } from '../src/cli/serve.js';
import { launchChromium } from './chromium.js';
import { markdown, type BenchReport } from './report.js';

const argv = process.argv.slice(2);
const arg = (flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const model = arg('--model');
const jsonPath = arg('--json');
const quick = argv.includes('--quick');

const { buildWeb } = (await import(new URL('../../scripts/build-web.mjs', import.meta.url).href)) as { buildWeb(): Promise<string> };
await buildWeb();
const server = pageServer({ models: modelNames(model ? [model] : []) });
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'deny' }); // the report is read from the page instead
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`page: ${m.text()}`);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench.html?run=all${quick ? '&quick=1' : ''}`;
  console.error(`bench:web: ${url}`);
  await page.goto(url);
  // short polls (one long wait would be one protocol call, which times out)
  let shown = '';
  while (!(await page.evaluate("['done', 'error'].includes(window.offramp?.state)"))) {
    const now = (await page.evaluate("document.getElementById('status').textContent")) as string;
    if (now !== shown) console.error(`bench:web: ${(shown = now)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const state = (await page.evaluate('window.offramp')) as { state: string; report?: BenchReport; error?: string };
  if (state.state !== 'done' || !state.report) throw new Error(`bench page: ${state.error}`);
  for (const s of state.report.sections) console.log(markdown(s.section, s.rows, s.note) + '\n');
  if (jsonPath) {
    writeFileSync(jsonPath, JSON.stringify(state.report, null, 2));
    console.log(`wrote ${jsonPath}`);
  }
} finally {
  await browser.close();
  server.close();
}
