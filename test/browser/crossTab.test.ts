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
  attempt(): string | null;
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

  it('2. logout in one tab: every tab is loggedOut by the message alone (no timer runs), their requests go out without a token (401 as is, no refresh), storage is empty', async () => {
    await start();
    await context.clock.install();
    const tabs = await openTabs(4);
    await tabs[0]!.evaluate(() => tab.login());
    await waitAll(tabs, 'authenticated');
    // From here on no timer fires in any tab: what happens comes from the logout message.
    await context.clock.pauseAt((await tabs[0]!.evaluate(() => Date.now())) + 1_000);
    const loggedOutAt = await tabs[0]!.evaluate(() => tab.logout());
    await expect.poll(() => Promise.all(tabs.map(status))).toEqual(['loggedOut', 'loggedOut', 'loggedOut', 'loggedOut']);
    // the same instant on the stopped clock in every tab
    expect(await Promise.all(tabs.map((p) => p.evaluate(() => tab.loggedOutAt())))).toEqual([loggedOutAt, loggedOutAt, loggedOutAt, loggedOutAt]);
    const results = await Promise.all(tabs.map((p) => p.evaluate(() => tab.fire(2))));
    // logged out, the adapter sends requests as fetch would (DESIGN v2): the server answers 401
    expect(results.flat()).toEqual(Array(8).fill(401));
    expect(await Promise.all(tabs.map((p) => p.evaluate(() => tab.stored())))).toEqual([null, null, null, null]);
    expect(server.seen.filter((r) => r.path.startsWith('/api/')).map((r) => r.authorization)).toEqual(Array(8).fill(undefined));
    expect(server.counters.refreshCalls).toBe(0);
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

  it('4. a tab closed while it holds the lock mid-refresh: the others still end authenticated before their lock timeout, with one refresh', async () => {
    await start({ graceMs: 10_000 });
    await context.clock.install();
    const [holder, ...others] = await openTabs(3, '?lockTimeout=3000');
    await holder!.evaluate(() => tab.login());
    await waitAll([holder!, ...others], 'authenticated');
    server.resetCounters();
    server.setFault({ type: 'delay', ms: 5_000 }, 1); // the holder's refresh hangs at the server
    void holder!.evaluate(() => tab.refresh()).catch(() => {});
    // the holder has the lock and its request is out
    await expect.poll(() => server.counters.refreshCalls).toBe(1);
    // Time now moves only when the test says (every tab shares the context's clock).
    await context.clock.pauseAt((await holder!.evaluate(() => Date.now())) + 1_000);
    const waiting = others.map((p) => p.evaluate(() => tab.refresh()));
    await expect.poll(() => Promise.all(others.map((p) => p.evaluate(() => tab.attempt())))).toEqual(['waitingForLock', 'waitingForLock']);
    await holder!.close();
    // The lock is free at once: the first tab to get it gives the holder's tab a moment to
    // store an answer (1 s), then sends its own request; the other adopts that answer.
    let advanced = 0;
    while (server.counters.refreshCalls < 2) {
      expect(advanced, 'no refresh was sent before the lock timeout').toBeLessThan(3_000);
      await context.clock.runFor(100);
      advanced += 100;
    }
    const suffixes = await Promise.all(waiting);
    expect(suffixes[0]).toMatch(/^.{4}$/);
    expect(suffixes[1]).toBe(suffixes[0]);
    await context.clock.resume();
    await waitAll(others, 'authenticated');
    expect(server.counters.refreshCalls).toBe(2); // the holder's, and one for both other tabs
    expect(server.counters.reuseDetections).toBe(0);
    console.info(`[scenario 4] the other tabs sent their refresh ${advanced} ms (on their clock) after the lock holder closed`);
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
