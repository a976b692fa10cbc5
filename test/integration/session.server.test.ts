import { describe, expect, it, vi } from 'vitest';
import { isSessionError, type SessionError } from '../../src/index.js';
import { authServer, jumpClock } from '../helpers/server.js';
import {
  STORAGE_KEY,
  inMemoryWebStorage,
  messagesOf,
  refreshRequests,
  sessionErrorOf,
  sleep,
  startSession,
  wholeTokensIn,
} from '../helpers/integration.js';

// The whole session (statechart, refresh cycle, jsonRefresh, webStorage) against the real
// auth server: concurrency, clock skew, the refresh rate limit and broken storage.

type Server = Awaited<ReturnType<typeof authServer>>;

/** Calls a protected API route of the server with `token`, as an app would. */
async function callApi(server: Server, token: string, path = '/api/me') {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('many callers, one refresh', () => {
  it('100 concurrent getAccessToken() calls with an expired access token cause exactly one refresh, and all get the same new token', async () => {
    const clock = jumpClock();
    const server = await authServer({ accessTtl: 60, now: clock.now });
    const { session, web, status } = startSession(server, { now: clock.now });
    const login = await server.login();
    session.login(login);

    clock.advance(61_000); // the laptop lid was closed past the token's expiry
    expect(await callApi(server, login.accessToken)).toBe(401);

    const calls = Array.from({ length: 100 }, () => session.getAccessToken());
    expect(session.getSnapshot().pending).toBe(100);
    expect(status()).toBe('refreshing');
    const tokens = await Promise.all(calls);

    expect(new Set(tokens).size).toBe(1);
    const [token] = tokens as [string];
    expect(token).not.toBe(login.accessToken);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.refreshConcurrency).toBe(1);
    expect(status()).toBe('authenticated');
    expect(session.getSnapshot().pending).toBe(0);
    expect(web.tokens()?.accessToken).toBe(token);
    expect(await callApi(server, token)).toBe(200);

    // The token is good for a while: later callers get it without another refresh.
    await expect(session.getAccessToken()).resolves.toBe(token);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a 401 for a token that was already replaced resolves the current token without another refresh', async () => {
    const server = await authServer({ accessTtl: 60 });
    const { session, web, status } = startSession(server);
    const login = await server.login();
    session.login(login);
    const current = await session.refresh();

    await expect(session.tokenRejected(login.accessToken)).resolves.toBe(current);

    expect(server.counters.refreshCalls).toBe(1);
    expect(status()).toBe('authenticated');
    expect(web.tokens()?.accessToken).toBe(current);
    expect(await callApi(server, current)).toBe(200);
  });

  it('a refresh answer that arrives after logout is ignored: storage stays empty and the session stays logged out', async () => {
    const server = await authServer({ accessTtl: 60 });
    // the refresh request as the session's fetch sees it: how it settled
    const requests: Array<Promise<string>> = [];
    const watched: typeof fetch = (input, init) => {
      const response = fetch(input, init);
      requests.push(response.then((r) => r.clone().text().then(() => `answered ${r.status}`), () => (init?.signal?.aborted ? 'abandoned' : 'failed')));
      return response;
    };
    const { session, web, status, loggedOut } = startSession(server, { refreshTimeout: 2_000, refreshOptions: { fetch: watched } });
    const login = await server.login();
    session.login(login);
    server.setFault({ type: 'delay', ms: 300 }, 1);

    const pending = session.refresh();
    await vi.waitFor(() => expect(server.counters.refreshCalls).toBe(1), { timeout: 2_000, interval: 10 });
    session.logout();

    const error = await sessionErrorOf(pending);
    expect(error.kind).toBe('logged-out');
    // The server answers (and rotates the refresh token) after the logout; the session had
    // abandoned the request, so the answer never reaches it.
    await vi.waitFor(() => expect(server.counters.refreshOk).toBe(1), { timeout: 5_000, interval: 10 });
    expect(await Promise.all(requests)).toEqual(['abandoned']);
    expect(server.counters.refreshCalls).toBe(1);
    expect(status()).toBe('loggedOut');
    expect(session.getSnapshot().accessToken).toBeNull();
    expect(web.raw()).toBeNull();
    expect(web.writes).toHaveLength(1); // the login only
    expect(loggedOut).toEqual([null]);
  });
});

