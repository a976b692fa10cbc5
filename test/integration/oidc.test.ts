import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import ky from 'ky';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { oauthRefresh } from '../../src/adapters/oauth.js';
import { createSession, webStorage, type RefreshFunction, type SessionError, type TokenSet } from '../../src/index.js';
import { isTransient } from '../../src/machine/errors.js';
import { withSession } from '../../src/ky.js';
import { inMemoryWebStorage, sessionErrorOf, sleep, STORAGE_KEY } from '../helpers/integration.js';
import { BACKEND_SECRET, oidcProvider } from '../helpers/oidcProvider.js';

// oauthRefresh (RFC 6749 §6) in two settings. First against a real, certified OpenID provider
// (panva's oidc-provider on 127.0.0.1): the first tokens come from its authorization-code flow
// with PKCE, login and consent pages driven over HTTP; refresh tokens rotate; the API the ky
// requests hit asks the provider's introspection endpoint about every token; grants are counted
// by the provider's own events. Then against a tiny node:http token endpoint, for the answers a
// real provider will not give on demand (every RFC 6749 §5.2 error, a missing refresh_token, a
// skewed Date header).

/** A real provider, a signed-in session using oauthRefresh.fromIssuer, and ky wired to it. */
async function signedIn(options: { refreshLeadTime?: number; accessTtl?: number; refreshedAccessTtl?: number } = {}) {
  const { refreshLeadTime, ...ttl } = options;
  const op = await oidcProvider(ttl);
  onTestFinished(() => op.close());
  const { tokens } = await op.signIn('spa');
  const web = inMemoryWebStorage();
  const loggedOut: Array<SessionError | null> = [];
  const session = createSession({
    refresh: oauthRefresh.fromIssuer(op.issuer, { clientId: 'spa' }),
    storage: webStorage(web.storage, { key: STORAGE_KEY }),
    wake: false,
    retry: { attempts: 2, backoff: () => 20 },
    refreshTimeout: 5_000,
    onLoggedOut: (reason) => loggedOut.push(reason),
    ...(refreshLeadTime === undefined ? {} : { refreshLeadTime }),
  });
  onTestFinished(() => session.stop());
  session.login(tokens);
  const api = withSession(ky.create({ baseUrl: `${op.issuer}/`, retry: 0, timeout: false }), session);
  const me = () => api.get('api/me').json<{ sub: string; client: string }>();
  return { op, session, web, login: tokens, loggedOut, me };
}

