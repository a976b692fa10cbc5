import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { buildPages, launchBrowser } from './harness.js';

// A Vue page (silent-session/vue) in two tabs of one Chromium context, against the real auth
// server. What is asserted is what Vue rendered in each tab, and the server's counters.

let browser: Browser;
let pagesDir: string;
let server: AuthServer;
let context: BrowserContext;

beforeAll(async () => {
  pagesDir = await buildPages();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  await server?.close();
});

async function openTab(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}/vueTabs.html`);
  await page.locator('#status').waitFor();
  return page;
}
const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();
const shows = (page: Page, id: string, value: string) => expect.poll(() => text(page, id), { timeout: 10_000 }).toBe(value);

describe('silent-session/vue in real Chromium', () => {
  it('two tabs: a login and a refresh in one reach the other; a logout in one logs out both', async () => {
    server = await startAuthServer({ staticDir: pagesDir, accessTtl: 60 });
    context = await browser.newContext();
    const [a, b] = [await openTab(), await openTab()];
    await shows(a, 'status', 'loggedOut');
    await shows(b, 'status', 'loggedOut');

    await a.click('#login');
    await shows(a, 'status', 'authenticated');
    await shows(b, 'status', 'authenticated');
    await shows(b, 'user', 'vera');
    const first = await text(a, 'jti');
    await shows(b, 'jti', first);

    await a.click('#refresh');
    await expect.poll(() => text(a, 'jti'), { timeout: 10_000 }).not.toBe(first);
    const second = await text(a, 'jti');
    await shows(b, 'jti', second);
    await shows(b, 'status', 'authenticated');
    expect(server.counters).toMatchObject({ logins: 1, refreshCalls: 1, reuseDetections: 0 });

    await a.click('#logout');
    await shows(a, 'status', 'loggedOut');
    await shows(b, 'status', 'loggedOut');
    await shows(b, 'user', '—');
    expect(await b.evaluate(() => localStorage.getItem('vue-session'))).toBeNull();
    expect(server.counters.refreshCalls).toBe(1);
  });
});
