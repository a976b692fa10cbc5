import { afterEach, describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, jsonRevoke, memoryStorage } from '../../src/index.js';
import { createTokenFamilies, memoryFamilyStore, refreshHandler, revokeHandler, type FamilyStore } from '../../src/server.js';
import { cookieFetch } from '../helpers/server.js';
import { appHandlers, serveApp, type Framework } from './helpers/app.js';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

const COOKIE = /^__Host-refresh=([\w-]{22}\.[\w-]{43}); Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=(\d+)$/;

async function cookieApp(framework: Framework = 'node:http', cookie: { origins?: string[] } = {}) {
  const calls: string[] = [];
  const inner = memoryFamilyStore();
  const store = Object.fromEntries(Object.entries(inner).map(([k, fn]) => [k, (...a: unknown[]) => (calls.push(k), (fn as (...x: unknown[]) => unknown)(...a))])) as unknown as FamilyStore;
  const families = createTokenFamilies({ store });
  const warnings: string[] = [];
  const served = await serveApp(framework, appHandlers({ families, cookie, onWarning: (m) => warnings.push(m) }));
  stops.push(served.close);
  return { ...served, families, calls, warnings };
}

describe.each(['node:http', 'hono', 'express'] as const)('cookie mode through %s', (framework) => {
  it('keeps the refresh token in a __Host- httpOnly cookie: login, a reload (checkSession), rotations, logout', async () => {
    const a = await cookieApp(framework);
    const browser = cookieFetch();
    const res = await browser(`${a.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"alice"}' });
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(COOKIE);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn', 'loginAt', 'refreshExpiresIn', 'tokenType']);

    // a reload: nothing stored, the cookie says whether there is a session
    const storage = memoryStorage();
    const options = { url: `${a.url}/auth/refresh`, credentials: 'include' as const, fetch: browser };
    const session = createSession({ refresh: jsonRefresh(options), revoke: jsonRevoke({ ...options, url: `${a.url}/auth/logout` }), storage, checkSession: true, wake: false });
    stops.push(() => session.stop());
    await session.getAccessToken();
    expect(session.getSnapshot().status).toBe('authenticated');
    await session.refresh();
    expect((await storage.load())?.refreshToken).toBeUndefined();
    const familyId = (await a.families.issue('x')).familyId; // another family, untouched below
    await session.logout();
    const after = await browser(`${a.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(after.status).toBe(401); // the cookie was cleared at logout: nobody is signed in
    expect(((await after.json()) as { error_description: string }).error_description).toMatch(/there is no __Host-refresh cookie/);
    expect(await a.families.status(familyId)).toBe('active');
  });
});

describe('cookie mode refuses what may be a cross-site forgery, before the store sees anything', () => {
  const refused: Array<[string, Record<string, string>, RegExp]> = [
    ['a request from another origin', { 'content-type': 'application/json', origin: 'https://evil.example' }, /another origin \(https:\/\/evil\.example\)/],
    ['a cross-site request without Origin', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, /not same-origin \(Sec-Fetch-Site: cross-site\)/],
    ['a same-site request from another origin', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, /not same-origin/],
    ['a form post (text/plain)', { 'content-type': 'text/plain' }, /needs Content-Type: application\/json/],
    ['a form post (urlencoded)', { 'content-type': 'application/x-www-form-urlencoded' }, /needs Content-Type: application\/json/],
    ['a request without Content-Type (the CSRF header)', {}, /needs Content-Type: application\/json/],
  ];
  it.each(refused)('%s → 403', async (_, headers, why) => {
    const a = await cookieApp();
    const browser = cookieFetch();
    await browser(`${a.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"alice"}' });
    a.calls.length = 0;
    for (const path of ['/auth/refresh', '/auth/logout']) {
      const res = await browser(`${a.url}${path}`, { method: 'POST', headers, body: '{}' });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(why) });
    }
    expect(a.calls).toEqual([]);
    const ok = await browser(`${a.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', origin: a.url }, body: '{}' });
    expect(ok.status).toBe(200); // the same browser, same-origin: still signed in
  });

  it('takes the origins it is told to behind a proxy, and only those', async () => {
    const a = await cookieApp('node:http', { origins: ['https://app.example.com'] });
    const browser = cookieFetch();
    await browser(`${a.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const from = (origin: string) => browser(`${a.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: '{}' });
    expect((await from(a.url)).status).toBe(403);
    expect((await from('https://app.example.com')).status).toBe(200);
  });

  it('refuses a body token that is not the cookie’s (400), takes one that is, and answers no cookie with 401', async () => {
    const a = await cookieApp();
    const browser = cookieFetch();
    const login = await browser(`${a.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const cookieToken = COOKIE.exec(login.headers.getSetCookie()[0] ?? '')?.[1] as string;
    const other = await a.families.issue('mallory');
    a.calls.length = 0;
    const post = (body: string, f: typeof fetch = browser) => f(`${a.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const disagree = await post(JSON.stringify({ refreshToken: other.refreshToken }));
    expect([disagree.status, ((await disagree.json()) as { error_description: string }).error_description]).toEqual([400, expect.stringMatching(/not the one in the __Host-refresh cookie/)]);
    const none = await post(JSON.stringify({ refreshToken: other.refreshToken }), fetch); // no cookie at all
    expect(none.status).toBe(400);
    expect(a.calls).toEqual([]);
    expect((await post(JSON.stringify({ refreshToken: cookieToken }))).status).toBe(200);
    expect((await post('{}', fetch)).status).toBe(401);
  });

  it('clears the cookie of a dead token with the 401', async () => {
    const a = await cookieApp();
    const browser = cookieFetch();
    const login = await browser(`${a.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const token = COOKIE.exec(login.headers.getSetCookie()[0] ?? '')?.[1] as string;
    await a.families.revoke(token);
    const res = await browser(`${a.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual(['__Host-refresh=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0']);
  });
});

describe('cookie settings', () => {
  const families = createTokenFamilies();
  const signAccessToken = async () => ({ accessToken: 'at', expiresIn: 60 });

  it('refuses a __Host- or __Secure- cookie without Secure, naming the development setting', () => {
    expect(() => refreshHandler({ families, signAccessToken, cookie: { secure: false } })).toThrow(/must be Secure; for plain-http development pick another name, e\.g\. cookie: \{ name: 'refresh', secure: false \}/);
    expect(() => revokeHandler({ families, cookie: { name: '__Secure-rt', secure: false } })).toThrow(/must be Secure/);
    expect(() => refreshHandler({ families, signAccessToken, cookie: { name: 'bad name;' } })).toThrow(/cannot be a cookie name/);
  });

  it('sets a plain cookie without Secure when told to (plain-http development)', async () => {
    const { refreshToken } = await families.issue('alice');
    const handler = refreshHandler({ families, signAccessToken, cookie: { name: 'refresh', secure: false } });
    const res = await handler(new Request('http://127.0.0.1:3000/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json', cookie: `refresh=${refreshToken}` }, body: '{}' }));
    expect(res.headers.getSetCookie()[0]).toMatch(/^refresh=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  });

  it('warns once when a page on plain http (not localhost) would never get its Secure cookie back', async () => {
    const warnings: string[] = [];
    const handler = refreshHandler({ families, signAccessToken, cookie: {}, onWarning: (m) => warnings.push(m) });
    const call = (url: string, origin?: string) =>
      handler(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: '{}' }));
    await call('http://127.0.0.1:8080/auth/refresh');
    await call('http://localhost:8080/auth/refresh');
    await call('http://10.0.0.5:8080/auth/refresh', 'https://app.example.com'); // behind a TLS proxy: the page is https
    expect(warnings).toEqual([]);
    await call('http://app.example.com/auth/refresh', 'http://app.example.com');
    await call('http://app.example.com/auth/refresh', 'http://app.example.com');
    expect(warnings).toEqual([expect.stringMatching(/app\.example\.com is plain http, so browsers drop the Secure __Host-refresh cookie .* Serve the app over https, or for development only use cookie: \{ name: 'refresh', secure: false \}/)]);
  });
});
