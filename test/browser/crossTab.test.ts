import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { buildPages, launchBrowser } from './harness.js';

// Several pages of one browser context are several tabs: they share localStorage, a
// BroadcastChannel and Web Locks. The numbers asserted are the auth server's own counters.

interface Tab {
  login(): Promise<number>;
  logout(): number;
  status(): string;
  token(): string | null;
  stored(): string | null;
  skew(ms: number): void;
  refresh(): Promise<string>;
  fire(n: number, path?: string): Promise<Array<number | string>>;
  loggedOutAt(): number | null;
  warnings(): string[];
}
declare const tab: Tab;

let browser: Browser;
let pagesDir: string;
let server: AuthServer;
let context: BrowserContext;
let serverSkew = 0;

beforeAll(async () => {
  pagesDir = await buildPages();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function start(options: { accessTtl?: number; graceMs?: number } = {}) {
  serverSkew = 0;
  server = await startAuthServer({
    staticDir: pagesDir,
    accessTtl: options.accessTtl ?? 60,
    graceMs: options.graceMs ?? 0,
    now: () => Date.now() + serverSkew,
  });
  context = await browser.newContext();
}
afterEach(async () => {
  await context?.close();
  await server?.close();
});

async function openTabs(n: number, query = ''): Promise<Page[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const page = await context.newPage();
      await page.goto(`${server.url}/tabs.html${query}`);
      await page.waitForFunction(() => typeof (window as { tab?: unknown }).tab === 'object');
      return page;
    }),
  );
}

const status = (page: Page) => page.evaluate(() => tab.status());
const token = (page: Page) => page.evaluate(() => tab.token());
async function waitAll(pages: Page[], wanted: string, ms = 3_000) {
  await Promise.all(pages.map((p) => p.waitForFunction((s) => tab.status() === s, wanted, { timeout: ms })));
}
/** Jumps every clock (server and tabs) forward, as if the machine had slept. */
async function jump(pages: Page[], ms: number) {
  serverSkew += ms;
  await Promise.all(pages.map((p) => p.evaluate((d) => tab.skew(d), ms)));
}

