import axios, { isAxiosError } from 'axios';
import ky from 'ky';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, SessionError, type RefreshFunction, type SessionErrorKind, type TokenSet } from '../../src/index.js';
import { authServer } from '../helpers/server.js';
import { closedPort } from '../helpers/scriptedEndpoint.js';
import type { AuthServer } from '../../demo/server/authServer.js';

// Issue 20 item 1: an app refreshes through its own request wrapper, and many wrappers throw the
// response body (`error.response.data`). A refused refresh then carries no status: the session
// reads it as a network failure (retries, refreshFailed, never onLoggedOut). It now says so once,
// naming the remedy (`throw new SessionError('rejected', …)`), and the errors that do carry a
// status are read from every shape HTTP clients throw. Real auth server answering 403.

/** vben's request client, reduced to what matters here: errors reject with the response body. */
function vbenRequestClient(baseURL: string) {
  const client = axios.create({ baseURL });
  client.interceptors.response.use(
    (response) => response.data as unknown as typeof response,
    (error: unknown) => Promise.reject(isAxiosError(error) && error.response ? error.response.data : error),
  );
  return client;
}

function start(server: AuthServer, refresh: RefreshFunction) {
  const warnings: string[] = [];
  const loggedOut: Array<SessionError | null> = [];
  const session = createSession({
    refresh,
    wake: false,
    retry: { attempts: 2, backoff: () => 0 },
    onWarning: (m) => warnings.push(m),
    onLoggedOut: (reason) => loggedOut.push(reason),
  });
  onTestFinished(() => session.stop());
  return { session, warnings, loggedOut };
}

const settled = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof Error && 'kind' in e ? (e as SessionError).kind : String(e)));

describe('a refresh function that throws the response body (a vben-style wrapper), the server answering 403', () => {
  it('reads as a transient failure: refreshFailed, no logout, and one warning (for three refused attempts) that names the remedy', async () => {
    const server = await authServer();
    const client = vbenRequestClient(server.url);
    const { session, warnings, loggedOut } = start(server, async ({ refreshToken, signal }) => client.post('/refresh', { refreshToken }, { signal }) as Promise<TokenSet>);
    session.login(await server.login());
    server.setFault({ type: 'status', status: 403 });
    server.resetCounters();
    expect(await settled(session.refresh())).toBe('network');
    expect(server.counters.refreshCalls).toBe(3); // the first attempt and two retries, each refused
    expect(session.getSnapshot().status).toBe('refreshFailed');
    expect(loggedOut).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('an object { error, message } (a response body?) that carries no HTTP status');
    expect(warnings[0]).toContain("throw new SessionError('rejected', …)");
    expect(warnings[0]).not.toContain('fault 403'); // nothing the server said
  });

  it('with the documented remedy (the refresh says "rejected" itself) the session logs out: onLoggedOut once, kind rejected, no warning', async () => {
    const server = await authServer();
    const bare = axios.create({ baseURL: server.url }); // no body-unwrapping interceptor on the refresh
    const { session, warnings, loggedOut } = start(server, async ({ refreshToken, signal }) => {
      const res = await bare.post<TokenSet>('/refresh', { refreshToken }, { signal, validateStatus: () => true });
      if (res.status === 400 || res.status === 401 || res.status === 403) throw new SessionError('rejected', `the refresh was refused (${res.status})`);
      if (res.status !== 200) throw new SessionError('http', `the refresh failed (${res.status})`, { status: res.status });
      return res.data;
    });
    session.login(await server.login());
    server.setFault({ type: 'status', status: 403 });
    server.resetCounters();
    expect(await settled(session.refresh())).toBe('rejected');
    expect(server.counters.refreshCalls).toBe(1);
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(loggedOut.map((r) => r?.kind)).toEqual(['rejected']);
    expect(warnings).toEqual([]);
  });
});

