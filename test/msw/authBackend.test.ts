import { decodeJwt, decodeProtectedHeader } from 'jose';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSession, isSessionError, jsonRefresh, jsonRevoke, type Session, type SessionOptions } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';
import { createAuthBackend } from '../../src/msw.js';
import { jumpClock } from '../helpers/server.js';

// The test kit as a user's own test suite would use it: msw/node intercepts fetch, a real
// session (createSession + jsonRefresh + createAuthFetch) talks to the fake backend.
// Polls wait for what a user would see next; the bound is generous for a loaded machine.
const PATIENCE = { timeout: 10_000 };
const API = 'https://api.example.test';
const clock = jumpClock();
const backend = createAuthBackend({ baseUrl: API, now: clock.now, claims: (user) => ({ name: user.toUpperCase() }) });
const server = setupServer(
  http.get(`${API}/api/admin`, backend.protect(({ claims }) => (claims.sub === 'root' ? HttpResponse.json({ secret: 42 }) : HttpResponse.json({ error: 'forbidden' }, { status: 403 })))),
  ...backend.handlers,
);
const sessions: Session[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  for (const s of sessions.splice(0)) s.stop();
  backend.reset();
});
afterAll(() => server.close());

function app(options: Pick<SessionOptions, 'refreshTimeout' | 'revoke' | 'onWarning'> = {}) {
  const session = createSession({
    refresh: jsonRefresh({ url: `${API}/auth/refresh` }),
    now: clock.now,
    retry: { attempts: 0 },
    maxRefreshesPerMinute: 100,
    wake: false,
    onWarning: () => {},
    ...options,
  });
  sessions.push(session);
  const authFetch = createAuthFetch(session, { baseUrl: API });
  return {
    session,
    authFetch,
    async login(username = 'ann') {
      const res = await fetch(`${API}/auth/login`, { method: 'POST', body: JSON.stringify({ username, password: 'pw' }) });
      session.login(await res.json());
    },
    /** Status codes, or the SessionError kind a call rejected with. */
    async call(n = 1, path = '/api/data') {
      const all = await Promise.allSettled(Array.from({ length: n }, (_, i) => authFetch(`${path}?i=${i}`).then((r) => r.status)));
      return all.map((r) => (r.status === 'fulfilled' ? r.value : isSessionError(r.reason) ? r.reason.kind : String(r.reason)));
    },
  };
}

