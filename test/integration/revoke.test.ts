import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createSession,
  jsonRefresh,
  webStorage,
  jsonRevoke,
  oauthRefresh,
  oauthRevoke,
  type RevokeFunction,
} from '../../src/index.js';
import { authServer, cookieFetch } from '../helpers/server.js';
import { inMemoryWebStorage, messagesOf, sessionErrorOf, STORAGE_KEY, wholeTokensIn } from '../helpers/integration.js';
import { BACKEND_SECRET, oidcProvider } from '../helpers/oidcProvider.js';
import { closedPort, scriptedEndpoint } from '../helpers/scriptedEndpoint.js';

// Revocation (RFC 7009) at the end of a session: jsonRevoke against the real test auth server,
// oauthRevoke against a real OpenID provider (oidc-provider), and both against a scripted
// endpoint for the failures a real server will not produce on demand. The session's own use of
// them (the `revoke` option) is tested with the session.

const signal = () => new AbortController().signal;
const revokeWith = (revoke: RevokeFunction, refreshToken: string | undefined, accessToken = 'at-unused') =>
  revoke({ accessToken, refreshToken, signal: signal() });

/** Fails the test if a promise rejection goes unhandled while it runs. */
function noUnhandledRejections() {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', listener);
  onTestFinished(() => void process.off('unhandledRejection', listener));
  return unhandled;
}

describe('jsonRevoke against the real auth server', () => {
  it('POSTs the refresh token as JSON, never the access token nor a Bearer header; the login is dead afterwards: refresh rejected, access token refused; 1 revocation', async () => {
    const server = await authServer({ accessTtl: 60 });
    const login = await server.login();
    server.resetCounters();

    await revokeWith(jsonRevoke({ url: `${server.url}/revoke` }), login.refreshToken, login.accessToken);

    expect(server.counters).toMatchObject({ revocations: 1, revokedFamilies: 1 });
    const [request] = server.seen;
    expect(request).toMatchObject({ method: 'POST', path: '/revoke', authorization: undefined, contentType: 'application/json' });
    expect(JSON.parse(request?.body ?? '')).toEqual({ refreshToken: login.refreshToken });

    const refused = await sessionErrorOf(jsonRefresh({ url: `${server.url}/refresh` })({ refreshToken: login.refreshToken, signal: signal() }));
    expect(refused).toMatchObject({ kind: 'rejected', status: 401 });
    expect(refused.message).toContain('revoked');
    expect(server.counters.refreshRejected).toBe(1);
    const api = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${login.accessToken}` } });
    expect(api.status).toBe(401);
  });

  it("with field: 'refresh_token' or header: 'X-Refresh-Token' the token travels there, and each revokes its own login only", async () => {
    const server = await authServer({ accessTtl: 60 });
    const [a, b, kept] = [await server.login('a'), await server.login('b'), await server.login('c')];
    server.resetCounters();

    await revokeWith(jsonRevoke({ url: `${server.url}/revoke`, field: 'refresh_token' }), a.refreshToken);
    await revokeWith(jsonRevoke({ url: `${server.url}/revoke`, header: 'X-Refresh-Token' }), b.refreshToken);

    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({ refresh_token: a.refreshToken });
    expect(server.seen[1]?.body).toBe('{}');
    expect(server.counters).toMatchObject({ revocations: 2, revokedFamilies: 2 });
    const refresh = jsonRefresh({ url: `${server.url}/refresh` });
    for (const dead of [a, b]) expect(await sessionErrorOf(refresh({ refreshToken: dead.refreshToken, signal: signal() }))).toMatchObject({ kind: 'rejected' });
    await expect(refresh({ refreshToken: kept.refreshToken, signal: signal() })).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  it('in cookie mode it sends only the cookie (an empty JSON body), the server clears it, and the next refresh through that cookie is rejected', async () => {
    const server = await authServer({ accessTtl: 60, cookie: true });
    const browserFetch = cookieFetch();
    await browserFetch(`${server.url}/login`, { method: 'POST', body: JSON.stringify({ username: 'ada' }) });
    const refresh = jsonRefresh({ url: `${server.url}/refresh`, credentials: 'include', fetch: browserFetch });
    await refresh({ refreshToken: undefined, signal: signal() }); // the cookie works, and rotates
    server.resetCounters();

    await revokeWith(jsonRevoke({ url: `${server.url}/revoke`, credentials: 'include', fetch: browserFetch }), undefined);

    expect(server.counters).toMatchObject({ revocations: 1, revokedFamilies: 1 });
    expect(server.seen[0]).toMatchObject({ path: '/revoke', body: '{}', authorization: undefined });
    expect(await sessionErrorOf(refresh({ refreshToken: undefined, signal: signal() }))).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('sends nothing when there is neither a refresh token nor cookie mode', async () => {
    const server = await authServer();
    server.resetCounters();
    await expect(revokeWith(jsonRevoke({ url: `${server.url}/revoke` }), undefined, 'at-only')).resolves.toBeUndefined();
    expect(server.seen).toEqual([]);
  });

  it('a non-2xx answer rejects with kind http and its status, the server text quoted without the refresh token; a refused connection is kind network', async () => {
    const secret = 'rt_revoke-me-please-0123456789abcdef';
    const { url } = await scriptedEndpoint(() => ({ status: 500, body: { message: `could not revoke ${secret}: database down` } }));
    const error = await sessionErrorOf(revokeWith(jsonRevoke({ url }), secret));
    expect(error).toMatchObject({ kind: 'http', status: 500 });
    expect(error.message).toContain('database down');
    expect(error.message).toContain(`…${secret.slice(-4)}`);
    expect(wholeTokensIn([...messagesOf(error), String(error)], [secret])).toEqual([]);

    const port = await closedPort();
    const down = await sessionErrorOf(revokeWith(jsonRevoke({ url: `http://127.0.0.1:${port}/revoke` }), secret));
    expect(down.kind).toBe('network');
    expect(wholeTokensIn([...messagesOf(down), String(down)], [secret])).toEqual([]);
  });

  it('its timeout caps a hung revocation with kind timeout, and the caller’s signal ends it with kind aborted', async () => {
    const { url } = await scriptedEndpoint(() => 'hang');
    expect(await sessionErrorOf(revokeWith(jsonRevoke({ url, timeout: 50 }), 'rt-0123456789'))).toMatchObject({ kind: 'timeout' });
    const controller = new AbortController();
    const pending = jsonRevoke({ url })({ accessToken: 'at', refreshToken: 'rt-0123456789', signal: controller.signal });
    controller.abort();
    expect(await sessionErrorOf(pending)).toMatchObject({ kind: 'aborted' });
  });
});

