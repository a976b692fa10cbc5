import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../../demo/server/authServer.js';
import { foreignJwt, startProbeServer, type ProbeServer } from '../helpers/probe.js';
import { buildPages, launchBrowser } from './harness.js';

// DESIGN rule 5 in real Chromium: the page (served by the real auth server) creates each client
// without a base URL, so the page origin is the allowed one. A second server on another port
// plays the attacker: it answers CORS preflights allowing Authorization and records what it gets.

interface Sec {
  setup(options?: { origins?: string[]; renewHeader?: string }): string[];
  login(): Promise<string>;
  loginThrough(client: string): Promise<string>;
  send(client: string, input: string): Promise<string>;
  setBase(href: string): string;
  token(): string | null;
  sub(): string | null;
}
declare const sec: Sec;

let browser: Browser;
let pagesDir: string;
let server: AuthServer;
let context: BrowserContext;
let page: Page;
const probes: ProbeServer[] = [];

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
  await Promise.all(probes.splice(0).map((p) => p.close()));
});

async function open(): Promise<string[]> {
  server = await startAuthServer({ staticDir: pagesDir, accessTtl: 600 });
  context = await browser.newContext();
  page = await context.newPage();
  await page.goto(`${server.url}/security.html`);
  await page.waitForFunction(() => typeof (window as { sec?: unknown }).sec === 'object');
  return page.evaluate(() => sec.setup());
}
async function probe(options: Parameters<typeof startProbeServer>[0] = {}) {
  const p = await startProbeServer(options);
  probes.push(p);
  return p;
}

// Shapes an app builds from user input ("/" + path). HOST is the attacker's host:port.
const SHAPES = [
  '/\\HOST/x',
  '/\t/HOST/x',
  '/\n/HOST/x',
  '/\r/HOST/x',
  '/\t\\HOST/x',
  '\\\\HOST/x',
  ' //HOST/x',
  '//HOST/x',
  'http:\\\\HOST/x',
  'http:/\\HOST/x',
  'HTTP://HOST/x',
  '/\\\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11:PORT/x', // full-width "127.0.0.1"
];

describe('in Chromium, with no base URL (the page origin is allowed)', () => {
  it('sends no token to another origin for any of the odd inputs, with fetch, ky 1, ky 2 and axios', async () => {
    const clients = await open();
    const evil = await probe();
    const host = `127.0.0.1:${evil.port}`;
    const inputs = [...SHAPES.map((s) => s.replace('HOST', host).replace('PORT', String(evil.port))), `http://127.0.0.1:${server.port}\t@${host}/x`];
    for (const client of clients) {
      await page.evaluate(() => sec.setup());
      expect(await page.evaluate(() => sec.login())).toBe('authenticated');
      const from = evil.seen.length;
      for (const input of inputs) await page.evaluate(([c, i]) => sec.send(c, i), [client, input] as const);
      const reached = evil.seen.slice(from).filter((r) => r.method !== 'OPTIONS');
      expect(reached.length).toBeGreaterThanOrEqual(8); // most shapes do reach the other origin
      expect([client, reached.filter((r) => r.authorization !== undefined).length]).toEqual([client, 0]);
      // the control: a path on the page origin gets the token
      expect([client, await page.evaluate((c) => sec.send(c, '/api/me'), client)]).toEqual([client, '200']);
    }
    expect(server.counters.apiOk).toBe(clients.length);
  });

  it('sends no token to where a <base href> on another origin points relative URLs', async () => {
    const clients = await open();
    const evil = await probe();
    for (const client of clients) {
      await page.evaluate(() => sec.setup());
      expect(await page.evaluate(() => sec.login())).toBe('authenticated');
      await page.evaluate((href) => sec.setBase(href), `${evil.url}/`);
      const status = await page.evaluate((c) => sec.send(c, '/api/me'), client);
      expect([client, evil.authorizations().at(-1)]).toEqual([client, undefined]);
      expect([client, status]).toEqual([client, '200']);
      await page.evaluate((href) => sec.setBase(href), `${server.url}/`);
    }
    expect(evil.authorizations()).toEqual(clients.map(() => undefined));
  });

  it('does not adopt a renewed token that another origin answered after an open redirect on an allowed origin', async () => {
    const clients = await open();
    const evil = await probe({ renewToken: await foreignJwt('mallory') });
    const api = await probe(); // an allowed API with an open redirect
    for (const client of clients) {
      await page.evaluate((origins) => sec.setup({ origins, renewHeader: 'x-access-token' }), [api.url]);
      expect(await page.evaluate(() => sec.login())).toBe('authenticated');
      const before = await page.evaluate(() => sec.token());
      const status = await page.evaluate(([c, i]) => sec.send(c, i), [client, `${api.url}/go?to=${encodeURIComponent(`${evil.url}/x`)}`] as const);
      expect([client, status]).toEqual([client, '200']);
      expect([client, await page.evaluate(() => sec.sub()), (await page.evaluate(() => sec.token())) === before]).toEqual([client, 'alice', true]);
    }
    expect(evil.seen.filter((r) => r.method === 'GET')).toHaveLength(clients.length); // each redirect was followed
    expect(api.authorizations().every((a) => a?.startsWith('Bearer '))).toBe(true); // the allowed API got the token
  });

  it('logs in through each client while logged out (the login request goes out bare), then attaches the token', async () => {
    const clients = await open();
    for (const client of clients) {
      await page.evaluate(() => sec.setup());
      expect([client, await page.evaluate((c) => sec.loginThrough(c), client)]).toEqual([client, 'authenticated']);
      expect([client, await page.evaluate((c) => sec.send(c, '/api/me'), client)]).toEqual([client, '200']);
    }
    const logins = server.seen.filter((r) => r.path === '/login');
    expect(logins.map((r) => r.authorization)).toEqual(clients.map(() => undefined));
    expect(server.counters.apiOk).toBe(clients.length);
    expect(server.counters.refreshCalls).toBe(0);
  });
});