describe('silent-session/msw: a fake auth backend for your tests', () => {
  it('issues real JWTs (HS256) with the user, your claims and the configured lifetime', async () => {
    const { session, login, call } = app();
    await login('ann');
    const token = session.getSnapshot().accessToken as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'ann', name: 'ANN' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect(session.getSnapshot().claims).toMatchObject({ sub: 'ann', name: 'ANN' });
    expect(await call()).toEqual([200]);
    expect(backend.requests.map((r) => [r.route, r.path, r.accessToken === token, r.outcome])).toEqual([
      ['login', '/auth/login', false, 200],
      ['resource', '/api/data', true, 200],
    ]);
  });

  it('login takes the username from a JSON or form body, accepts any password, and falls back to "user"', async () => {
    const subject = async (init: RequestInit) => {
      const res = await fetch(`${API}/auth/login`, { method: 'POST', ...init });
      return decodeJwt(((await res.json()) as { accessToken: string }).accessToken).sub;
    };
    expect(await subject({ body: JSON.stringify({ username: 'ann', password: 'anything' }) })).toBe('ann');
    expect(await subject({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=bob&password=' })).toBe('bob');
    expect(await subject({ body: JSON.stringify({ email: 'cy@example.test' }) })).toBe('user');
    expect(backend.counters.logins).toBe(3);
  });

  it('100 requests after the clock passed expiry: 1 refresh, 0 expired tokens sent, 100 successes', async () => {
    const { login, call } = app();
    await login();
    clock.advance(120_000);
    expect(await call(100)).toEqual(Array(100).fill(200));
    expect(backend.counters).toMatchObject({ refreshes: 1, refreshesOk: 1, expiredTokenRequests: 0, authorizedRequests: 100 });
  });

  it('expireAccessTokens(): requests in flight get 401 once, one refresh, every request replayed and answered', async () => {
    const { session, login, call } = app();
    await login();
    const before = session.getSnapshot().accessToken;
    backend.expireAccessTokens();
    expect(await call(20)).toEqual(Array(20).fill(200));
    expect(backend.counters).toMatchObject({ refreshes: 1, expiredTokenRequests: 20, authorizedRequests: 20 });
    expect(session.getSnapshot().accessToken).not.toBe(before);
  });

  it('revokeSessions(): the refresh is refused, the app is logged out with kind rejected, nothing loops', async () => {
    const { session, login, call } = app();
    await login();
    backend.revokeSessions();
    expect(await call(3)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(backend.counters).toMatchObject({ refreshes: 1, refreshesRejected: 1, resourceRequests: 3, unauthorizedRequests: 3 });
    // logged out, a call goes out as the bare client sends it: without a token, refused, no refresh
    expect(await call()).toEqual([401]);
    expect(backend.counters).toMatchObject({ resourceRequests: 4, unauthorizedRequests: 4, refreshes: 1 });
  });

  it('failNextRefresh("network"): refreshFailed with the tokens kept; the next refresh succeeds', async () => {
    const { session, login, call } = app();
    await login();
    backend.failNextRefresh('network');
    clock.advance(120_000);
    expect(await call()).toEqual(['network']);
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', error: { kind: 'network' } });
    expect(session.getSnapshot().accessToken).toBe(backend.issued[0]?.accessToken);
    expect(await call()).toEqual(['network']); // cooling down (rule 15): the last error at once, no refresh
    clock.advance(1_000); // the first cooldown: 0.5–1 s
    expect(await call()).toEqual([200]);
    expect(backend.counters.refreshes).toBe(2);
    expect(backend.requests.filter((r) => r.route === 'refresh').map((r) => r.outcome)).toEqual(['network-error', 200]);
  });

  it('failNextRefresh(500): an http error the session will retry later, not a logout', async () => {
    const { session, login, call } = app();
    await login();
    backend.failNextRefresh(500);
    clock.advance(120_000);
    expect(await call()).toEqual(['http']);
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', error: { kind: 'http', status: 500 } });
  });

  it('failNextRefresh("error-body"): a 200 whose body says { code: 401 } is not taken for tokens', async () => {
    const { session, login, call } = app();
    await login();
    backend.failNextRefresh('error-body');
    clock.advance(120_000);
    const [outcome] = await call();
    // jsonRefresh reads the body, not only the status: no token is adopted from this answer.
    // Today's kind is invalid-response; contract v2 (rule 4) makes it rejected.
    expect(outcome).toBe(session.getSnapshot().error?.kind);
    expect(['invalid-response', 'rejected']).toContain(outcome);
    expect(backend.requests.filter((r) => r.route === 'resource')).toHaveLength(0);
    expect(backend.counters.refreshesOk).toBe(0);
  });

  it('failNextRefresh("hang"): the server never answers; the session gives up after refreshTimeout', async () => {
    const { session, login, call } = app({ refreshTimeout: 200 });
    await login();
    backend.failNextRefresh('hang');
    clock.advance(120_000);
    expect(await call()).toEqual(['timeout']);
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', error: { kind: 'timeout' } });
    // still unanswered: a late answer would still be applied (the session does not abort it)
    expect(backend.requests.find((r) => r.route === 'refresh')?.outcome).toBe('pending');
  });

  it('counts a reused refresh token and revokes its family: the app’s next refresh is refused', async () => {
    const { session, login } = app();
    await login();
    const stolen = backend.issued[0]?.refreshToken;
    await session.refresh(); // rotation: the first refresh token is spent
    const replay = await fetch(`${API}/auth/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken: stolen }) });
    expect(replay.status).toBe(401);
    expect(backend.counters.reuseDetections).toBe(1);
    const error = await session.refresh().catch((e: unknown) => e);
    expect(isSessionError(error) && error.kind).toBe('rejected');
    expect(session.getSnapshot().status).toBe('loggedOut');
  });

  it('setClockOffset(): a server clock ahead refuses the token; one refresh and a replay fix it', async () => {
    const { login, call } = app();
    await login();
    backend.setClockOffset(61_000);
    expect(await call()).toEqual([200]);
    expect(backend.counters).toMatchObject({ expiredTokenRequests: 1, refreshes: 1, authorizedRequests: 1 });
    const fresh = decodeJwt(backend.issued[1]?.accessToken as string);
    expect(fresh.iat).toBe(Math.floor((clock.now() + 61_000) / 1000));
  });

  it('logout revokes the family the refresh token belongs to', async () => {
    const { login } = app();
    await login();
    const { refreshToken } = backend.issued[0]!;
    await fetch(`${API}/auth/revoke`, { method: 'POST', body: JSON.stringify({ refreshToken }) });
    const res = await fetch(`${API}/auth/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }) });
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([401, 'invalid_grant']);
    expect(backend.counters).toMatchObject({ logouts: 1, refreshesRejected: 1, reuseDetections: 0 });
  });

  it('answers revocation at /auth/revoke by default, the URL of every jsonRevoke example: logout() ends the login at the kit', async () => {
    const warnings: string[] = [];
    const { session, login } = app({ revoke: jsonRevoke({ url: `${API}/auth/revoke` }), onWarning: (message) => warnings.push(message) });
    await login();
    const { refreshToken } = backend.issued[0]!;
    await session.logout();
    expect(warnings).toEqual([]);
    expect(backend.requests.map((r) => [r.route, r.path, r.refreshToken === refreshToken, r.outcome]).at(-1)).toEqual(['logout', '/auth/revoke', true, 200]);
    expect(backend.counters.logouts).toBe(1);
    const res = await fetch(`${API}/auth/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }) });
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([401, 'invalid_grant']);
  });

  it('the two ends a test meets: the kit refusing the refresh is kind rejected, the app logging out is kind logged-out', async () => {
    const { session, login, call } = app();
    await login();
    backend.revokeSessions();
    expect(await call(2)).toEqual(['rejected', 'rejected']); // waiting behind the refused refresh
    expect(session.getSnapshot().error?.kind).toBe('rejected');

    await login();
    backend.hold('refresh');
    clock.advance(120_000);
    const waiting = call(2);
    await expect.poll(() => session.getSnapshot().pending, PATIENCE).toBe(2);
    await session.logout(); // the app's own logout while they wait
    expect(await waiting).toEqual(['logged-out', 'logged-out']);
    expect(session.getSnapshot().error).toBeNull();
    const later = await session.getAccessToken().catch((e: unknown) => (isSessionError(e) ? e.kind : e));
    expect(later).toBe('logged-out'); // a token asked for while logged out
    backend.release('refresh');
  });

  it('hold() keeps refreshes unanswered (callers wait) until release()', async () => {
    const { session, login, call } = app();
    await login();
    backend.hold('refresh');
    clock.advance(120_000);
    const calls = call(3);
    await expect.poll(() => backend.requests.at(-1)?.route, PATIENCE).toBe('refresh');
    expect(backend.requests.at(-1)?.outcome).toBe('pending');
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshing', pending: 3 });
    backend.release('refresh');
    expect(await calls).toEqual([200, 200, 200]);
  });

  it('a held request the app aborts is logged as aborted', async () => {
    const { authFetch, login } = app();
    await login();
    backend.hold('resource');
    const controller = new AbortController();
    const call = authFetch('/api/data', { signal: controller.signal }).catch((e: unknown) => (e as Error).name);
    await expect.poll(() => backend.requests.at(-1)?.route, PATIENCE).toBe('resource');
    controller.abort();
    expect(await call).toBe('AbortError');
    await expect.poll(() => backend.requests.at(-1)?.outcome, PATIENCE).toBe('aborted');
    expect(backend.counters.resourceRequests).toBe(0);
  });

  it('protect() puts your own handlers behind the same token check', async () => {
    const { login, call } = app();
    expect(await call(1, '/api/admin')).toEqual([401]); // logged out: sent without a token, refused
    await login('root');
    expect(await call(1, '/api/admin')).toEqual([200]);
    backend.revokeSessions();
    expect(await call(1, '/api/admin')).toEqual(['rejected']);
    expect(backend.requests.filter((r) => r.path === '/api/admin').map((r) => r.outcome)).toEqual([401, 200, 401]);
  });
});
