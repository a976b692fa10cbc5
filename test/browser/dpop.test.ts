import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { dpopResourceServer, type DpopResourceServer } from '../helpers/dpopResourceServer.js';
import { buildPages, launchBrowser } from './harness.js';

// The DPoP key in real Chromium with the default IndexedDB store: its private half cannot be
// exported by anyone (a script in the page reads the stored pair and tries); it is the same
// after a reload and in every tab of the profile; and proofs Chromium signs are accepted by the
// verifying resource server, while the token taken out of the page is refused without the key.

interface Raw {
  privateType: string;
  extractable: boolean;
  usages: string[];
  exportJwk: string;
  exportPkcs8: string;
  wrap: string;
  publicSpki: string;
}
interface Dp {
  secure(): boolean;
  kind(): string;
  thumbprint(): Promise<string>;
  rotate(): Promise<string>;
  clear(): Promise<void>;
  reload(): void;
  warnings(): string[];
  squat(): Promise<number>;
  proof(method: string, url: string, accessToken?: string): Promise<string>;
  raw(): Promise<Raw | null>;
  call(url: string, token: string, method?: string): Promise<{ status: number; body: unknown; proof: string }>;
}
declare const dp: Dp;
interface Ds {
  thumbprintFor(name: string): Promise<string>;
  seed(accessToken: string): void;
  start(rs: string, shared: boolean): string;
  login(accessToken: string): void;
  storm(client: 'ky' | 'fetch' | 'axios', n: number): Promise<number[]>;
  snapshot(): { status: string; tokenType: string; nonceRetry: unknown };
  token(): string | null;
}
declare const ds: Ds;

let browser: Browser;
let pagesDir: string;
let server: AuthServer;
let context: BrowserContext;
let rs: DpopResourceServer | undefined;

beforeAll(async () => {
  pagesDir = await buildPages();
  browser = await launchBrowser();
  server = await startAuthServer({ staticDir: pagesDir });
});
afterAll(async () => {
  await server?.close();
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  await rs?.close();
  rs = undefined;
});