describe('clock skew between this machine and the auth server', () => {
  it('with the server clock 10 minutes behind, an access token that looks expired at login costs one refresh, which corrects the clock', async () => {
    const skew = -10 * 60_000;
    const server = await authServer({ accessTtl: 60, now: () => Date.now() + skew });
    const { session, web, status } = startSession(server, { now: () => Date.now() });
    const login = await server.login();
    // rule 9: at login, exp is taken as is (the tokens may be old) — here it lies 9 minutes in this clock's past
    session.login(login);
    expect(status()).toBe('refreshing');
    const token = await session.getAccessToken();
    expect(server.counters.refreshCalls).toBe(1);
    /** True expiry of the current token on this machine's clock. */
    const trueExpiry = Number(session.getSnapshot().claims?.exp) * 1000 - skew;
    expect(Math.abs((session.getSnapshot().expiresAt ?? 0) - trueExpiry)).toBeLessThan(2_000);
    expect(Math.abs((session.getSnapshot().expiresAt ?? 0) - (Date.now() + 60_000))).toBeLessThan(2_000);
    expect(web.tokens()?.expiresAt).toBe(session.getSnapshot().expiresAt);
    await sleep(1_200);
    expect(server.counters.refreshCalls).toBe(1); // no loop
    expect(status()).toBe('authenticated');
    await expect(session.getAccessToken()).resolves.toBe(token);
    expect(await callApi(server, token)).toBe(200);
  });

  it('with the server clock 10 minutes ahead, login believes exp as is; the first refresh learns the offset from the answer', async () => {
    const skew = 10 * 60_000;
    const server = await authServer({ accessTtl: 60, now: () => Date.now() + skew });
    const { session, web, status } = startSession(server, { now: () => Date.now() });
    const login = await server.login();
    session.login(login);
    expect(status()).toBe('authenticated');
    // not corrected at login: iat is not "now" for tokens an app hands over
    expect(session.getSnapshot().expiresAt).toBe(Number(session.getSnapshot().claims?.exp) * 1000);
    // the one extra refresh a far-off clock costs (here asked for; in an app, the server's 401)
    const token = await session.refresh();
    const trueExpiry = Number(session.getSnapshot().claims?.exp) * 1000 - skew;
    expect(Math.abs((session.getSnapshot().expiresAt ?? 0) - trueExpiry)).toBeLessThan(2_000);
    expect(Math.abs((session.getSnapshot().expiresAt ?? 0) - (Date.now() + 60_000))).toBeLessThan(2_000);
    expect(web.tokens()?.expiresAt).toBe(session.getSnapshot().expiresAt);
    await sleep(1_200);
    expect(server.counters.refreshCalls).toBe(1);
    expect(status()).toBe('authenticated');
    expect(await callApi(server, token)).toBe(200);
  });

  it('with the server clock 1.5 s behind and 2-second tokens, the session refreshes about once a second, not in a loop', async () => {
    // 1.5 s is below the 2 s the session treats as measurement noise; with tokens this short
    // it is not noise. The login comes just after the server's second ticks over, so that the
    // measured offset (1.5 s + the fraction of the server's second) is under 2 s.
    // Time is driven by the test: one clock for both sides (the server's 1.5 s behind), moved
    // in 50 ms steps, each followed by the wake-up a timer would give.
    const skew = -1_500;
    const t0 = Date.parse('2026-03-01T12:00:01.600Z'); // the server's clock reads …:01.100
    let t = t0;
    const server = await authServer({ accessTtl: 2, now: () => t + skew });
    let wake: (reason: 'timer') => void = () => {};
    const refreshedAt: number[] = [];
    const watched: typeof fetch = (input, init) => {
      refreshedAt.push(t - t0);
      return fetch(input, init);
    };
    const { session, status } = startSession(server, {
      now: () => t,
      wake: (notify) => ((wake = notify), () => {}),
      refreshOptions: { fetch: watched },
    });
    /**
     * Resolves once no refresh is running (the background one the last step started); fails at
     * the third request within one step, as the clock does not move meanwhile: a loop.
     */
    const settled = () =>
      new Promise<void>((resolve, reject) => {
        const before = refreshedAt.length;
        const check = () => {
          if (refreshedAt.length - before > 2) reject(new Error(`a refresh loop: ${refreshedAt.length - before} requests at t0 + ${t - t0} ms`));
          else if (status() === 'expiringSoon' || status() === 'refreshing') return false;
          else resolve();
          return true;
        };
        if (check()) return;
        const stop = session.subscribe(() => check() && stop());
      });
    session.login(await server.login());
    const trueExpiry = () => Number(session.getSnapshot().claims?.exp) * 1000 - skew;
    expect(Math.abs((session.getSnapshot().expiresAt ?? 0) - trueExpiry())).toBeLessThan(2_000);

    const errors: string[] = [];
    for (; t - t0 < 2_500; t += 50) {
      wake('timer');
      await session.getAccessToken().catch((error: unknown) => errors.push(isSessionError(error) ? error.kind : String(error)));
      await settled();
    }

    expect([...new Set(errors)]).toEqual([]); // the kinds of error getAccessToken() failed with
    // Login takes exp as is (1.5 s early here): due at once. Every refresh learns the offset
    // from the answer, so each token lives its 2 s, refreshed halfway: once a second.
    expect(refreshedAt).toEqual([0, 1_000, 2_000]);
    expect(server.counters.refreshCalls).toBe(3);
    expect(status()).toBe('authenticated');
  });

  it('a session restored from storage keeps the corrected expiry', async () => {
    const skew = -10 * 60_000;
    const server = await authServer({ accessTtl: 60, now: () => Date.now() + skew });
    const first = startSession(server);
    first.session.login(await server.login());
    await first.session.getAccessToken(); // the login's token looks expired here: one refresh corrects the clock
    expect(server.counters.refreshCalls).toBe(1);
    const expiresAt = first.session.getSnapshot().expiresAt;
    expect(Math.abs((expiresAt ?? 0) - (Date.now() + 60_000))).toBeLessThan(2_000);
    first.session.stop();

    const second = startSession(server, { web: first.web });
    expect(second.status()).toBe('authenticated');
    expect(second.session.getSnapshot().expiresAt).toBe(expiresAt);
    await sleep(300);
    expect(server.counters.refreshCalls).toBe(1);
  });
});

