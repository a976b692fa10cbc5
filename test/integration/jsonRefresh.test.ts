import { describe, expect, it, vi } from 'vitest';
import { jsonRefresh, type TokenSet } from '../../src/index.js';
import { authServer, cookieFetch } from '../helpers/server.js';
import {
  inMemoryWebStorage,
  messagesOf,
  refreshRequests,
  sessionErrorOf,
  startSession,
  wholeTokensIn,
} from '../helpers/integration.js';

// jsonRefresh and the session against the real auth server (node:http + jose on 127.0.0.1):
// only the server's fault switches make it misbehave. Every test checks the error kind, what
// storage holds afterwards, the session status and the server's own counters.

type LoginAnswer = Awaited<ReturnType<Awaited<ReturnType<typeof authServer>>['login']>>;

/** A logged-in session against a fresh server. */
async function loggedIn(options: Parameters<typeof startSession>[1] = {}, serverOptions: Parameters<typeof authServer>[0] = {}) {
  const server = await authServer({ accessTtl: 60, ...serverOptions });
  const s = startSession(server, options);
  const login = await server.login();
  s.session.login(login);
  return { server, ...s, login };
}

/** A promise the test settles when it wants: the server holds a request until then. */
function opened() {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The stored token set must be exactly the one handed out at login. */
function expectLoginTokensKept(stored: TokenSet | null, login: LoginAnswer) {
  expect(stored?.accessToken).toBe(login.accessToken);
  expect(stored?.refreshToken).toBe(login.refreshToken);
}

describe('transient refresh failures keep the user signed in', () => {
  it.each([500, 503, 429])(
    'a refresh answered with HTTP %i is retried retry.attempts more times, then ends in refreshFailed with the tokens kept',
    async (status) => {
      const { server, session, web, status: sessionStatus, loggedOut, login, warnings } = await loggedIn({
        retry: { attempts: 2, backoff: () => 20 },
      });
      server.setFault({ type: 'status', status });

      const error = await sessionErrorOf(session.refresh());

      expect(error.kind).toBe('http');
      expect(error.status).toBe(status);
      expect(server.counters.refreshCalls).toBe(3); // the first try plus 2 retries
      expect(server.counters.refreshOk).toBe(0);
      expect(sessionStatus()).toBe('refreshFailed');
      expect(session.getSnapshot().error?.kind).toBe('http');
      expect(session.getSnapshot().accessToken).toBe(login.accessToken);
      expectLoginTokensKept(web.tokens(), login);
      expect(loggedOut).toEqual([]);
      expect(wholeTokensIn([...warnings, ...messagesOf(error)], [login.accessToken, login.refreshToken])).toEqual([]);

      // The server recovers: the kept refresh token still works.
      server.setFault(null);
      const token = await session.refresh();
      expect(token).not.toBe(login.accessToken);
      expect(sessionStatus()).toBe('authenticated');
      expect(web.tokens()?.accessToken).toBe(token);
      expect(server.counters.refreshOk).toBe(1);
    },
  );

  it('a dropped connection is a network error: retried, then refreshFailed with the tokens kept', async () => {
    const { server, session, web, status, loggedOut, login } = await loggedIn({ retry: { attempts: 2, backoff: () => 20 } });
    server.setFault({ type: 'drop' });

    const error = await sessionErrorOf(session.refresh());

    expect(error.kind).toBe('network');
    expect(error.status).toBeUndefined();
    expect(server.counters.refreshCalls).toBe(3);
    expect(server.counters.refreshOk).toBe(0);
    expect(status()).toBe('refreshFailed');
    expectLoginTokensKept(web.tokens(), login);
    expect(loggedOut).toEqual([]);
  });

  it('a refresh that never answers times out after refreshTimeout, and the hung request is never sent a second time', async () => {
    // jsonRefresh's own cap (500 ms) ends the hung request; `ended` says when it has.
    let ended = 0;
    const tracked: typeof fetch = (input, init) => {
      const sent = fetch(input, init);
      sent.then(
        () => void ended++,
        () => void ended++,
      );
      return sent;
    };
    const { server, session, web, status, loggedOut, login } = await loggedIn({
      refreshTimeout: 100,
      retry: { attempts: 2, backoff: () => 20 },
      refreshOptions: { timeout: 500, fetch: tracked },
    });
    server.setFault({ type: 'hang' }, 1);

    const error = await sessionErrorOf(session.refresh());

    expect(error.kind).toBe('timeout');
    expect(error.status).toBeUndefined();
    // The retries waited for the same request instead of sending the refresh token again.
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshOk).toBe(0);
    expect(status()).toBe('refreshFailed');
    expect(session.getSnapshot().error?.kind).toBe('timeout');
    expectLoginTokensKept(web.tokens(), login);
    expect(loggedOut).toEqual([]);
    expect(ended).toBe(0); // the session gave up waiting; the request itself is still open

    // Once jsonRefresh's cap has ended the hung request, the next refresh sends a new one
    // with the kept refresh token and succeeds.
    await vi.waitFor(() => expect(ended).toBe(1));
    expect(server.counters.refreshCalls).toBe(1);
    const token = await session.refresh();
    expect(status()).toBe('authenticated');
    expect(web.tokens()?.accessToken).toBe(token);
    expect(server.counters.refreshCalls).toBe(2);
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('a refresh answered after refreshTimeout is still applied and saved, and no second refresh is sent meanwhile', async () => {
    const { server, session, web, status, loggedOut, login } = await loggedIn({
      refreshTimeout: 150,
      retry: { attempts: 0 },
    });
    const gate = opened();
    server.setFault({ type: 'gate', open: gate.promise }, 1);

    const error = await sessionErrorOf(session.refresh());
    expect(error.kind).toBe('timeout');
    expect(status()).toBe('refreshFailed');
    expectLoginTokensKept(web.tokens(), login);
    expect(server.counters.refreshCalls).toBe(1);

    gate.open(); // the server answers now, long after the session stopped waiting
    await vi.waitFor(() => expect(status()).toBe('authenticated'), { timeout: 3_000, interval: 20 });

    const late = session.getSnapshot().accessToken;
    expect(late).not.toBe(login.accessToken);
    expect(session.getSnapshot().error).toBeNull();
    const stored = web.tokens();
    expect(stored?.accessToken).toBe(late);
    expect(stored?.refreshToken).toEqual(expect.stringMatching(/^rt_/));
    expect(stored?.refreshToken).not.toBe(login.refreshToken);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshOk).toBe(1);
    expect(loggedOut).toEqual([]);

    // The rotated refresh token that arrived late is the one used next: no reuse detected.
    await expect(session.refresh()).resolves.toEqual(expect.any(String));
    expect(server.counters.refreshCalls).toBe(2);
    expect(server.counters.reuseDetections).toBe(0);
    expect(refreshRequests(server)[1]?.body).toContain(stored?.refreshToken);
  });

  it('a retry after a timeout waits for the slow request instead of sending the refresh token again', async () => {
    const { server, session, web, status, login } = await loggedIn({
      refreshTimeout: 150,
      retry: { attempts: 5, backoff: () => 20 },
    });
    server.setFault({ type: 'delay', ms: 400 }, 1);

    const token = await session.refresh();

    expect(token).not.toBe(login.accessToken);
    expect(status()).toBe('authenticated');
    expect(web.tokens()?.accessToken).toBe(token);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('a request made while a timed-out refresh is still on its way does not send the same refresh token again', async () => {
    // Rule 6: an in-flight rotation request is not abandoned. If the session gave up on the
    // slow request and sent the same refresh token again, the server would see that token
    // twice, treat it as stolen and revoke the whole login.
    const { server, session, web, status, loggedOut, login } = await loggedIn({
      refreshTimeout: 150,
      retry: { attempts: 0 },
    });
    const gate = opened();
    server.setFault({ type: 'gate', open: gate.promise }, 1);

    await expect(session.refresh()).rejects.toMatchObject({ kind: 'timeout' });
    // The slow request is still on its way (held by the server). The access token is still
    // valid, so the app gets it at once.
    await expect(session.getAccessToken()).resolves.toBe(login.accessToken);
    expect(server.counters.refreshCalls).toBe(1);

    gate.open();
    await vi.waitFor(() => expect(status()).toBe('authenticated'), { timeout: 2_000, interval: 20 });

    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(session.getSnapshot().accessToken).not.toBe(login.accessToken);
    expect(web.tokens()?.accessToken).toBe(session.getSnapshot().accessToken);
    expect(loggedOut).toEqual([]);

    // The login survives: the next refresh is accepted.
    await expect(session.refresh()).resolves.toEqual(expect.any(String));
    expect(server.counters.reuseDetections).toBe(0);
    expect(status()).toBe('authenticated');
    expect(loggedOut).toEqual([]);
  });

  it('a slow refresh is not sent a second time even when the app asks for a token long after refreshTimeout', async () => {
    // As above, but the app asks again after several more refreshTimeouts have passed while
    // jsonRefresh's own request (capped at its 30 s default) is still open. The server may
    // already have rotated the refresh token, so sending it again makes the server revoke the login.
    const { server, session, web, status, loggedOut, login } = await loggedIn({
      refreshTimeout: 100,
      retry: { attempts: 0 },
    });
    const gate = opened();
    server.setFault({ type: 'gate', open: gate.promise }, 1);

    await expect(session.refresh()).rejects.toMatchObject({ kind: 'timeout' });
    // Each of these waits for the same open request and gives up after refreshTimeout again:
    // four more refreshTimeouts have passed when the app asks for a token.
    for (let i = 0; i < 4; i++) await expect(session.refresh()).rejects.toMatchObject({ kind: 'timeout' });
    expect(server.counters.refreshCalls).toBe(1);
    await expect(session.getAccessToken()).resolves.toBe(login.accessToken);

    gate.open();
    await vi.waitFor(() => expect(status()).toBe('authenticated'), { timeout: 2_000, interval: 20 });

    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.reuseDetections).toBe(0);
    expect(session.getSnapshot().accessToken).not.toBe(login.accessToken);
    expect(web.tokens()?.accessToken).toBe(session.getSnapshot().accessToken);
    await expect(session.refresh()).resolves.toEqual(expect.any(String));
    expect(server.counters.reuseDetections).toBe(0);
    expect(status()).toBe('authenticated');
    expect(loggedOut).toEqual([]);
  });
});

describe('a 200 answer is checked, not trusted', () => {
  it('a 200 whose body says { code: 401 } is not a success but a rejection (rule 4 v2): logged out once, nothing from the body stored, not retried', async () => {
    const { server, session, web, status, loggedOut } = await loggedIn();
    server.setFault({ type: 'error-body' });

    const error = await sessionErrorOf(session.refresh());

    expect(error.kind).toBe('rejected');
    expect(error.status).toBeUndefined(); // the HTTP status was 200
    expect(error.message).toContain('Invalid token type');
    expect(server.counters.refreshCalls).toBe(1); // not transient: not retried
    expect(status()).toBe('loggedOut');
    expect(session.getSnapshot().accessToken).toBeNull();
    expect(web.raw()).toBeNull();
    expect(web.writes).toHaveLength(1); // only the login was ever written
    expect(loggedOut.map((reason) => reason?.kind)).toEqual(['rejected']);
  });

  it('a 200 with an access token that is not a valid JWT is an invalid-response and is never stored', async () => {
    const { server, session, web, status, loggedOut, login, warnings } = await loggedIn();
    server.setFault({ type: 'malformed' });

    const error = await sessionErrorOf(session.refresh());

    expect(error.kind).toBe('invalid-response');
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshOk).toBe(1); // the server did rotate
    expect(status()).toBe('refreshFailed');
    expectLoginTokensKept(web.tokens(), login);
    expect(web.writes.join('\n')).not.toContain('not-base64');
    expect(loggedOut).toEqual([]);
    expect(
      wholeTokensIn([...warnings, ...messagesOf(error)], [login.accessToken, login.refreshToken, 'eyJhbGciOiJIUzI1NiJ9.not-base64!.sig']),
    ).toEqual([]);
  });

  it('a 200 without an access token is an invalid-response and the tokens are kept', async () => {
    const { server, session, web, status, loggedOut, login } = await loggedIn();
    server.setFault({ type: 'missing' });

    const error = await sessionErrorOf(session.refresh());

    expect(error.kind).toBe('invalid-response');
    expect(server.counters.refreshCalls).toBe(1);
    expect(status()).toBe('refreshFailed');
    expectLoginTokensKept(web.tokens(), login);
    // the login, then the same tokens with the failure's schedule, which every tab keeps to (rule 15)
    expect(web.writes).toHaveLength(2);
    expect(web.tokens()?.backoff).toMatchObject({ failures: 1, kind: 'invalid-response' });
    expect(loggedOut).toEqual([]);
  });
});

describe('a definitive rejection logs the user out', () => {
  it('a refresh token whose login was revoked at the server is rejected with 401: loggedOut, storage cleared, onLoggedOut once', async () => {
    const { server, session, web, status, loggedOut, login, warnings } = await loggedIn();
    server.revokeAll();

    const error = await sessionErrorOf(session.refresh());

    expect(error.kind).toBe('rejected');
    expect(error.status).toBe(401);
    expect(server.counters.refreshCalls).toBe(1); // a rejection is not retried
    expect(server.counters.refreshRejected).toBe(1);
    expect(status()).toBe('loggedOut');
    expect(session.getSnapshot().accessToken).toBeNull();
    expect(session.getSnapshot().error?.kind).toBe('rejected');
    expect(web.raw()).toBeNull();
    expect(web.data.size).toBe(0);
    expect(loggedOut).toHaveLength(1);
    expect(loggedOut[0]?.kind).toBe('rejected');
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'rejected', status: 401 });
    expect(server.counters.refreshCalls).toBe(1);
    expect(wholeTokensIn([...warnings, ...messagesOf(error)], [login.accessToken, login.refreshToken])).toEqual([]);
  });

  it('presenting an already rotated refresh token again revokes the login, and the original session is logged out on its next refresh', async () => {
    const server = await authServer({ accessTtl: 60 });
    const first = startSession(server);
    const login = await server.login();
    first.session.login(login);
    const oldValue = first.web.raw();
    expect(oldValue).not.toBeNull();

    const rotated = await first.session.refresh();
    expect(rotated).not.toBe(login.accessToken);
    expect(first.web.tokens()?.refreshToken).not.toBe(login.refreshToken);

    // A second session restored from a copy of the storage as it was before the rotation.
    const copy = inMemoryWebStorage({ initial: { 'app.session': oldValue as string } });
    const second = startSession(server, { web: copy });
    expect(second.status()).toBe('authenticated');
    expect(second.session.getSnapshot().accessToken).toBe(login.accessToken);

    const reuse = await sessionErrorOf(second.session.refresh());
    expect(reuse.kind).toBe('rejected');
    expect(reuse.status).toBe(401);
    expect(server.counters.reuseDetections).toBe(1);
    expect(second.status()).toBe('loggedOut');
    expect(copy.raw()).toBeNull();
    expect(second.loggedOut).toHaveLength(1);

    const revoked = await sessionErrorOf(first.session.refresh());
    expect(revoked.kind).toBe('rejected');
    expect(revoked.status).toBe(401);
    expect(first.status()).toBe('loggedOut');
    expect(first.web.raw()).toBeNull();
    expect(first.loggedOut).toHaveLength(1);
    expect(first.loggedOut[0]?.kind).toBe('rejected');
    expect(server.counters.refreshCalls).toBe(3);
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.refreshRejected).toBe(2);
    const secrets = [login.accessToken, login.refreshToken, rotated, ...refreshRequests(server).map((r) => (JSON.parse(r.body) as { refreshToken: string }).refreshToken)];
    expect(wholeTokensIn([...first.warnings, ...second.warnings, ...messagesOf(reuse), ...messagesOf(revoked)], secrets)).toEqual([]);
  });
});