async function tab(ctx = context): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${server.url}/dpop.html`);
  await page.waitForFunction(() => typeof (window as { dp?: unknown }).dp === 'object');
  return page;
}
async function fresh(): Promise<Page> {
  context = await browser.newContext();
  return tab();
}
const thumbprint = (page: Page) => page.evaluate(() => dp.thumbprint());

describe('the DPoP key in Chromium', () => {
  it('lives in IndexedDB, and its private half cannot be exported (jwk, pkcs8, wrapKey) by a script that reads it from there', async () => {
    const page = await fresh();
    expect(await page.evaluate(() => [dp.secure(), dp.kind()])).toEqual([true, 'indexedDB']);
    expect(await page.evaluate(() => dp.raw())).toBeNull(); // no key before it is needed
    await thumbprint(page);
    expect(await page.evaluate(() => dp.raw())).toEqual({
      privateType: 'private',
      extractable: false,
      usages: ['sign'],
      exportJwk: 'InvalidAccessError',
      exportPkcs8: 'InvalidAccessError',
      wrap: 'InvalidAccessError',
      publicSpki: 'exported',
    });
    expect(await page.evaluate(() => dp.warnings())).toEqual([]);
  });

  it('uses a database another script created first without its object store (repaired, not abandoned)', async () => {
    const page = await fresh();
    expect(await page.evaluate(() => dp.squat())).toBe(1);
    const print = await thumbprint(page);
    expect(await page.evaluate(() => [dp.kind(), dp.warnings()])).toEqual(['indexedDB', []]);
    expect(await page.evaluate(() => dp.raw())).toMatchObject({ extractable: false });
    await page.reload();
    await page.waitForFunction(() => typeof (window as { dp?: unknown }).dp === 'object');
    expect(await thumbprint(page)).toBe(print);
  });

  it('is the same key after a reload', async () => {
    const page = await fresh();
    const before = await thumbprint(page);
    await page.reload();
    await page.waitForFunction(() => typeof (window as { dp?: unknown }).dp === 'object');
    expect(await thumbprint(page)).toBe(before);
  });

  it('is the same key in a second tab, and two tabs that need a key at the same moment make one', async () => {
    context = await browser.newContext();
    const [a, b, c] = await Promise.all([tab(), tab(), tab()]);
    const prints = await Promise.all([a, b, c].map((p) => thumbprint(p)));
    expect(new Set(prints).size).toBe(1);
    const later = await tab();
    expect(await thumbprint(later)).toBe(prints[0]);
  });

  it('another browser profile (context) has a key of its own', async () => {
    const first = await thumbprint(await fresh());
    const other = await browser.newContext();
    try {
      expect(await thumbprint(await tab(other))).not.toBe(first);
    } finally {
      await other.close();
    }
  });

  it('rotate() in one tab is seen by another after reload(); clear() deletes it from IndexedDB', async () => {
    context = await browser.newContext();
    const [a, b] = [await tab(), await tab()];
    const old = await thumbprint(b);
    const rotated = await a.evaluate(() => dp.rotate());
    expect(rotated).not.toBe(old);
    expect(await thumbprint(b)).toBe(old); // b still holds the key it loaded
    await b.evaluate(() => dp.reload());
    expect(await thumbprint(b)).toBe(rotated);
    await a.evaluate(() => dp.clear());
    expect(await b.evaluate(() => dp.raw())).toBeNull();
    const next = await thumbprint(await tab());
    expect([old, rotated]).not.toContain(next);
  });
});

describe('proofs signed by Chromium at the verifying resource server', () => {
  it('are accepted; the token taken out of the page is refused without the key, and a proof taken with it is good once', async () => {
    const page = await fresh();
    rs = await dpopResourceServer({ cors: true });
    const token = await rs.mint(await thumbprint(page));
    const url = `${rs.url}me?from=page`;
    for (const method of ['GET', 'POST', 'DELETE']) {
      const answer = await page.evaluate(([u, t, m]) => dp.call(u, t, m), [url, token, method] as const);
      expect(answer.status, method).toBe(200);
    }
    const { proof } = await page.evaluate(([u, t]) => dp.call(u, t), [url, token] as const);
    // the thief has the token and a proof it saw go by, but not the key
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } })).status).toBe(401);
    expect(rs.log.map((s) => s.verdict)).toEqual(['ok', 'ok', 'ok', 'ok', 'bearer', 'jti-replay']);
  });

  it('follow the resource server’s nonce after one challenge', async () => {
    const page = await fresh();
    rs = await dpopResourceServer({ cors: true, requireNonce: true });
    const token = await rs.mint(await thumbprint(page));
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await page.evaluate(([u, t]) => dp.call(u, t), [`${rs.url}n/${i}`, token] as const)).status);
    expect(statuses).toEqual([401, 200, 200]); // the page's caller retries; here the next call carries the nonce
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce', 'ok', 'ok']);
  });
});

describe('a DPoP session in Chromium (createSession({ dpop }) with ky, fetch and axios)', () => {
  it.for(['ky', 'fetch', 'axios'] as const)('%s: a storm of 100 requests across an expiry: 1 refresh with a proof, 0 expired-token requests, every proof accepted; the copied token is refused without the key', async (client) => {
    const page = await fresh();
    rs = await dpopResourceServer({ cors: true, issuer: { ttl: 300 } });
    const rsUrl = rs.url;
    await page.evaluate(([u]) => ds.start(u, false), [rsUrl] as const);
    const expired = await rs.mint(await page.evaluate(() => ds.thumbprintFor('silent-session')), 'alice', -60);
    await page.evaluate(([t]) => ds.login(t), [expired] as const);
    const statuses = await page.evaluate(([c]) => ds.storm(c, 100), [client] as const);
    expect(statuses).toEqual(Array(100).fill(200));
    expect(rs.refreshes).toEqual(['ok']);
    expect(rs.verdicts()).toEqual({ ok: 100 });
    expect(await page.evaluate(() => ds.snapshot())).toEqual({ status: 'authenticated', tokenType: 'DPoP', nonceRetry: null });
    expect(await page.evaluate(() => dp.warnings())).toEqual([]);

    // a script copies the token out of the page; without the key it is worth nothing elsewhere
    const stolen = (await page.evaluate(() => ds.token())) as string;
    const url = `${rsUrl}${client}/0`;
    expect((await fetch(url, { headers: { authorization: `Bearer ${stolen}` } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `DPoP ${stolen}` } })).status).toBe(401);
    expect(rs.log.slice(-2).map((s) => s.verdict)).toEqual(['bearer', 'proof-count']);
  });

  it('two tabs with the stored expired token firing 50 requests each: one refresh between them (the key shared through IndexedDB), every proof accepted', async () => {
    context = await browser.newContext();
    const [a, b] = [await tab(), await tab()];
    rs = await dpopResourceServer({ cors: true, issuer: { ttl: 300 } });
    const rsUrl = rs.url;
    const jkt = await a.evaluate(() => ds.thumbprintFor('app.session'));
    expect(await b.evaluate(() => ds.thumbprintFor('app.session'))).toBe(jkt);
    const expired = await rs.mint(jkt, 'alice', -60);
    await a.evaluate(([t]) => ds.seed(t), [expired] as const);
    await Promise.all([a, b].map((p) => p.evaluate(([u]) => ds.start(u, true), [rsUrl] as const)));
    const results = await Promise.all([a.evaluate(() => ds.storm('fetch', 50)), b.evaluate(() => ds.storm('axios', 50))]);
    expect(results.flat()).toEqual(Array(100).fill(200));
    expect(rs.refreshes).toEqual(['ok']);
    expect(rs.verdicts()).toEqual({ ok: 100 });
  });
});