describe('maxRefreshesPerMinute', () => {
  it.each([
    ['an API route that answers 401 to every token', 'always-401'],
    ['an API that refuses every token as soon as it is issued', 'revoked'],
  ] as const)('against %s, the session stops at the limit with kind rate-limited', async (_, mode) => {
    const limit = 3;
    const server = await authServer({ accessTtl: 60 });
    const { session, web, status, loggedOut, warnings } = startSession(server, { maxRefreshesPerMinute: limit });
    const login = await server.login();
    session.login(login);
    if (mode === 'revoked') server.revokeAccessTokens();
    const path = mode === 'always-401' ? '/api/always-401' : '/api/me';

    // The usual app loop: call the API, report a 401, retry with the token the session gives.
    const seenTokens = [login.accessToken];
    let token = await session.getAccessToken();
    let error: SessionError | undefined;
    for (let i = 0; i < 20 && error === undefined; i++) {
      expect(await callApi(server, token, path)).toBe(401);
      try {
        token = await session.tokenRejected(token);
        seenTokens.push(token);
        if (mode === 'revoked') server.revokeAccessTokens();
      } catch (thrown) {
        if (!isSessionError(thrown)) throw thrown;
        error = thrown;
      }
    }

    expect(error?.kind).toBe('rate-limited');
    expect(error?.status).toBeUndefined();
    expect(server.counters.refreshCalls).toBe(limit);
    expect(server.counters.refreshOk).toBe(limit);
    expect(server.counters.apiCalls).toBe(limit + 1);
    expect(new Set(seenTokens).size).toBe(limit + 1);
    expect(status()).toBe('refreshFailed');
    expect(session.getSnapshot().error?.kind).toBe('rate-limited');
    // The tokens of the last refresh are kept: the user is not logged out.
    expect(web.tokens()?.accessToken).toBe(seenTokens[limit]);
    expect(loggedOut).toEqual([]);
    expect(wholeTokensIn([...warnings, ...messagesOf(error)], [...seenTokens, web.tokens()?.refreshToken])).toEqual([]);
  });
});