describe('the refresh request never carries the access token as a Bearer token', () => {
  it('in body mode the refresh token travels in the JSON body and no Authorization header is sent', async () => {
    const { server, session, web, login } = await loggedIn();

    const first = await session.refresh();
    const second = await session.refresh();

    expect(server.counters.refreshOk).toBe(2);
    expect(server.counters.refreshWithBearer).toBe(0);
    const requests = refreshRequests(server);
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      expect(r.authorization).toBeUndefined();
      expect(r.contentType).toBe('application/json');
      expect(r.body).not.toContain(login.accessToken);
      expect(r.body).not.toContain(first);
    }
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ refreshToken: login.refreshToken });
    expect(second).not.toBe(first);
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(web.tokens()?.accessToken).toBe(second);
  });

  it("with header: 'X-Refresh-Token' the refresh token travels in that header, never in Authorization or the body", async () => {
    const { server, session, web, status, login } = await loggedIn({ refreshOptions: { header: 'X-Refresh-Token' } });

    const token = await session.refresh();

    expect(status()).toBe('authenticated');
    expect(token).not.toBe(login.accessToken);
    expect(web.tokens()?.accessToken).toBe(token);
    expect(server.counters.refreshOk).toBe(1); // the server read the token from X-Refresh-Token
    expect(server.counters.refreshWithBearer).toBe(0);
    const [request] = refreshRequests(server);
    expect(request?.authorization).toBeUndefined();
    expect(request?.body).toBe('{}');
  });

  it("against a backend that only accepts Bearer (seed 003), its 200 { code: 401 } logs out without a Bearer token ever being sent, and nothing is stored", async () => {
    const { server, session, web, status, loggedOut } = await loggedIn();
    server.setFault({ type: 'bearer-only' });

    const error = await sessionErrorOf(session.refresh());

    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('Invalid token type');
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshWithBearer).toBe(0);
    expect(refreshRequests(server).every((r) => r.authorization === undefined)).toBe(true);
    expect(status()).toBe('loggedOut');
    expect(web.raw()).toBeNull();
    expect(web.writes).toHaveLength(1); // the login; the error body was never written
    expect(web.writes.join('\n')).not.toContain('code');
    expect(loggedOut.map((reason) => reason?.kind)).toEqual(['rejected']);
  });
});