describe('oauthRevoke against a real OpenID provider (oidc-provider)', () => {
  it('a public client revokes with the RFC 7009 form and client_id: the refresh_token grant then gets invalid_grant; 1 revocation request', async () => {
    const op = await oidcProvider();
    onTestFinished(() => op.close());
    const { tokens } = await op.signIn('spa');
    const refreshToken = tokens.refreshToken as string;
    expect(await op.introspect(refreshToken)).toMatchObject({ active: true });

    await revokeWith(oauthRevoke({ endpoint: `${op.issuer}/token/revocation`, clientId: 'spa' }), refreshToken, tokens.accessToken);

    expect(op.count('/token/revocation')).toBe(1);
    expect(await op.introspect(refreshToken)).toMatchObject({ active: false });
    const refused = await sessionErrorOf(oauthRefresh({ tokenEndpoint: `${op.issuer}/token`, clientId: 'spa' })({ refreshToken, signal: signal() }));
    expect(refused).toMatchObject({ kind: 'rejected', status: 400 });
    expect(refused.message).toContain('invalid_grant');
    expect(op.grants.errors).toEqual(['refresh_token: invalid_grant']);
  });

  it('a confidential client authenticates with HTTP Basic (the provider accepts nothing else for it), and its grant is revoked', async () => {
    const op = await oidcProvider();
    onTestFinished(() => op.close());
    const { tokens } = await op.signIn('backend', BACKEND_SECRET);
    const refreshToken = tokens.refreshToken as string;

    await revokeWith(oauthRevoke({ endpoint: `${op.issuer}/token/revocation`, clientId: 'backend', clientSecret: BACKEND_SECRET }), refreshToken);
    expect(await op.introspect(refreshToken)).toMatchObject({ active: false });

    const wrong = oauthRevoke({ endpoint: `${op.issuer}/token/revocation`, clientId: 'backend', clientSecret: 'not the secret' });
    const error = await sessionErrorOf(revokeWith(wrong, refreshToken));
    expect(error).toMatchObject({ kind: 'http', status: 401 });
    expect(error.message).toContain('invalid_client');
    expect(op.count('/token/revocation')).toBe(2);
  });

  it('fromIssuer shares one discovery request with oauthRefresh.fromIssuer for the same issuer; revoking the refresh token a session holds ends its grant', async () => {
    const op = await oidcProvider({ accessTtl: 60 });
    onTestFinished(() => op.close());
    const { tokens } = await op.signIn('spa');
    const web = inMemoryWebStorage();
    const session = createSession({
      refresh: oauthRefresh.fromIssuer(op.issuer, { clientId: 'spa' }),
      storage: webStorage(web.storage, { key: STORAGE_KEY }),
      wake: false,
      retry: { attempts: 0 },
    });
    onTestFinished(() => session.stop());
    session.login(tokens);
    await session.refresh(); // discovery read here, for the refresh
    const held = web.tokens();
    expect(held?.refreshToken).not.toBe(tokens.refreshToken);

    const revoke = oauthRevoke.fromIssuer(`${op.issuer}/`, { clientId: 'spa' }); // a trailing slash: the same issuer
    await revoke({ accessToken: held?.accessToken as string, refreshToken: held?.refreshToken, signal: signal() });

    expect(op.count('/.well-known/openid-configuration')).toBe(1);
    expect(op.count('/token/revocation')).toBe(1);
    expect(await op.introspect(held?.refreshToken as string)).toMatchObject({ active: false });
    expect(await sessionErrorOf(session.refresh())).toMatchObject({ kind: 'rejected', status: 400 });
    expect(op.grants.errors).toEqual(['refresh_token: invalid_grant']);
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(op.count('/.well-known/openid-configuration')).toBe(1);
  });

  it('with the provider down the revoke function rejects with kind network, before and after discovery, and nothing goes unhandled', async () => {
    const unhandled = noUnhandledRejections();
    const op = await oidcProvider();
    onTestFinished(() => op.close());
    const { tokens } = await op.signIn('spa');
    const refreshToken = tokens.refreshToken as string;

    await op.down();
    const undiscovered = oauthRevoke.fromIssuer(op.issuer, { clientId: 'spa' });
    const direct = oauthRevoke({ endpoint: `${op.issuer}/token/revocation`, clientId: 'spa' });
    for (const revoke of [undiscovered, direct]) {
      const error = await sessionErrorOf(revokeWith(revoke, refreshToken));
      expect(error.kind).toBe('network');
      expect(wholeTokensIn([...messagesOf(error), String(error)], [refreshToken])).toEqual([]);
    }

    // back up: the failed discovery was not kept, and the revocation goes through
    await op.up();
    await revokeWith(undiscovered, refreshToken);
    expect(await op.introspect(refreshToken)).toMatchObject({ active: false });
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});

describe('oauthRevoke on the wire (scripted endpoint)', () => {
  it('sends token and token_type_hint=refresh_token form-encoded, client_id for a public client, never an Authorization header; HTTP Basic and no client_id for a confidential one', async () => {
    const { url, seen } = await scriptedEndpoint();
    await revokeWith(oauthRevoke({ endpoint: `${url}/revoke`, clientId: 'spa app' }), 'rt+/=1', 'at-never-sent');
    await revokeWith(oauthRevoke({ endpoint: `${url}/revoke`, clientId: 'my client', clientSecret: 'p@ss:w/rd+ %' }), 'rt-2');

    const [pub, conf] = seen;
    expect(pub?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(pub?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(pub?.body))).toEqual({ token: 'rt+/=1', token_type_hint: 'refresh_token', client_id: 'spa app' });
    expect(conf?.headers.authorization).toBe(`Basic ${Buffer.from('my+client:p%40ss%3Aw%2Frd%2B+%25').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(conf?.body))).toEqual({ token: 'rt-2', token_type_hint: 'refresh_token' });
    for (const r of seen) expect(r.body).not.toContain('at-never-sent');
  });

  it('sends nothing without a refresh token; a discovery document without revocation_endpoint is an invalid-response and is read again next time', async () => {
    const endpoint = await scriptedEndpoint((r) => (r.path.includes('.well-known') ? { body: { issuer: endpoint.url, token_endpoint: 'http://127.0.0.1:1/token' } } : { body: {} }));
    await revokeWith(oauthRevoke({ endpoint: `${endpoint.url}/revoke`, clientId: 'spa' }), undefined);
    await revokeWith(oauthRevoke.fromIssuer(endpoint.url, { clientId: 'spa' }), undefined);
    expect(endpoint.seen).toEqual([]);

    const revoke = oauthRevoke.fromIssuer(endpoint.url, { clientId: 'spa' });
    const error = await sessionErrorOf(revokeWith(revoke, 'rt-0123456789'));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('revocation_endpoint');
    await sessionErrorOf(revokeWith(revoke, 'rt-0123456789'));
    expect(endpoint.seen.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', '/.well-known/openid-configuration']);
  });

  it('a 503 answer is kind http with its status; the provider’s text is quoted with the token cut to its last four characters', async () => {
    const secret = 'rt_provider-echoes-me-0123456789';
    const { url } = await scriptedEndpoint(() => ({ status: 503, body: { error: 'temporarily_unavailable', error_description: `try ${secret} later` } }));
    const error = await sessionErrorOf(revokeWith(oauthRevoke({ endpoint: url, clientId: 'spa' }), secret));
    expect(error).toMatchObject({ kind: 'http', status: 503 });
    expect(error.message).toContain('temporarily_unavailable: try …6789 later');
    expect(wholeTokensIn([...messagesOf(error), String(error)], [secret])).toEqual([]);
  });
});
