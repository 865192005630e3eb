// Headless Chromium as the browser tests and the browser benchmark run it: Debian's package, WebGPU
// through its bundled SwiftShader (a CPU rasterizer: docs/browser.md), driven by puppeteer-core.
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's package unless OFFRAMP_CHROMIUM names another binary. */
export const chromiumPath = process.env.OFFRAMP_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumFlags = ['--headless=new', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-default-apps', '--disable-domain-reliability', '--metrics-recording-only',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];

export function launchChromium(): Promise<Browser> {
  // a long waitForFunction is one protocol call: allow it as long as the waits of the tests
  return puppeteer.launch({ executablePath: chromiumPath, args: chromiumFlags, headless: true, protocolTimeout: 600_000 });
}
