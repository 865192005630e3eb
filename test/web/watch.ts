// What went wrong on a page, for the browser tests: console errors, page errors, failed requests and
// HTTP errors, each pushed to `problems` with the page's URL.
import type { Page } from 'puppeteer-core';

export function watchPage(page: Page, url: string, problems: string[]): Page {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${url}: console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${url}: page error: ${(e as Error).message}`));
  page.on('requestfailed', (r) => problems.push(`${url}: request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${url}: HTTP ${r.status()} for ${r.url()}`);
  });
  return page;
}