describe('oauthRefresh against a real OpenID provider (oidc-provider)', () => {
  it('signs in through the authorization-code flow with PKCE, and the opaque access token has no claims and expires after expires_in', async () => {
    const op = await oidcProvider({ accessTtl: 3 });
    onTestFinished(() => op.close());
    const { raw, tokens } = await op.signIn('spa');
    expect(raw).toMatchObject({ token_type: 'Bearer', expires_in: 3, scope: 'openid offline_access', prompts: ['login', 'consent'] });
    expect(tokens.accessToken.split('.')).toHaveLength(1); // opaque, not a JWT
    expect(op.grants).toMatchObject({ authorization_code: 1, refresh_token: 0 });

    const session = createSession({ refresh: oauthRefresh.fromIssuer(op.issuer, { clientId: 'spa' }), wake: false });
    onTestFinished(() => session.stop());
    const before = Date.now();
    session.login(tokens);
    const token = await session.refresh();
    const snap = session.getSnapshot();
    expect(snap.status).toBe('authenticated');
    expect(snap.accessToken).toBe(token);
    expect(snap.claims).toBeNull();
    // counted from the provider's Date header, which has whole seconds: up to 1 s early, never late
    expect(snap.expiresAt).toBeGreaterThanOrEqual(before - 1_000 + 3_000);
    expect(snap.expiresAt).toBeLessThanOrEqual(Date.now() + 3_000);
    expect(await op.introspect(token)).toMatchObject({ active: true, sub: 'alice', client_id: 'spa' });
    expect(op.grants).toMatchObject({ authorization_code: 1, refresh_token: 1, errors: [] });
  });

  it.for([
    { when: 'in 20 bursts around it', bursts: 20 },
    { when: 'all at once as it ends', bursts: 1 },
  ])('200 concurrent ky requests across an access-token expiry ($when) cause exactly one refresh_token grant, and all 200 succeed against the introspecting API', async ({ bursts }, { annotate }) => {
    // No lead time, so the token really runs out under the requests and later ones queue while
    // the refresh is in flight. The provider counts expiry in whole seconds, so it may refuse the
    // token up to a second before the session expects it: those requests get a 401 and are
    // replayed with the new token. The refreshed token lives long enough (60 s) that a loaded
    // machine, slow to answer 200 requests, never sees a second expiry.
    const { op, session, login, me } = await signedIn({ refreshLeadTime: 0, accessTtl: 3, refreshedAccessTtl: 60 });
    let waiting = 0;
    const statuses = new Set<string>();
    session.subscribe((s) => {
      waiting = Math.max(waiting, s.pending);
      statuses.add(s.status);
    });
    const expiresAt = session.getSnapshot().expiresAt as number;
    await sleep(expiresAt - (bursts > 1 ? 400 : 0) - Date.now());

    const requests: Array<Promise<{ sub: string }>> = [];
    for (let burst = 0; burst < bursts; burst++) {
      for (let i = 0; i < 200 / bursts; i++) requests.push(me());
      if (bursts > 1) await sleep(800 / bursts); // from 400 ms before the expiry to 400 ms after
    }
    const results = await Promise.allSettled(requests);

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.every((r) => r.status === 'fulfilled' && r.value.sub === 'alice')).toBe(true);
    expect(op.grants.refresh_token).toBe(1);
    expect(op.grants.errors).toEqual([]);
    expect(op.api.ok).toBe(200);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', pending: 0 });
    expect(session.getSnapshot().accessToken).not.toBe(login.accessToken);
    expect(statuses.has('refreshing')).toBe(true);
    await annotate(
      `refresh_token grants: ${op.grants.refresh_token}; API answers: ${op.api.ok} × 200, ${op.api.unauthorized} × 401 (replayed); ` +
        `at most ${waiting} requests waited for the refresh`,
    );
  });

  it('five rotations in a row never meet invalid_grant: each spends the newest refresh token and gets a distinct one', async ({ annotate }) => {
    const { op, session, web, login, me } = await signedIn();
    const refreshTokens = [login.refreshToken];

    for (let i = 0; i < 5; i++) {
      const token = await session.refresh();
      expect(await me()).toEqual({ sub: 'alice', client: 'spa' });
      expect(web.tokens()?.accessToken).toBe(token);
      refreshTokens.push(web.tokens()?.refreshToken);
    }

    expect(new Set(refreshTokens).size).toBe(6); // the login's and five rotated ones
    expect(op.grants).toMatchObject({ refresh_token: 5, errors: [] });
    // rotation really happened at the provider: the first refresh token is spent
    expect(await op.introspect(login.refreshToken as string)).toMatchObject({ active: false });
    expect(await op.introspect(refreshTokens[5] as string)).toMatchObject({ active: true });
    await annotate(`refresh_token grants: ${op.grants.refresh_token}, grant errors: ${op.grants.errors.length}`);
  });

  it('a grant revoked at the provider ends the session: the next request is refused, the refresh gets invalid_grant, and the session is loggedOut with kind rejected', async ({ annotate }) => {
    const { op, session, web, login, loggedOut, me } = await signedIn({ accessTtl: 60 });
    expect(await me()).toMatchObject({ sub: 'alice' });

    await op.revoke(login.refreshToken as string); // revoking the refresh token revokes its grant
    const error = await sessionErrorOf(me());

    expect(error).toMatchObject({ kind: 'rejected', status: 400 });
    expect(op.grants.errors).toEqual(['refresh_token: invalid_grant']);
    expect(op.grants.refresh_token).toBe(0);
    expect(op.api.unauthorized).toBe(1);
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', accessToken: null });
    expect(session.getSnapshot().error?.kind).toBe('rejected');
    expect(loggedOut.map((reason) => reason?.kind)).toEqual(['rejected']);
    expect(web.raw()).toBeNull();
    await annotate(`refresh_token grants: 0 ok, ${op.grants.errors.length} invalid_grant`);
  });

  it('with the provider down the session ends in refreshFailed with its tokens kept, and recovers once the provider is back', async ({ annotate }) => {
    const { op, session, web, loggedOut, me } = await signedIn({ accessTtl: 60 });
    const first = await session.refresh(); // discovery is read and kept here
    const kept = web.tokens();

    await op.down();
    const error = await sessionErrorOf(session.refresh());
    expect(error.kind).toBe('network');
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: first });
    const { backoff, ...stored } = web.tokens() ?? {};
    expect(stored).toEqual(kept); // the tokens, with the failure's schedule for every tab (rule 15)
    expect(backoff).toMatchObject({ failures: 1, kind: 'network' });
    expect(loggedOut).toEqual([]);

    // Back up: once the first cooldown is over (0.5–1 s), the next request tries the refresh
    // again. Its token is still valid, so it goes out with that one while the refresh runs in the
    // background (expiringSoon).
    await op.up();
    await vi.waitFor(() => expect(session.getSnapshot().retryAt).toBeNull(), { timeout: 2_000 });
    expect(await me()).toMatchObject({ sub: 'alice' });
    await vi.waitFor(() => expect(session.getSnapshot().status).toBe('authenticated'), { timeout: 5_000 });
    const next = session.getSnapshot().accessToken;
    expect(next).not.toBe(first);
    expect(session.getSnapshot().error).toBeNull();
    expect(web.tokens()).toMatchObject({ accessToken: next });
    expect(web.tokens()?.refreshToken).not.toBe(kept?.refreshToken);
    expect(await me()).toMatchObject({ sub: 'alice' });
    expect(await op.introspect(next as string)).toMatchObject({ active: true });
    expect(op.grants).toMatchObject({ refresh_token: 2, errors: [] });
    await annotate(`refresh_token grants: ${op.grants.refresh_token} (one before the outage, one after), grant errors: 0`);
  });

  it('a confidential client refreshes with HTTP Basic (id and secret form-encoded), and a wrong secret is rejected as invalid_client', async () => {
    const op = await oidcProvider();
    onTestFinished(() => op.close());
    const { tokens } = await op.signIn('backend', BACKEND_SECRET);
    const tokenEndpoint = `${op.issuer}/token`;
    const signal = new AbortController().signal;

    const refreshed = await oauthRefresh({ tokenEndpoint, clientId: 'backend', clientSecret: BACKEND_SECRET })({ refreshToken: tokens.refreshToken, signal });
    expect(refreshed.refreshToken).toEqual(expect.any(String));
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(await op.introspect(refreshed.accessToken)).toMatchObject({ active: true, client_id: 'backend' });

    const wrong = oauthRefresh({ tokenEndpoint, clientId: 'backend', clientSecret: 'not the secret' });
    const error = await sessionErrorOf(wrong({ refreshToken: refreshed.refreshToken, signal }));
    expect(error).toMatchObject({ kind: 'rejected', status: 401 });
    expect(op.grants).toMatchObject({ refresh_token: 1, errors: ['refresh_token: invalid_client'] });
  });
});

