import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../demo/start.js';
import { launchBrowser, screenshotDir } from './harness.js';

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let skew = 0;

beforeAll(async () => {
  demo = await startDemo({ port: 0, now: () => Date.now() + skew });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

/**
 * A moment a second ahead of both the page's clock (installed at real time, running while the
 * pages load) and the server's, the server's clock moved there too: pausing the page there never
 * asks the clock to go back, whatever ran before or however slow the loads were.
 */
async function aheadOfBoth(page: Page): Promise<number> {
  const target = Math.max(await page.evaluate(() => Date.now()), Date.now() + skew) + 1_000;
  skew = target - Date.now();
  return target;
}

describe('npm run demo', () => {
  it('logs in, sleeps past an expiry, fires 50 requests: 1 refresh and 50 successes at the server', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.clock.install();
    await page.goto(demo.url);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByTestId('status').innerText()).toBe('authenticated');

    demo.server.resetCounters();
    skew += 30_000; // the laptop sleeps 30 s: the 20 s access token expires unseen
    await page.clock.fastForward(30_000);
    await page.getByRole('button', { name: 'Fire 50 requests' }).click();
    await page.getByTestId('request-log').getByText('50 requests → 50 × 200').waitFor();
    expect(demo.server.counters.refreshCalls).toBe(1);
    expect(demo.server.counters.apiOk).toBe(50);
    expect(demo.server.counters.apiExpired).toBe(0);
    expect(demo.server.counters.reuseDetections).toBe(0);

    // the page shows the server's own count, and the statechart is back in authenticated
    await expect.poll(() => page.getByTestId('server-refreshes').innerText(), { timeout: 5_000 }).toBe('1');
    // (the session region's state: the chart also marks the lifetime region's current state)
    await page.locator('[aria-current="step"][data-state="session.authenticated"]').waitFor();
    const file = join(screenshotDir(), 'demo.png'); // docs/demo.png only with UPDATE_SCREENSHOTS=1
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(1_000);
    await page.close();
  });

  it('idle for 40 s: a warning counts down; Stay signed in keeps the session; unanswered, it signs out, revoked once at the server', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.clock.install();
    await page.goto(`${demo.url}/?idle=60&warning=20`);
    await expect.poll(() => page.getByTestId('lifetime').innerText()).toMatch(/^Signed out after 60 s without activity in any tab, warned 20 s before/);
    // The page's clock stops (at the server's time) and moves only when told: `forward` moves
    // the page and the server together, so the countdown is read at exact seconds.
    await page.clock.pauseAt(await aheadOfBoth(page));
    const forward = async (ms: number) => {
      skew += ms;
      await page.clock.fastForward(ms);
    };
    const dialog = page.getByRole('alertdialog');
    demo.server.resetCounters();

    await page.getByRole('button', { name: 'Log in' }).click(); // the last activity, for now
    await expect.poll(() => page.getByTestId('status').innerText()).toBe('authenticated');
    await forward(39_000);
    await expect.poll(() => page.getByTestId('status').innerText()).toBe('authenticated');
    expect(await dialog.count()).toBe(0);

    await forward(1_000);
    await expect.poll(() => page.getByTestId('ending').innerText()).toBe("You'll be signed out in 20 s");
    await expect.poll(() => dialog.getByText('You have been inactive for a while.').count()).toBe(1);
    await forward(5_000);
    await expect.poll(() => page.getByTestId('ending').innerText()).toBe("You'll be signed out in 15 s");

    await dialog.getByRole('button', { name: 'Stay signed in' }).click();
    await dialog.waitFor({ state: 'detached' });
    await forward(39_000); // 39 s after the click: still signed in, no warning
    expect(await dialog.count()).toBe(0);
    await expect.poll(() => page.getByTestId('status').innerText()).toBe('authenticated');
    expect(demo.server.counters.revocations).toBe(0);

    await forward(1_000);
    await expect.poll(() => page.getByTestId('ending').innerText()).toBe("You'll be signed out in 20 s");
    await forward(20_000); // nobody answers
    await expect.poll(() => page.getByTestId('status').innerText()).toBe('loggedOut');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('error').innerText()).toBe('last error: idle-timeout');
    await forward(1_000); // the revocation starts a moment after the end (other tabs may have ended it first)
    await expect.poll(() => demo.server.counters.revocations).toBe(1);
    expect(demo.server.counters.revokedFamilies).toBe(1);
    await forward(1_000); // the page polls the server's counters once a second
    await expect.poll(() => page.getByTestId('server-revocations').innerText()).toBe('1');
    await page.close();
  });

  it('two tabs warn together; Sign out in one signs both out at once, with one revocation', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.clock.install(); // one clock for the context's pages (tabs)
    const tabs = [await context.newPage(), await context.newPage()] as const;
    for (const tab of tabs) await tab.goto(`${demo.url}/?idle=60&warning=20`);
    await context.clock.pauseAt(await aheadOfBoth(tabs[0]));
    const forward = async (ms: number) => {
      skew += ms;
      await context.clock.fastForward(ms);
    };
    const [a, b] = tabs;
    demo.server.resetCounters();

    await a.getByRole('button', { name: 'Log in' }).click(); // signs tab B in too
    for (const tab of tabs) await expect.poll(() => tab.getByTestId('status').innerText()).toBe('authenticated');
    await forward(40_000);
    for (const tab of tabs) await expect.poll(() => tab.getByTestId('ending').innerText()).toBe("You'll be signed out in 20 s");

    // reaching for the button inside the warning is not activity: the click lands
    await b.getByRole('alertdialog').getByRole('button', { name: 'Sign out' }).click();
    for (const tab of tabs) {
      await expect.poll(() => tab.getByTestId('status').innerText()).toBe('loggedOut');
      expect(await tab.getByRole('alertdialog').count()).toBe(0);
    }
    await expect.poll(() => demo.server.counters.revocations).toBe(1);
    expect(demo.server.counters.revokedFamilies).toBe(1);
    await context.close();
  });
});
