import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
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
    await page.locator('[aria-current="step"][data-state="session.authenticated"]').waitFor();
    const file = join(screenshotDir(), 'demo.png'); // docs/demo.png only with UPDATE_SCREENSHOTS=1
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(1_000);
    await page.close();
  });
});