// ---------------------------------------------------------------------------------------------

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}
interface Answer {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

/** A tiny token endpoint (and discovery document) that answers whatever the test says. */
async function tokenServer(answer: (request: Seen) => Answer | 'hang' = () => ({ body: { access_token: 'opaque-1', token_type: 'Bearer', expires_in: 60 } })) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, form: new URLSearchParams(body) };
      seen.push(request);
      const a = answer(request);
      if (a === 'hang') return;
      const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {});
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, tokenEndpoint: `${url}/token`, seen };
}

const call = (refresh: RefreshFunction, refreshToken = 'rt-1', signal = new AbortController().signal) =>
  refresh({ refreshToken, signal });

describe('oauthRefresh against a minimal token endpoint', () => {
  it('a public client sends a form-encoded refresh_token grant with client_id (and scope when asked), and no Authorization header', async () => {
    const { tokenEndpoint, seen } = await tokenServer();
    await call(oauthRefresh({ tokenEndpoint, clientId: 'spa app', scope: 'openid profile' }), 'rt+/=1');

    expect(seen).toHaveLength(1);
    const [request] = seen as [Seen];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(request.form)).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt+/=1', client_id: 'spa app', scope: 'openid profile' });
  });

  it('a confidential client uses HTTP Basic over the form-encoded id and secret, never Bearer, and leaves client_id out of the body', async () => {
    const { tokenEndpoint, seen } = await tokenServer();
    await call(oauthRefresh({ tokenEndpoint, clientId: 'my client', clientSecret: 'p@ss:w/rd+ %' }));

    const [request] = seen as [Seen];
    // RFC 6749 §2.3.1: "my+client" : "p%40ss%3Aw%2Frd%2B+%25", then base64
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('my+client:p%40ss%3Aw%2Frd%2B+%25').toString('base64')}`);
    expect(Object.fromEntries(request.form)).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
  });

  // RFC 6749 §5.2, and what else a token endpoint answers in practice.
  it.each<[string, Answer, Partial<SessionError>, boolean]>([
    ['400 invalid_grant', { status: 400, body: { error: 'invalid_grant', error_description: 'token expired' } }, { kind: 'rejected', status: 400 }, false],
    ['401 invalid_client', { status: 401, body: { error: 'invalid_client' } }, { kind: 'rejected', status: 401 }, false],
    ['400 unauthorized_client', { status: 400, body: { error: 'unauthorized_client' } }, { kind: 'rejected', status: 400 }, false],
    ['400 invalid_request', { status: 400, body: { error: 'invalid_request' } }, { kind: 'rejected', status: 400 }, false],
    ['503 temporarily_unavailable', { status: 503, body: { error: 'temporarily_unavailable' } }, { kind: 'http', status: 503 }, true],
    ['400 temporarily_unavailable', { status: 400, body: { error: 'temporarily_unavailable' } }, { kind: 'http' }, true],
    ['500 with an HTML page', { status: 500, headers: { 'content-type': 'text/html' }, body: '<h1>oops</h1>' }, { kind: 'http', status: 500 }, true],
    ['502 with no body', { status: 502, body: '' }, { kind: 'http', status: 502 }, true],
    ['429 slow down', { status: 429, body: '' }, { kind: 'http', status: 429 }, true],
    ['404 (wrong endpoint)', { status: 404, body: 'not found' }, { kind: 'http', status: 404 }, false],
    ['200 that is not JSON', { body: '<html>login</html>' }, { kind: 'invalid-response' }, false],
    ['200 with a JSON array', { body: [] }, { kind: 'invalid-response' }, false],
    ['200 without access_token', { body: { token_type: 'Bearer', expires_in: 60 } }, { kind: 'invalid-response' }, false],
    ['200 with a numeric access_token', { body: { access_token: 42 } }, { kind: 'invalid-response' }, false],
    ['200 with an error body', { body: { error: 'invalid_grant' } }, { kind: 'invalid-response' }, false],
    ['200 with a non-string refresh_token', { body: { access_token: 'a', refresh_token: 7 } }, { kind: 'invalid-response' }, false],
  ])('maps %s to the right error kind', async (_name, answer, expected, transient) => {
    const { tokenEndpoint } = await tokenServer(() => answer);
    const error = await sessionErrorOf(call(oauthRefresh({ tokenEndpoint, clientId: 'spa' })));
    expect(error).toMatchObject(expected);
    if (expected.status === undefined) expect(error.status).toBeUndefined();
    expect(isTransient(error)).toBe(transient);
  });

  it('a refused connection is a network error, a hung endpoint times out, and an aborted refresh is aborted', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    expect(await sessionErrorOf(call(oauthRefresh({ tokenEndpoint: `http://127.0.0.1:${closed}/token`, clientId: 'spa' })))).toMatchObject({ kind: 'network' });

    const hanging = await tokenServer(() => 'hang');
    const started = Date.now();
    const timedOut = await sessionErrorOf(call(oauthRefresh({ tokenEndpoint: hanging.tokenEndpoint, clientId: 'spa', timeout: 150 })));
    expect(timedOut.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_000);

    const controller = new AbortController();
    const pending = call(oauthRefresh({ tokenEndpoint: hanging.tokenEndpoint, clientId: 'spa' }), 'rt-1', controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await sessionErrorOf(pending)).toMatchObject({ kind: 'aborted' });
  });

  it('without a refresh token to send it refuses at once (this grant has no cookie mode)', async () => {
    const { tokenEndpoint, seen } = await tokenServer();
    const refresh = oauthRefresh({ tokenEndpoint, clientId: 'spa' });
    expect(await sessionErrorOf(refresh({ refreshToken: undefined, signal: new AbortController().signal }))).toMatchObject({ kind: 'rejected' });
    expect(seen).toHaveLength(0);
  });

  it('keeps the current refresh token when the response has none (no rotation), and sends it again next time', async () => {
    let n = 0;
    const { tokenEndpoint, seen } = await tokenServer(() => ({ body: { access_token: `at-${++n}`, token_type: 'Bearer', expires_in: 60 } }));
    const web = inMemoryWebStorage();
    const session = createSession({ refresh: oauthRefresh({ tokenEndpoint, clientId: 'spa' }), storage: webStorage(web.storage, { key: STORAGE_KEY }), wake: false });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'at-0', refreshToken: 'rt-keep', expiresIn: 60 });

    const direct = await call(oauthRefresh({ tokenEndpoint, clientId: 'spa' }), 'rt-keep');
    expect(direct).not.toHaveProperty('refreshToken'); // the session fills it in, see below
    expect(await session.refresh()).toBe('at-2');
    expect(await session.refresh()).toBe('at-3');

    expect(seen.map((r) => r.form.get('refresh_token'))).toEqual(['rt-keep', 'rt-keep', 'rt-keep']);
    expect(web.tokens()).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-keep' });
  });

  it('an opaque access token gets claims null and expires expires_in after the answer, whatever the server clock says; the Date header is reported as serverDate', async () => {
    const skewed = new Date(Date.now() - 10 * 60_000); // the server's clock is ten minutes behind
    const date = skewed.toUTCString();
    const { tokenEndpoint } = await tokenServer(() => ({
      headers: { date },
      body: { access_token: 'opaque.but-not-a-jwt', refresh_token: 'rt-2', token_type: 'bearer', expires_in: '120' },
    }));
    const refresh = oauthRefresh({ tokenEndpoint, clientId: 'spa' });
    const tokens: TokenSet = await call(refresh);
    expect(tokens).toEqual({ accessToken: 'opaque.but-not-a-jwt', refreshToken: 'rt-2', expiresIn: 120, serverDate: Date.parse(date) });

    const session = createSession({ refresh, wake: false });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'opaque-0', refreshToken: 'rt-1', expiresIn: 60 });
    const before = Date.now();
    await session.refresh();
    const snap = session.getSnapshot();
    expect(snap).toMatchObject({ status: 'authenticated', accessToken: 'opaque.but-not-a-jwt', claims: null });
    expect(snap.expiresAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(snap.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it('fromIssuer reads the discovery document once, also for concurrent first refreshes, and never sends a request to it with the refresh token', async () => {
    let n = 0;
    const server = await tokenServer((request) =>
      request.path === '/realms/app/.well-known/openid-configuration'
        ? { body: { issuer: `${server.url}/realms/app`, token_endpoint: `${server.url}/realms/app/token` } }
        : { body: { access_token: `at-${++n}`, refresh_token: `rt-${n + 1}`, token_type: 'Bearer', expires_in: 60 } },
    );
    const refresh = oauthRefresh.fromIssuer(`${server.url}/realms/app/`, { clientId: 'spa' });

    await Promise.all([call(refresh, 'rt-a'), call(refresh, 'rt-b')]);
    await call(refresh, 'rt-c');
    await call(refresh, 'rt-d');

    const discovery = server.seen.filter((r) => r.path.includes('.well-known'));
    expect(discovery).toHaveLength(1);
    expect(discovery[0]).toMatchObject({ method: 'GET' });
    expect(discovery[0]?.headers.authorization).toBeUndefined();
    expect(discovery[0]?.form.toString()).toBe('');
    expect(server.seen.filter((r) => r.path === '/realms/app/token').map((r) => r.form.get('refresh_token'))).toEqual(['rt-a', 'rt-b', 'rt-c', 'rt-d']);
  });

  it('fromIssuer does not keep a failed discovery: a 503 is transient, a 401 is never "rejected", and the next refresh reads the document again', async () => {
    const answers: Answer[] = [{ status: 503, body: '' }, { status: 401, body: '' }, { body: { issuer: 'x' } }];
    const server = await tokenServer((request) =>
      request.path.includes('.well-known')
        ? (answers.shift() ?? { body: { issuer: server.url, token_endpoint: `${server.url}/token` } })
        : { body: { access_token: 'at-1', token_type: 'Bearer', expires_in: 60 } },
    );
    const refresh = oauthRefresh.fromIssuer(server.url, { clientId: 'spa' });

    const unavailable = await sessionErrorOf(call(refresh));
    expect(unavailable).toMatchObject({ kind: 'http', status: 503 });
    expect(isTransient(unavailable)).toBe(true);
    expect(await sessionErrorOf(call(refresh))).toMatchObject({ kind: 'http', status: 401 });
    expect(await sessionErrorOf(call(refresh))).toMatchObject({ kind: 'invalid-response' });
    expect(await call(refresh)).toMatchObject({ accessToken: 'at-1' });
    expect(await call(refresh)).toMatchObject({ accessToken: 'at-1' });

    expect(server.seen.map((r) => r.path)).toEqual([
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration',
      '/token',
      '/token',
    ]);
  });

  it('a session using fromIssuer recovers from a discovery that failed while the issuer was unreachable', async () => {
    let reachable = false;
    const server = await tokenServer((request) =>
      !reachable
        ? { status: 503, body: '' }
        : request.path.includes('.well-known')
          ? { body: { issuer: server.url, token_endpoint: `${server.url}/token` } }
          : { body: { access_token: 'at-new', refresh_token: 'rt-new', token_type: 'Bearer', expires_in: 60 } },
    );
    const session = createSession({ refresh: oauthRefresh.fromIssuer(server.url, { clientId: 'spa' }), wake: false, retry: { attempts: 1, backoff: () => 10 } });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'at-old', refreshToken: 'rt-old', expiresIn: 60 });

    expect(await sessionErrorOf(session.refresh())).toMatchObject({ kind: 'http', status: 503 });
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: 'at-old' });
    reachable = true;
    expect(await session.refresh()).toBe('at-new');
    expect(session.getSnapshot().status).toBe('authenticated');
  });
});
