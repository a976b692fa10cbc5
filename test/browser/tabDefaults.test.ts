import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { buildPages, launchBrowser } from './harness.js';

// Issue 20 item 10, in real Chromium: tabs wired as the quick start wires them —
// `storage: webStorage(localStorage, { key })` and no `sync` or `lock` — are safe, because both
// default to that key (BroadcastChannel and Web Locks). Two pages of one context are two tabs.

interface Tab {
  login(username: string): Promise<void>;
  logout(): void;
  status(): string;
  user(): string | null;
  storedUser(): string | null;
  skew(ms: number): void;
  refresh(): Promise<string>;
  fire(n: number): Promise<Array<number | string>>;
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
afterEach(async () => {
  await context?.close();
  await server?.close();
});

async function start() {
  serverSkew = 0;
  server = await startAuthServer({ staticDir: pagesDir, accessTtl: 60, now: () => Date.now() + serverSkew });
  context = await browser.newContext();
}
async function openTabs(n: number): Promise<Page[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const page = await context.newPage();
      await page.goto(`${server.url}/defaults.html`);
      await page.waitForFunction(() => typeof (window as { tab?: unknown }).tab === 'object');
      return page;
    }),
  );
}
const waitAll = (pages: Page[], wanted: string) => Promise.all(pages.map((p) => p.waitForFunction((s) => tab.status() === s, wanted, { timeout: 5_000 })));

describe('tabs wired as the quick start wires them (webStorage only) in real Chromium', () => {
  it('the stale-tab scenario: alice’s old tab, whose refresh is refused after bob logged in elsewhere, follows the logout and bob’s login, and bob’s reload is bob', async () => {
    await start();
    const [old, other] = await openTabs(2);
    await old!.evaluate(() => tab.login('alice'));
    await waitAll([old!, other!], 'authenticated');
    server.resetCounters();
    let open = () => {};
    server.setFault({ type: 'gate', open: new Promise<void>((resolve) => (open = resolve)) }, 1);
    const refreshing = old!.evaluate(() => tab.refresh()); // held at the server
    await expect.poll(() => server.counters.refreshCalls).toBe(1);
    await other!.evaluate(() => tab.logout());
    server.revokeAll(); // alice's login is over at the server: her refresh token is refused
    await other!.evaluate(() => tab.login('bob'));
    await expect.poll(() => old!.evaluate(() => tab.user())).toBe('bob');
    open(); // the old refresh is answered now: refused
    expect(await refreshing).toBe('logged-out');
    await expect.poll(() => server.counters.refreshRejected).toBe(1);
    expect(await Promise.all([old, other].map((p) => p!.evaluate(() => [tab.status(), tab.user(), tab.storedUser()])))).toEqual([
      ['authenticated', 'bob', 'bob'],
      ['authenticated', 'bob', 'bob'],
    ]);
    const [reload] = await openTabs(1);
    await waitAll([reload!], 'authenticated');
    expect(await reload!.evaluate(() => tab.user())).toBe('bob');
    expect(server.counters.logins).toBe(1); // bob's (the counters were reset after alice's)
    expect(await old!.evaluate(() => tab.warnings())).toEqual([]);
  });

  it('three tabs with an expired token firing 10 requests each: 1 refresh, 0 reuse, 30 successes', async () => {
    await start();
    const tabs = await openTabs(3);
    await tabs[0]!.evaluate(() => tab.login('alice'));
    await waitAll(tabs, 'authenticated');
    server.resetCounters();
    serverSkew += 120_000;
    await Promise.all(tabs.map((p) => p.evaluate(() => tab.skew(120_000))));
    const results = await Promise.all(tabs.map((p) => p.evaluate(() => tab.fire(10))));
    expect(results.flat()).toEqual(Array(30).fill(200));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.apiExpired).toBe(0);
    expect(new Set(await Promise.all(tabs.map((p) => p.evaluate(() => tab.user()))))).toEqual(new Set(['alice']));
    expect((await Promise.all(tabs.map((p) => p.evaluate(() => tab.warnings())))).flat()).toEqual([]);
  });
});
