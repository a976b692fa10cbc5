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
      const page = await browser.newPage({ viewport: { width: 1500, height: 900 }, deviceScaleFactor: 1.5 });
      await page.goto(`${server.url}/statechart.html`);
      expect(await page.evaluate((s) => (window as unknown as { show(s: string): Promise<string> }).show(s), status)).toBe(status);
      const leaf = status === 'expiringSoon' || status === 'refreshing' ? `session.renewing.token.${status}` : `session.${status}`;
      await page.locator(`[aria-current="step"][data-state="${leaf}"]`).waitFor();
      // one current state per region: the session's (and, while renewing, the attempt's) and the lifetime's
      const current = await page.locator('[aria-current]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
      expect(current.filter((p) => !/^(lifetime\.|session\.renewing\.attempt\.)/.test(p ?? ''))).toEqual([leaf]);
      expect(current.filter((p) => p?.startsWith('lifetime.'))).toEqual(['lifetime.unbounded']);
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
