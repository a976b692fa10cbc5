import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createSession, jsonRefresh, webStorage, type StorageLike, type TokenSet } from '../../src/index.js';
import { fakeJwt } from '../helpers/refreshStub.js';

// Issue 12.9: an expiry no clock will reach (`expires_in: 1e308`, a JWT `exp: 1e306`,
// `expiresAt: Number.MAX_VALUE`) must not become Infinity: JSON stores Infinity as null, and
// the next page load would read the stored set as garbage and log the user out. Such a token
// simply does not expire by the clock; the value round-trips through webStorage and a reload.

const KEY = 'app.session';

function localStorageLike(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

/** A session over `local`, like one page load. */
function page(local: StorageLike, refresh = async (): Promise<TokenSet> => ({ accessToken: 'never-called-0123456789' })) {
  const warnings: string[] = [];
  const calls = { refresh: 0 };
  const session = createSession({
    refresh: async () => {
      calls.refresh++;
      return refresh();
    },
    storage: webStorage(local, { key: KEY, onWarning: (m) => warnings.push(m) }),
    wake: false,
    onWarning: (m) => warnings.push(m),
  });
  onTestFinished(() => session.stop());
  return { session, warnings, calls };
}

const stored = (local: StorageLike & { map: Map<string, string> }) => local.map.get(KEY) ?? '';

/** No number in the stored JSON is Infinity (written as null) and every expiry field is finite or absent. */
function expectSaneStorage(raw: string) {
  const value = JSON.parse(raw) as Record<string, unknown>;
  for (const field of ['expiresAt', 'expiresIn', 'refreshExpiresAt', 'loginAt']) {
    const v = value[field];
    expect(v === undefined || (typeof v === 'number' && Number.isFinite(v)), `${field} = ${String(v)}`).toBe(true);
  }
}

const CASES: Record<string, TokenSet> = {
  'expiresIn: 1e308': { accessToken: 'opaque-access-0123456789', refreshToken: 'refresh-0123456789', expiresIn: 1e308 },
  'a JWT with exp: 1e306': { accessToken: fakeJwt({ sub: 'alice', exp: 1e306 }), refreshToken: 'refresh-0123456789' },
  'a JWT with exp: 1e306 and iat': { accessToken: fakeJwt({ sub: 'alice', iat: Math.floor(Date.now() / 1000), exp: 1e306 }), refreshToken: 'refresh-0123456789' },
  'expiresAt: Number.MAX_VALUE': { accessToken: 'opaque-access-0123456789', refreshToken: 'refresh-0123456789', expiresAt: Number.MAX_VALUE },
  'refreshExpiresIn: 1e308': { accessToken: 'opaque-access-0123456789', refreshToken: 'refresh-0123456789', expiresIn: 600, refreshExpiresIn: 1e308 },
};

afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
});

describe.each(Object.entries(CASES))('a login with %s', (_, tokens) => {
  it('has no Infinity in the snapshot or in storage, and a reload over the same storage stays authenticated', async () => {
    const local = localStorageLike();
    const first = page(local);
    first.session.login(tokens);
    const snapshot = first.session.getSnapshot();
    expect(snapshot.status).toBe('authenticated');
    expect(snapshot.expiresAt === null || Number.isFinite(snapshot.expiresAt)).toBe(true);
    expectSaneStorage(stored(local));
    first.session.stop();

    const reload = page(local);
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: tokens.accessToken });
    await expect(reload.session.getAccessToken()).resolves.toBe(tokens.accessToken);
    expect(reload.calls.refresh).toBe(0);
    expect(reload.warnings).toEqual([]);
    expect(stored(local)).not.toBe('');
  });

  it('arms no timer that fires early: a month later the token is still used, with no refresh', async () => {
    vi.useFakeTimers();
    const local = localStorageLike();
    const { session, calls } = page(local);
    session.login(tokens);
    await vi.advanceTimersByTimeAsync(30 * 86_400_000);
    // (refreshExpiresIn: 1e308 comes with a 600 s access token, which is refreshed on schedule)
    if (tokens.expiresIn === 600) expect(calls.refresh).toBeGreaterThan(0);
    else expect(calls.refresh).toBe(0);
    expect(session.getSnapshot().status).not.toBe('loggedOut');
  });
});

describe('a refresh answer with expires_in: 1e308, from a real server through jsonRefresh', () => {
  it('is stored finite and survives a reload', async () => {
    let n = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        n++;
        res.writeHead(200, { 'content-type': 'application/json' });
        // JSON.stringify(1e308) is "1e+308"; the server might as well have written "1e308"
        res.end(`{"access_token":"opaque-access-${n}-0123456789","refresh_token":"refresh-${n}-0123456789","expires_in":1e308,"refresh_expires_in":1e308}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/refresh`;

    const local = localStorageLike();
    const make = () => {
      const session = createSession({ refresh: jsonRefresh({ url }), storage: webStorage(local, { key: KEY }), wake: false, onWarning: () => {} });
      onTestFinished(() => session.stop());
      return session;
    };
    const first = make();
    first.login({ accessToken: 'opaque-access-0-0123456789', refreshToken: 'refresh-0-0123456789', expiresIn: 600 });
    const token = await first.refresh();
    expect(token).toBe('opaque-access-1-0123456789');
    expectSaneStorage(stored(local));
    first.stop();

    const reload = make();
    expect(reload.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: token });
    await expect(reload.getAccessToken()).resolves.toBe(token);
    expect(n).toBe(1);
  });
});

describe('a refresh answer whose JWT has an absurd iat', () => {
  it.each([
    ['iat: 1e306', 1e306],
    ['iat: -1e306', -1e306],
    ['an iat after its own exp (year 3000)', 32_503_680_000],
  ])('%s: the token keeps its exp (not "never expires", not refused as expired)', async (_, iat) => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const local = localStorageLike();
    const { session } = page(local, async () => ({ accessToken: fakeJwt({ sub: 'alice', iat, exp }), refreshToken: 'refresh-2-0123456789' }));
    session.login({ accessToken: 'opaque-access-0123456789', refreshToken: 'refresh-0123456789', expiresIn: 600 });
    await expect(session.refresh()).resolves.toEqual(expect.any(String));
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', expiresAt: exp * 1000 });
    expectSaneStorage(stored(local));
  });
});
