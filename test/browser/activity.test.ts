import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { buildPages, launchBrowser } from './harness.js';

// Issue 19.4, DESIGN rule 14: activity is what a person does. In real Chromium, with the page's
// clock driven by the test (page.clock): a page that scrolls itself, or that dispatches input
// events of its own, idles out; a page a person uses (playwright's mouse and keyboard, which
// Chromium delivers as trusted input) stays signed in. Idle timeout 5 s of the page's clock.

interface Act {
  status(): string;
  kind(): string | null;
  notices(): number;
  scrolls(): number;
  startTicker(mode: 'element' | 'page'): void;
  waitScrolls(n: number): Promise<void>;
  fake(): void;
}
declare const act: Act;

const STEP = 400; // the ticker's period
const STEPS = 30; // 12 s of the page's clock: more than twice the idle timeout

let browser: Browser;
let server: AuthServer;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  const pagesDir = await buildPages();
  browser = await launchBrowser();
  server = await startAuthServer({ staticDir: pagesDir });
});
afterAll(async () => {
  await server?.close();
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
});

async function open() {
  context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  page = await context.newPage();
  await page.clock.install();
  await page.goto(`${server.url}/activity.html?idle=5000`);
  await page.waitForFunction(() => typeof (window as { act?: unknown }).act === 'object');
  expect(await page.evaluate(() => act.status())).toBe('authenticated');
}

describe('in Chromium, activity is what a person does', () => {
  for (const mode of ['element', 'page'] as const) {
    it(`a ${mode === 'element' ? 'feed that scrolls itself' : 'page a live feed keeps scrolling'} every 400 ms, nobody at the keyboard: idles out`, async () => {
      await open();
      await page.mouse.move(100, 100); // the person left the pointer over the feed, then walked away
      await page.evaluate((m) => act.startTicker(m), mode);
      let afterInput = 0;
      for (let i = 1; i <= STEPS; i++) {
        await page.clock.runFor(STEP);
        await page.evaluate((n) => act.waitScrolls(n), i); // the browser's scroll event arrived
        // scrolls within a second of the last input may be its own; none after that counts
        if (i === 3) afterInput = await page.evaluate(() => act.notices());
      }
      expect(await page.evaluate(() => [act.status(), act.kind()])).toEqual(['loggedOut', 'idle-timeout']);
      expect(await page.evaluate(() => act.scrolls())).toBeGreaterThanOrEqual(STEPS);
      expect(await page.evaluate(() => act.notices())).toBe(afterInput);
    });
  }

  it('a page that dispatches keydown, pointer, wheel, touch, scroll and visibilitychange events of its own: idles out', async () => {
    await open();
    for (let i = 1; i <= STEPS; i++) {
      await page.clock.runFor(STEP);
      await page.evaluate(() => act.fake());
    }
    expect(await page.evaluate(() => [act.status(), act.kind()])).toEqual(['loggedOut', 'idle-timeout']);
    expect(await page.evaluate(() => act.notices())).toBe(0);
  });

  it('the control: a person who scrolls with the wheel, presses keys and moves the mouse stays signed in, then idles out once they stop', async () => {
    await open();
    for (let i = 1; i <= STEPS; i++) {
      await page.clock.runFor(STEP);
      if (i % 3 === 0) await page.mouse.wheel(0, 40);
      else if (i % 3 === 1) await page.keyboard.press('ArrowDown');
      else await page.mouse.move(100 + i, 100);
    }
    expect(await page.evaluate(() => act.status())).toBe('authenticated');
    expect(await page.evaluate(() => act.notices())).toBeGreaterThanOrEqual(STEPS);
    await page.clock.runFor(5_000 + STEP);
    expect(await page.evaluate(() => [act.status(), act.kind()])).toEqual(['loggedOut', 'idle-timeout']);
  });
});
