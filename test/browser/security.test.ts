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
  setupRelative(anchored?: boolean): string[];
  setupEndpoints(kind: 'json' | 'oauth'): void;
  setupAt(refreshUrl: string, revokeUrl: string): void;
  refresh(): Promise<string>;
  logout(): Promise<string | undefined>;
  clearBase(): string;
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

// DESIGN rule 5 (v3): where a credential may go is fixed from the page's own location and the
// absolute URLs the app configured, never from document.baseURI. An injected <base href> (HTML
// injection without script) must not make the attacker's origin the allowed one, whether it is
// in the page before the client is created or added after. Relative requests then go where the
// browser resolves them (the attacker's origin), but bare.
describe('in Chromium, with a relative base URL and an injected <base href> on another origin', () => {
  const requests = (p: ProbeServer) => p.seen.filter((r) => r.method !== 'OPTIONS');

  it.each(['before', 'after'] as const)('sends no token there from any client, <base> injected %s the clients were created', async (when) => {
    await open();
    const evil = await probe();
    if (when === 'before') await page.evaluate((href) => sec.setBase(href), `${evil.url}/`);
    const clients = await page.evaluate(() => sec.setupRelative());
    expect(await page.evaluate(() => sec.login())).toBe('authenticated');
    if (when === 'after') await page.evaluate((href) => sec.setBase(href), `${evil.url}/`);
    for (const client of clients) await page.evaluate((c) => sec.send(c, 'me'), client);
    // every relative request went where the browser resolved it: to the injected base, bare
    expect(requests(evil).map((r) => [r.path, r.authorization])).toEqual(clients.map(() => ['/api/me', undefined]));
    // the control: without the <base>, the same clients carry the token to the page's origin
    await page.evaluate(() => sec.clearBase());
    for (const client of clients) expect([client, await page.evaluate((c) => sec.send(c, 'me'), client)]).toEqual([client, '200']);
    expect(server.counters.apiOk).toBe(clients.length);
    expect(requests(evil)).toHaveLength(clients.length);
  });

  it('keeps sending the token to the page origin when the base is a URL object or protocol-relative', async () => {
    await open();
    const evil = await probe();
    await page.evaluate((href) => sec.setBase(href), `${evil.url}/`);
    const clients = await page.evaluate(() => sec.setupRelative(true));
    expect(await page.evaluate(() => sec.login())).toBe('authenticated');
    for (const client of clients) expect([client, await page.evaluate((c) => sec.send(c, 'me'), client)]).toEqual([client, '200']);
    expect(requests(evil)).toEqual([]);
    expect(server.counters.apiOk).toBe(clients.length);
  });

  it.each([
    ['json', 'before'],
    ['json', 'after'],
    ['oauth', 'before'],
    ['oauth', 'after'],
  ] as const)('%s refresh and revoke endpoints given relative: the refresh token goes to the page origin only (<base> injected %s creation)', async (kind, when) => {
    await open();
    const evil = await probe();
    if (when === 'before') await page.evaluate((href) => sec.setBase(href), `${evil.url}/`);
    await page.evaluate((k) => sec.setupEndpoints(k), kind);
    expect(await page.evaluate(() => sec.login())).toBe('authenticated');
    if (when === 'after') await page.evaluate((href) => sec.setBase(href), `${evil.url}/`);
    const outcome = await page.evaluate(() => sec.refresh());
    expect(await page.evaluate(() => sec.logout())).toBe('loggedOut');
    expect(requests(evil)).toEqual([]);
    const at = (path: string) => server.seen.filter((r) => r.method === 'POST' && r.path === path);
    if (kind === 'json') {
      // the real server answered: one rotation, then the revocation of the rotated token
      expect(outcome).toBe('ok');
      expect(server.counters.refreshOk).toBe(1);
      expect(at('/refresh').map((r) => JSON.parse(r.body) as unknown)).toEqual([{ refreshToken: expect.any(String) }]);
      expect(server.counters.revokedFamilies).toBe(1);
    } else {
      // the demo server has no OAuth endpoints (404): what matters is where the grant went
      expect(outcome).toBe('http');
      expect(at('/oauth/token').map((r) => new URLSearchParams(r.body).get('grant_type'))).toEqual(['refresh_token']);
      expect(at('/oauth/revoke').map((r) => new URLSearchParams(r.body).get('token_type_hint'))).toEqual(['refresh_token']);
    }
  });
});

describe('in Chromium, a credential request answered with a redirect to another origin', () => {
  it.each([307, 308, 302])('follows no %i from the refresh or revocation endpoint: the refresh token stays home', async (status) => {
    await open();
    const evil = await probe();
    const api = await probe(); // the configured endpoints, with an open redirect
    const to = (path: string) => `${api.url}/go?status=${status}&to=${encodeURIComponent(`${evil.url}${path}`)}`;
    await page.evaluate(([r, v]) => sec.setupAt(r, v), [to('/steal-refresh'), to('/steal-revoke')] as const);
    expect(await page.evaluate(() => sec.login())).toBe('authenticated');
    expect(await page.evaluate(() => sec.refresh())).toBe('invalid-response');
    expect(await page.evaluate(() => sec.logout())).toBe('loggedOut');
    // the endpoint itself got both requests; nothing went on to the other origin
    expect(api.seen.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/go', '/go']);
    expect(evil.seen).toEqual([]);
  });
});
