import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { buildPages, launchBrowser, screenshotDir } from './harness.js';

const shots = screenshotDir(); // docs/ only with UPDATE_SCREENSHOTS=1
let browser: Browser;
let server: AuthServer;

beforeAll(async () => {
  server = await startAuthServer({ staticDir: await buildPages() });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('SessionStatechart in real Chromium', () => {
  it.each(['loggedOut', 'authenticated', 'expiringSoon', 'refreshing', 'refreshFailed'] as const)(
    'renders the %s state, marks it current, and is saved as a screenshot',
    async (status) => {
      // wide enough for the whole chart at its own size: the labels' 10.5 px text stays legible
      const page = await browser.newPage({ viewport: { width: 2500, height: 1300 }, deviceScaleFactor: 1 });
      await page.goto(`${server.url}/statechart.html`);
      expect(await page.evaluate((s) => (window as unknown as { show(s: string): Promise<string> }).show(s), status)).toBe(status);
      // the current state of every region: the session's, the refresh attempt's, the lifetime's
      const current = {
        loggedOut: ['session.loggedOut'],
        authenticated: ['session.authenticated'],
        expiringSoon: ['session.renewing.token.expiringSoon', 'session.renewing.attempt.running.requesting'],
        refreshing: ['session.renewing.token.refreshing', 'session.renewing.attempt.running.requesting'],
        refreshFailed: ['session.refreshFailed.coolingDown'],
      }[status];
      await page.locator(`[aria-current="step"][data-state="${current[0]}"]`).waitFor();
      const marked = await page.locator('[aria-current]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')));
      expect(marked).toEqual([...current, 'lifetime.unbounded']);
      const html = await page.content();
      expect(html).not.toContain('c2lnbmF0dXJlLXNjcmVlbnNob3Q-Ab12');
      expect(html).not.toContain('rt_screenshot_refresh_token_Zz99');
      const file = join(shots, `statechart-${status}.png`);
      await page.locator('figure').screenshot({ path: file });
      expect(statSync(file).size).toBeGreaterThan(1_000);
      await page.close();
    },
  );
});