describe('cross-tab in real Chromium', () => {
  it('1. five tabs with an expired token firing 20 requests each at once: 1 refresh, 0 reuse, 100 successes, one token', async () => {
    await start();
    const tabs = await openTabs(5);
    await tabs[0]!.evaluate(() => tab.login());
    await waitAll(tabs, 'authenticated');
    server.resetCounters();
    await jump(tabs, 120_000); // every tab's access token is now expired by its exp
    const results = await Promise.all(tabs.map((p) => p.evaluate(() => tab.fire(20))));
    const refreshes = server.seen.filter((r) => r.path === '/refresh').map((r) => r.body.slice(-8));
    expect(results.flat(), `server: ${JSON.stringify(server.counters)} refreshes: ${refreshes.join(',')}`).toEqual(Array(100).fill(200));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.apiExpired).toBe(0);
    expect(server.counters.apiOk).toBe(100);
    const tokens = await Promise.all(tabs.map(token));
    expect(new Set(tokens).size).toBe(1);
    console.info(`[scenario 1] refreshes at the server: ${server.counters.refreshCalls}, successes: ${server.counters.apiOk}`);
  });

  it('2. logout in one tab: every tab is loggedOut within 200 ms, their requests go out without a token (401 as is, no refresh), storage is empty', async () => {
    await start();
    const tabs = await openTabs(4);
    await tabs[0]!.evaluate(() => tab.login());
    await waitAll(tabs, 'authenticated');
    const loggedOutAt = await tabs[0]!.evaluate(() => tab.logout());
    await waitAll(tabs, 'loggedOut', 1_000);
    const delays = await Promise.all(tabs.map((p) => p.evaluate(() => tab.loggedOutAt())));
    const worst = Math.max(...delays.map((t) => (t as number) - loggedOutAt));
    expect(worst).toBeLessThan(200);
    const results = await Promise.all(tabs.map((p) => p.evaluate(() => tab.fire(2))));
    // logged out, the adapter sends requests as fetch would (DESIGN v2): the server answers 401
    expect(results.flat()).toEqual(Array(8).fill(401));
    expect(await Promise.all(tabs.map((p) => p.evaluate(() => tab.stored())))).toEqual([null, null, null, null]);
    expect(server.seen.filter((r) => r.path.startsWith('/api/')).map((r) => r.authorization)).toEqual(Array(8).fill(undefined));
    expect(server.counters.refreshCalls).toBe(0);
    console.info(`[scenario 2] slowest tab logged out ${worst.toFixed(1)} ms after the logout`);
  });

  it('3. login in one tab: the others become authenticated without a login or refresh of their own', async () => {
    await start();
    const tabs = await openTabs(3);
    expect(await Promise.all(tabs.map(status))).toEqual(['loggedOut', 'loggedOut', 'loggedOut']);
    await tabs[1]!.evaluate(() => tab.login());
    await waitAll(tabs, 'authenticated');
    expect(new Set(await Promise.all(tabs.map(token))).size).toBe(1);
    expect(server.counters.logins).toBe(1);
    expect(server.counters.refreshCalls).toBe(0);
    expect((await Promise.all(tabs.map((p) => p.evaluate(() => tab.fire(1))))).flat()).toEqual([200, 200, 200]);
  });

  it('4. a tab closed while it holds the lock mid-refresh: the others still end authenticated within the lock timeout + one refresh', async () => {
    await start({ graceMs: 10_000 });
    const [holder, ...others] = await openTabs(3, '?lockTimeout=3000');
    await holder!.evaluate(() => tab.login());
    await waitAll([holder!, ...others], 'authenticated');
    server.resetCounters();
    server.setFault({ type: 'delay', ms: 5_000 }, 1); // the holder's refresh hangs at the server
    void holder!.evaluate(() => tab.refresh()).catch(() => {});
    await new Promise((r) => setTimeout(r, 150)); // the holder has the lock and its request is out
    const waiting = others.map((p) => p.evaluate(() => tab.refresh()));
    await new Promise((r) => setTimeout(r, 150));
    const closedAt = Date.now();
    await holder!.close();
    const suffixes = await Promise.all(waiting);
    const took = Date.now() - closedAt;
    expect(suffixes[0]).toMatch(/^.{4}$/);
    expect(suffixes[1]).toBe(suffixes[0]);
    await waitAll(others, 'authenticated');
    expect(took).toBeLessThan(3_000 + 1_000);
    expect(server.counters.reuseDetections).toBe(0);
    console.info(`[scenario 4] the other tabs were authenticated ${took} ms after the lock holder closed`);
  });

  it('5. a tab whose timers slept past expiry refreshes before its next request goes out', async () => {
    await start();
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${server.url}/tabs.html`);
    await page.waitForFunction(() => typeof (window as { tab?: unknown }).tab === 'object');
    await page.evaluate(() => tab.login());
    server.resetCounters();
    serverSkew += 300_000;
    await page.clock.fastForward(300_000); // the lid was closed for 5 minutes (refresh tokens live 10)
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    // the wake-up alone starts the refresh: no request has been asked for yet
    await expect.poll(() => server.counters.refreshCalls, { timeout: 3_000 }).toBe(1);
    expect(server.counters.apiCalls).toBe(0);
    expect(await page.evaluate(() => tab.fire(3))).toEqual([200, 200, 200]);
    expect(server.counters.apiExpired).toBe(0);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('6. a React app in StrictMode opened in 3 tabs with an expired stored token makes exactly 1 refresh', async () => {
    await start();
    const [first] = await openTabs(1);
    await first!.evaluate(() => tab.login());
    await first!.close();
    server.resetCounters();
    serverSkew += 120_000;
    const pages = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const page = await context.newPage();
        await page.goto(`${server.url}/strict.html?skew=120000`);
        return page;
      }),
    );
    const texts = () => Promise.all(pages.map((p) => p.locator('ul').innerText()));
    await expect
      .poll(async () => (await texts()).join(' | ').replaceAll('\n', ', '), { timeout: 10_000 })
      .toBe(Array(3).fill('authenticated 200, authenticated 200, authenticated 200').join(' | '));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.apiExpired).toBe(0);
    expect(new Set(await Promise.all(pages.map(token)))).toHaveProperty('size', 1);
  });

  it('keeps tabs in sync through the storage event where BroadcastChannel is missing', async () => {
    await start();
    const tabs = await openTabs(2, '?nobc=1');
    await tabs[0]!.evaluate(() => tab.login());
    await waitAll(tabs, 'authenticated');
    await tabs[1]!.evaluate(() => tab.logout());
    await waitAll(tabs, 'loggedOut');
    expect(server.counters.logins).toBe(1);
  });
});
