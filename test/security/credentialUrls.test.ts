import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSession, isSessionError, jsonRefresh, jsonRevoke, oauthRefresh, oauthRevoke, SessionError } from '../../src/index.js';
import { probeServer } from '../helpers/probe.js';
import { authServer } from '../helpers/server.js';

// DESIGN rule 5 (v3), the library's own credential requests: a relative URL resolves against the
// page's location (never document.baseURI), in Node (no location) it is a clear error instead of
// a guess, and a redirect is never followed (a 307/308 would POST the refresh token on).

afterEach(() => {
  vi.unstubAllGlobals();
});

const signal = () => new AbortController().signal;
const tokens = { accessToken: 'a.b.c', refreshToken: 'rt_secret_value_1234' };

/** Every helper that sends a credential, with the URL it is given. */
const helpers = (url: string) =>
  [
    ['jsonRefresh', () => jsonRefresh({ url })({ refreshToken: tokens.refreshToken, signal: signal() })],
    ['jsonRevoke', () => jsonRevoke({ url })({ ...tokens, signal: signal() })],
    ['oauthRefresh', () => oauthRefresh({ tokenEndpoint: url, clientId: 'spa' })({ refreshToken: tokens.refreshToken, signal: signal() })],
    ['oauthRevoke', () => oauthRevoke({ endpoint: url, clientId: 'spa' })({ ...tokens, signal: signal() })],
  ] as const;

async function failure(work: () => Promise<unknown>): Promise<SessionError> {
  const error = await work().then(
    () => null,
    (e: unknown) => e,
  );
  if (!isSessionError(error)) throw new Error(`expected a SessionError, got ${String(error)}`);
  return error;
}

describe('a relative endpoint in Node (no page to resolve it against)', () => {
  it.each(helpers('/auth/refresh'))('%s fails with a SessionError that says so, and sends nothing', async (_name, run) => {
    const fetchSpy = vi.fn<typeof fetch>();
    vi.stubGlobal('fetch', fetchSpy);
    const error = await failure(run);
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('"/auth/refresh" is relative and there is no page (no `location`) to resolve it against; give the absolute URL');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('leaves the session in refreshFailed with its tokens, not retrying a configuration no retry can mend', async () => {
    const session = createSession({ refresh: jsonRefresh({ url: '/auth/refresh' }), wake: false, retry: { attempts: 3 } });
    session.login({ accessToken: 'opaque-access', refreshToken: tokens.refreshToken, expiresIn: 600 });
    const error = await session.refresh().catch((e: unknown) => e);
    expect(isSessionError(error) && error.kind).toBe('invalid-response');
    expect(session.getSnapshot().status).toBe('refreshFailed');
    expect(session.getSnapshot().accessToken).toBe('opaque-access');
    session.stop();
  });
});

describe('a relative endpoint in a page with a <base href> on another origin', () => {
  it.each(['jsonRefresh', 'jsonRevoke', 'oauthRefresh', 'oauthRevoke'])('%s posts to the page origin, never to the base', async (name) => {
    const server = await authServer();
    const evil = await probeServer();
    vi.stubGlobal('location', new URL(`${server.url}/app/index.html`));
    vi.stubGlobal('document', { baseURI: `${evil.url}/` });
    const path = name.startsWith('json') ? (name === 'jsonRefresh' ? '/refresh' : '/revoke') : '/oauth/endpoint';
    const run = new Map<string, () => Promise<unknown>>(helpers(path)).get(name);
    await run?.().catch(() => {}); // the demo server has no OAuth endpoint: where it went is what counts
    expect(evil.seen).toEqual([]);
    expect(server.seen.map((r) => [r.method, r.path])).toEqual([['POST', path]]);
  });

  it('a protocol-relative url takes the page’s scheme, not the base’s', async () => {
    const server = await authServer();
    vi.stubGlobal('location', new URL(`${server.url}/app/`)); // http
    vi.stubGlobal('document', { baseURI: 'https://evil.test/' });
    const { refreshToken } = await server.login();
    const refresh = jsonRefresh({ url: `//127.0.0.1:${server.port}/refresh` });
    expect(typeof (await refresh({ refreshToken, signal: signal() })).accessToken).toBe('string');
    expect(server.counters.refreshOk).toBe(1); // http://127.0.0.1:port, where the page is
  });

  it('a refresh and a logout through the session reach the real server and nothing else', async () => {
    const server = await authServer();
    const evil = await probeServer();
    vi.stubGlobal('location', new URL(`${server.url}/app/`));
    vi.stubGlobal('document', { baseURI: `${evil.url}/` });
    const session = createSession({ refresh: jsonRefresh({ url: '/refresh' }), revoke: jsonRevoke({ url: '/revoke' }), wake: false });
    session.login(await server.login());
    await session.refresh();
    await session.logout();
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.revokedFamilies).toBe(1);
    expect(evil.seen).toEqual([]);
    session.stop();
  });
});

describe('a credential endpoint that answers with a redirect to another origin', () => {
  it.each([307, 308, 302, 301, 303])('%i: every helper refuses it as invalid-response, and the other origin gets nothing', async (status) => {
    const api = await probeServer();
    const evil = await probeServer();
    const url = `${api.url}/go?status=${status}&to=${encodeURIComponent(`${evil.url}/steal`)}`;
    for (const [name, run] of helpers(url)) {
      const error = await failure(run);
      expect([name, error.kind, error.status]).toEqual([name, 'invalid-response', status]);
      expect(error.message).toContain('credential requests do not follow redirects');
    }
    expect(api.seen.map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'POST']);
    expect(evil.seen).toEqual([]);
  });

  it('refuses the answer of a fetch of the app’s own that follows the redirect anyway', async () => {
    const api = await probeServer();
    const evil = await probeServer();
    const following: typeof fetch = (input, init) => fetch(input, { ...init, redirect: 'follow' });
    const url = `${api.url}/go?status=307&to=${encodeURIComponent(`${evil.url}/steal`)}`;
    const error = await failure(() => jsonRefresh({ url, fetch: following })({ refreshToken: tokens.refreshToken, signal: signal() }));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('redirect');
    expect(error.message).not.toContain(tokens.refreshToken);
  });

  it('still reaches an endpoint that answers directly (the control)', async () => {
    const server = await authServer();
    const { refreshToken } = await server.login();
    const answer = await jsonRefresh({ url: `${server.url}/refresh` })({ refreshToken, signal: signal() });
    expect(typeof answer.accessToken).toBe('string');
    expect(server.counters.refreshOk).toBe(1);
  });
});