/** The shapes HTTP clients throw, each made by a real client from the server's real answer. */
const shapes: Array<[string, (url: string) => RefreshFunction]> = [
  ['an AxiosError', (url) => async ({ refreshToken, signal }) => (await axios.post<TokenSet>(`${url}/refresh`, { refreshToken }, { signal })).data],
  ['a ky HTTPError', (url) => async ({ refreshToken, signal }) => ky.post(`${url}/refresh`, { json: { refreshToken }, signal, retry: 0 }).json<TokenSet>()],
  ['a fetch Response (thrown)', (url) => async ({ refreshToken, signal }) => {
    const res = await fetch(`${url}/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }), signal });
    if (!res.ok) throw res;
    return (await res.json()) as TokenSet;
  }],
  ['{ status }', (url) => async ({ refreshToken, signal }) => {
    const res = await fetch(`${url}/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }), signal });
    if (!res.ok) throw { status: res.status, message: 'refresh failed' };
    return (await res.json()) as TokenSet;
  }],
  ['{ response: { status } }', (url) => async ({ refreshToken, signal }) => {
    const res = await fetch(`${url}/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }), signal });
    if (!res.ok) throw Object.assign(new Error('refresh failed'), { response: { status: res.status, data: await res.json() } });
    return (await res.json()) as TokenSet;
  }],
  ['{ response: { statusCode } } (got)', (url) => async ({ refreshToken, signal }) => {
    const res = await fetch(`${url}/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }), signal });
    if (!res.ok) throw Object.assign(new Error(`Response code ${res.status}`), { name: 'HTTPError', response: { statusCode: res.status } });
    return (await res.json()) as TokenSet;
  }],
];

describe.each(shapes)('a refresh error that carries its status: %s', (_name, make) => {
  it.each<[number, SessionErrorKind, string]>([
    [403, 'rejected', 'loggedOut'],
    [401, 'rejected', 'loggedOut'],
    [503, 'http', 'refreshFailed'],
  ])('%i: kind %s, status %s, no warning', async (status, kind, after) => {
    const server = await authServer();
    const { session, warnings, loggedOut } = start(server, make(server.url));
    session.login(await server.login());
    server.setFault({ type: 'status', status });
    expect(await settled(session.refresh())).toBe(kind);
    expect(session.getSnapshot().status).toBe(after);
    expect(session.getSnapshot().error?.status).toBe(status);
    expect(loggedOut.map((r) => r?.kind)).toEqual(after === 'loggedOut' ? ['rejected'] : []);
    expect(warnings).toEqual([]);
  });
});

describe('failures that are plainly the network are not warned about', () => {
  it.each<[string, (url: string) => RefreshFunction]>([
    ['fetch to a closed port (TypeError: fetch failed)', (url) => async ({ signal }) => (await fetch(`${url}/refresh`, { method: 'POST', signal })).json() as Promise<TokenSet>],
    ['axios to a closed port (AxiosError without a response)', (url) => async ({ signal }) => (await axios.post<TokenSet>(`${url}/refresh`, {}, { signal })).data],
    ['a vben-style wrapper to a closed port (it rethrows the AxiosError: no body)', (url) => async ({ signal }) => vbenRequestClient(url).post('/refresh', {}, { signal }) as Promise<TokenSet>],
  ])('%s', async (_name, make) => {
    const server = await authServer();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { session, warnings, loggedOut } = start(server, make(url));
    session.login(await server.login());
    expect(await settled(session.refresh())).toBe('network');
    expect(session.getSnapshot().status).toBe('refreshFailed');
    expect([warnings, loggedOut]).toEqual([[], []]);
  });

  it('a refresh aborted by a logout is not warned about either', async () => {
    const server = await authServer();
    const { session, warnings } = start(server, ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject({ aborted: true }))));
    session.login(await server.login());
    const pending = settled(session.refresh());
    expect(session.getSnapshot().status).toBe('refreshing');
    await session.logout();
    expect(await pending).toBe('logged-out');
    expect(warnings).toEqual([]);
  });
});

describe('a refresh function with a bug of its own', () => {
  it('a TypeError that is not fetch’s network failure (reading a field of undefined) is warned about: it carries no status either', async () => {
    const server = await authServer();
    const { session, warnings } = start(server, async ({ refreshToken, signal }) => {
      const res = await fetch(`${server.url}/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }), signal });
      const body = (await res.json()) as { data?: { fetchedToken: string } };
      return { accessToken: body.data!.fetchedToken }; // the answer has no `data`: a TypeError
    });
    session.login(await server.login());
    expect(await settled(session.refresh())).toBe('network');
    expect(warnings).toEqual([expect.stringContaining('an error (TypeError) that carries no HTTP status')]);
  });
});