describe('storage that fails or holds garbage', () => {
  it('storage that throws on every write (quota) keeps the session working in memory, with exactly one warning', async () => {
    const server = await authServer({ accessTtl: 60 });
    const web = inMemoryWebStorage({ failWrites: true });
    const { session, status, warnings, loggedOut } = startSession(server, { web });
    const login = await server.login();

    session.login(login);
    expect(status()).toBe('authenticated');
    const first = await session.refresh();
    const second = await session.refresh();

    expect(second).not.toBe(first);
    expect(status()).toBe('authenticated');
    await expect(session.getAccessToken()).resolves.toBe(second);
    expect(await callApi(server, second)).toBe(200);
    expect(server.counters.refreshOk).toBe(2);
    expect(server.counters.reuseDetections).toBe(0);
    // Each refresh presented the refresh token the previous answer rotated to (kept in memory).
    const presented = refreshRequests(server).map((r) => (JSON.parse(r.body) as { refreshToken: string }).refreshToken);
    expect(presented[0]).toBe(login.refreshToken);
    expect(presented[1]).not.toBe(login.refreshToken);
    expect(web.data.size).toBe(0);
    expect(web.writes).toHaveLength(3); // the login's and each refresh's, all refused
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/QuotaExceededError/);
    expect(warnings[0]).toMatch(/memory/);
    expect(loggedOut).toEqual([]);
    const everyToken = [login.accessToken, login.refreshToken, first, second, ...presented];
    expect(wholeTokensIn(warnings, everyToken)).toEqual([]);
  });

  it('storage that throws on every read and write starts loggedOut with one warning, and a login works in memory', async () => {
    const server = await authServer({ accessTtl: 60 });
    const broken = new DOMException('The operation is insecure.', 'SecurityError');
    const web = inMemoryWebStorage();
    web.storage.getItem = () => {
      throw broken;
    };
    web.storage.setItem = () => {
      throw broken;
    };
    web.storage.removeItem = () => {
      throw broken;
    };
    const { session, status, warnings } = startSession(server, { web });

    expect(status()).toBe('loggedOut');
    const login = await server.login();
    session.login(login);
    const token = await session.refresh();
    await session.refresh();
    session.logout();
    session.login(await server.login());

    expect(token).not.toBe(login.accessToken);
    expect(status()).toBe('authenticated');
    expect(server.counters.refreshOk).toBe(2);
    expect(server.counters.reuseDetections).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/SecurityError/);
    expect(wholeTokensIn(warnings, [login.accessToken, login.refreshToken, token])).toEqual([]);
  });

  const garbage: Array<[string, (real: { accessToken: string; refreshToken?: string }) => string]> = [
    ['text that is not JSON', (real) => `{"accessToken":"${real.accessToken}"`],
    ['a JSON array', (real) => JSON.stringify([real.accessToken, real.refreshToken])],
    ['OAuth field names instead of a token set', (real) => JSON.stringify({ access_token: real.accessToken, refresh_token: real.refreshToken })],
    ['a refresh token that is a number', (real) => JSON.stringify({ accessToken: real.accessToken, refreshToken: 42 })],
    ['an expiry that is a string', (real) => JSON.stringify({ accessToken: real.accessToken, refreshToken: real.refreshToken, expiresAt: 'tomorrow' })],
    [
      'an access token that looks like a JWT but does not decode',
      (real) => JSON.stringify({ accessToken: `eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24tYXQtYWxs.${real.refreshToken ?? 'sig'}`, refreshToken: real.refreshToken }),
    ],
  ];

  it.each(garbage)('storage holding %s starts loggedOut, clears the key and warns once without printing a token', async (_, make) => {
    const server = await authServer({ accessTtl: 60 });
    const real = await server.login();
    const value = make(real);
    const web = inMemoryWebStorage({ initial: { [STORAGE_KEY]: value } });

    const { session, status, warnings, loggedOut } = startSession(server, { web });

    expect(status()).toBe('loggedOut');
    expect(session.getSnapshot().accessToken).toBeNull();
    expect(web.raw()).toBeNull();
    expect(web.data.has(STORAGE_KEY)).toBe(false);
    expect(warnings).toHaveLength(1);
    const error = await sessionErrorOf(session.getAccessToken());
    expect(error.kind).toBe('logged-out');
    expect(server.counters.refreshCalls).toBe(0);
    expect(loggedOut).toEqual([]);
    const jwtLike = (JSON.parse(value.endsWith('}') || value.endsWith(']') ? value : '{}') as { accessToken?: unknown }).accessToken;
    const secrets = [real.accessToken, real.refreshToken, typeof jwtLike === 'string' ? jwtLike : undefined];
    expect(wholeTokensIn([...warnings, ...messagesOf(error)], secrets)).toEqual([]);

    // The session is usable again after a fresh login, and the storage is written whole.
    session.login(await server.login());
    expect(status()).toBe('authenticated');
    expect(web.tokens()?.accessToken).toBe(session.getSnapshot().accessToken);
  });
});