describe('cookie mode', () => {
  it('rotates the httpOnly refresh cookie across 3 refreshes, and storage never holds a refresh token', async () => {
    const server = await authServer({ accessTtl: 60, cookie: true });
    const browserFetch = cookieFetch();
    const s = startSession(server, {
      refreshOptions: { credentials: 'include', fetch: browserFetch },
    });
    const response = await browserFetch(`${server.url}/login`, { method: 'POST', body: JSON.stringify({ username: 'ada' }) });
    const login = (await response.json()) as TokenSet;
    expect(login.refreshToken).toBeUndefined();
    s.session.login(login);

    const tokens = [login.accessToken];
    for (let i = 0; i < 3; i++) tokens.push(await s.session.refresh());

    expect(new Set(tokens).size).toBe(4);
    expect(s.status()).toBe('authenticated');
    expect(server.counters.refreshOk).toBe(3);
    expect(server.counters.refreshRejected).toBe(0);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.refreshWithBearer).toBe(0);
    expect(refreshRequests(server).map((r) => r.body)).toEqual(['{}', '{}', '{}']);
    expect(s.web.tokens()?.accessToken).toBe(tokens[3]);
    expect(s.web.writes).toHaveLength(4);
    for (const value of s.web.writes) {
      expect(JSON.parse(value)).not.toHaveProperty('refreshToken');
      expect(value).not.toContain('rt_');
    }
  });

  it('without a refresh cookie the server rejects the refresh and the session logs out', async () => {
    const server = await authServer({ accessTtl: 60, cookie: true });
    const s = startSession(server, { refreshOptions: { credentials: 'include', fetch: cookieFetch() } });
    const login = await server.login(); // a different cookie jar: this session has no cookie
    s.session.login(login);

    const error = await sessionErrorOf(s.session.refresh());

    expect(error.kind).toBe('rejected');
    expect(error.status).toBe(401);
    expect(s.status()).toBe('loggedOut');
    expect(s.web.raw()).toBeNull();
    expect(s.loggedOut).toHaveLength(1);
  });
});

describe('rotation', () => {
  it('5 refreshes in a row each present the refresh token the previous one returned', async () => {
    const { server, session, web, login } = await loggedIn({ maxRefreshesPerMinute: 5 });

    const accessTokens: string[] = [];
    const storedRefreshTokens = [login.refreshToken];
    for (let i = 0; i < 5; i++) {
      accessTokens.push(await session.refresh());
      storedRefreshTokens.push(web.tokens()?.refreshToken);
    }

    expect(new Set([login.accessToken, ...accessTokens]).size).toBe(6);
    const presented = refreshRequests(server).map((r) => (JSON.parse(r.body) as { refreshToken: string }).refreshToken);
    expect(presented).toHaveLength(5);
    expect(new Set(presented).size).toBe(5);
    expect(presented).toEqual(storedRefreshTokens.slice(0, 5));
    expect(server.counters.refreshOk).toBe(5);
    expect(server.counters.reuseDetections).toBe(0);
    expect(server.counters.graceReuses).toBe(0);
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(web.tokens()?.accessToken).toBe(accessTokens[4]);
    expect(web.tokens()?.refreshToken).not.toBe(presented[4]); // the token the last refresh rotated to
  });
});

describe('jsonRefresh on its own', () => {
  it('returns the server date with the tokens so the session can correct clock skew', async () => {
    const skew = 10 * 60_000;
    const server = await authServer({ accessTtl: 60, now: () => Date.now() + skew });
    const login = await server.login();
    const refresh = jsonRefresh({ url: `${server.url}/refresh` });

    const tokens = await refresh({ refreshToken: login.refreshToken, signal: new AbortController().signal });

    expect(tokens.accessToken).toEqual(expect.any(String));
    expect(tokens.refreshToken).toMatch(/^rt_/);
    expect(tokens.expiresIn).toBe(60);
    expect(Math.abs((tokens.serverDate ?? 0) - (Date.now() + skew))).toBeLessThan(2_000);
  });

  it("maps the server's refresh_expires_in to refreshExpiresIn: the time the login has left, counting down to its maximum age", async () => {
    // the server's clock stands still unless the test moves it
    let now = Date.parse('2030-01-01T00:00:00Z');
    const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
    const server = await authServer({ accessTtl: 60, refreshTtl: 600, refreshMaxAge: 100, now: clock.now });
    const login = await server.login();
    expect(login.refreshExpiresIn).toBe(100); // the login's maximum age caps the 600 s lifetime
    expect(JSON.parse(server.seen[0]?.body ?? '{}')).toEqual({ username: 'user' });
    const refresh = jsonRefresh({ url: `${server.url}/refresh` });

    clock.advance(30_000);
    const first = await refresh({ refreshToken: login.refreshToken, signal: new AbortController().signal });
    expect(first.refreshExpiresIn).toBe(70);
    clock.advance(69_000);
    const second = await refresh({ refreshToken: first.refreshToken, signal: new AbortController().signal });
    expect(second.refreshExpiresIn).toBe(1);

    clock.advance(1_000); // the login's maximum age: its refresh token is dead
    const error = await sessionErrorOf(refresh({ refreshToken: second.refreshToken, signal: new AbortController().signal }));
    expect(error).toMatchObject({ kind: 'rejected', status: 401 });
    expect(error.message).toContain('expired');
    expect(server.counters).toMatchObject({ refreshOk: 2, refreshRejected: 1 });
  });

  it('an aborted signal makes the request fail with kind aborted, not network or timeout', async () => {
    const server = await authServer({ accessTtl: 60 });
    const login = await server.login();
    server.setFault({ type: 'hang' });
    const controller = new AbortController();
    const pending = jsonRefresh({ url: `${server.url}/refresh` })({ refreshToken: login.refreshToken, signal: controller.signal });
    await vi.waitFor(() => expect(server.counters.refreshCalls).toBe(1), { timeout: 2_000, interval: 10 });
    controller.abort();

    const error = await sessionErrorOf(pending);
    expect(error.kind).toBe('aborted');
  });

  it('its own timeout option caps a hung request with kind timeout', async () => {
    const server = await authServer({ accessTtl: 60 });
    const login = await server.login();
    server.setFault({ type: 'hang' });

    const error = await sessionErrorOf(
      jsonRefresh({ url: `${server.url}/refresh`, timeout: 100 })({ refreshToken: login.refreshToken, signal: new AbortController().signal }),
    );
    expect(error.kind).toBe('timeout');
    expect(server.counters.refreshCalls).toBe(1);
  });
});
