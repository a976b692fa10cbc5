import axios, { type AxiosInstance } from 'axios';
import ky, { type KyInstance } from 'ky';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, isSessionError, jsonRefresh, jsonRevoke, type Session, type SessionOptions, type TokenSet } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { kyBase, KY_MAJOR } from '../helpers/ky.js';
import { authServer } from '../helpers/server.js';

// DESIGN rule 4 (v3): the refresh never carries the access token and never waits on itself,
// however it is wired. The real auth server counts refreshes that carried `Authorization: Bearer`
// (`refreshWithBearer`). Every session here starts a refresh while authenticated, so a request
// that asks the session for a token waits for that very refresh.

type Options = Omit<SessionOptions, 'refresh'>;

/** A real server and a logged-in session whose refresh `make` builds once the server is up. */
async function setUp(
  make: (url: string, session: () => Session) => SessionOptions['refresh'],
  options: Options | ((url: string, session: () => Session) => Options) = {},
) {
  const server = await authServer();
  const warnings: string[] = [];
  let warned: (message: string) => void = () => {};
  const warning = new Promise<string>((resolve) => (warned = resolve));
  let session: Session | undefined;
  const current = () => session as Session;
  session = createSession({
    refresh: make(server.url, current),
    wake: false,
    onWarning: (m) => (warnings.push(m), warned(m)),
    ...(typeof options === 'function' ? options(server.url, current) : options),
  });
  onTestFinished(() => session?.stop());
  session.login(await server.login());
  server.resetCounters();
  return { server, session, warnings, warning };
}

/** The JSON refresh POST a custom refresh function sends, through `post`. */
const body = (refreshToken: string | undefined) => JSON.stringify({ refreshToken });

/** ky instances under the server's URL (the origin that may get the token). */
const kyClients: Array<[string, (session: Session, url: string) => KyInstance]> = [
  ['ky withSession', (session, url) => withSession(ky.create({ ...kyBase(`${url}/`), retry: 0 }), session)],
  ['ky kyHooks', (session, url) => ky.create({ ...kyBase(`${url}/`), retry: 0, hooks: kyHooks(session) })],
];
const onlyKy = KY_MAJOR === 1;
/** A test of the fetch or axios adapter: registered only in the `unit` project (the `ky1` project runs the ky ones). */
const notKyOnly: typeof it = ((name: string, fn: () => Promise<void>) => (onlyKy ? undefined : it(name, fn))) as typeof it;

describe('the per-request opt-out, `session: false`', () => {
  notKyOnly('fetch: the request goes out as plain fetch sends it, even while a refresh is held', async () => {
    const { server, session } = await setUp((url) => jsonRefresh({ url: `${url}/refresh` }));
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    let open: (v?: unknown) => void = () => {};
    server.setFault({ type: 'gate', open: new Promise((r) => (open = r)) }, 1);
    const refreshing = session.refresh();
    const res = await authFetch('/api/public', { session: false }); // answered while the refresh is held
    expect(res.status).toBe(401); // no token, and no replay after the 401
    open();
    await refreshing;
    expect(server.seen.filter((r) => r.path === '/api/public').map((r) => r.authorization)).toEqual([undefined]);
    expect(server.counters.refreshCalls).toBe(1);
  });

  notKyOnly('fetch: a Request the adapter authorized, sent again with `session: false`, loses the adapter’s header', async () => {
    const { server, session } = await setUp((url) => jsonRefresh({ url: `${url}/refresh` }));
    const kept: Request[] = [];
    const authFetch = createAuthFetch(session, { baseUrl: server.url, fetch: (input, init) => (kept.push(new Request(input, init)), fetch(input, init)) });
    await authFetch('/api/a');
    const again = await authFetch(new Request(kept[0] as Request), { session: false });
    expect(again.status).toBe(401);
    expect(server.seen.map((r) => [r.path, r.authorization?.slice(0, 7)])).toEqual([
      ['/api/a', 'Bearer '],
      ['/api/a', undefined],
    ]);
  });

  notKyOnly('axios: the config option sends it bare and strips a re-sent token', async () => {
    const { server, session } = await setUp((url) => jsonRefresh({ url: `${url}/refresh` }));
    const api: AxiosInstance = axios.create({ baseURL: server.url, validateStatus: () => true });
    attachSession(api, session);
    const first = await api.get('/api/a');
    const again = await api.request({ ...first.config, url: '/api/b', session: false });
    expect(again.status).toBe(401);
    expect(server.seen.map((r) => [r.path, r.authorization?.slice(0, 7)])).toEqual([
      ['/api/a', 'Bearer '],
      ['/api/b', undefined],
    ]);
    expect(server.counters.refreshCalls).toBe(0);
  });

  it.each(kyClients)('%s: the ky option sends it bare (ky 1 and ky 2), with no replay after its 401', async (_name, make) => {
    const { server, session } = await setUp((url) => jsonRefresh({ url: `${url}/refresh` }));
    const api = make(session, server.url);
    const res = await api.get('api/x', { session: false, throwHttpErrors: false });
    expect(res.status).toBe(401);
    await api.get('api/y');
    expect(server.seen.map((r) => [r.path, r.authorization?.slice(0, 7)])).toEqual([
      ['/api/x', undefined],
      ['/api/y', 'Bearer '],
    ]);
    expect(server.counters.refreshCalls).toBe(0);
  });
});

describe('the library’s own refresh and revocation, through the session’s own client', () => {
  /** Fetches shaped from each client: a closure, a wrapper that rebuilds the Request, a ky instance, an axios shim. */
  const wirings: Array<[string, (session: Session, url: string) => typeof fetch]> = [
    ['a closure around createAuthFetch', (s, url) => {
      const authFetch = createAuthFetch(s, { baseUrl: url });
      return (...a) => authFetch(...a);
    }],
    ['a wrapper that rebuilds the Request (the mark is lost; the endpoint is known)', (s, url) => {
      const authFetch = createAuthFetch(s, { baseUrl: url });
      return (input, init) => authFetch(new Request(input, init));
    }],
    ...kyClients.map(([name, make]): [string, (s: Session, url: string) => typeof fetch] => [`${name} as fetch`, (s, url) => {
      const api = make(s, url);
      // under the instance's base, as an app's own calls go (jsonRefresh hands an absolute URL)
      return (input, init) => api(new URL(String(input)).pathname.slice(1), { ...(init as object), throwHttpErrors: false });
    }]),
    ['an axios shim over the attached instance', (s, url) => {
      const api = axios.create({ baseURL: url, validateStatus: () => true, responseType: 'text', transformResponse: (d: unknown) => d });
      attachSession(api, s);
      return async (input, init) => {
        const res = await api.request<string>({ url: String(input), method: init?.method ?? 'GET', data: init?.body, headers: Object.fromEntries(new Headers(init?.headers)) });
        return new Response(res.data, { status: res.status, headers: res.headers as Record<string, string> });
      };
    }],
  ];
  const used = onlyKy ? wirings.filter(([name]) => name.startsWith('ky')) : wirings;

  it.each(used)('%s: the refresh goes out bare and does not wait for itself; so does the revocation at logout', async (_name, wrap) => {
    const { server, session } = await setUp(
      (url, current) => jsonRefresh({ url: `${url}/refresh`, fetch: (input, init) => wrap(current(), url)(input, init) }),
      (url, current) => ({
        refreshTimeout: 3_000,
        retry: { attempts: 0 },
        revoke: jsonRevoke({ url: `${url}/revoke`, fetch: (input, init) => wrap(current(), url)(input, init) }),
      }),
    );
    await session.refresh(); // on a fetch that waited for the token, this would time out
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.refreshWithBearer).toBe(0);
    await session.logout();
    expect(server.seen.filter((r) => r.path === '/revoke').map((r) => r.authorization)).toEqual([undefined]);
    expect(server.counters.revokedFamilies).toBe(1);
  });
});

describe('a custom refresh function that posts through the session’s own client', () => {
  notKyOnly('fetch (seed 004 style): detected while it is being called, sent bare, and named in a warning', async () => {
    const { server, session, warnings } = await setUp((url, current) => {
      let authFetch: typeof fetch | undefined;
      return async ({ refreshToken }) => {
        authFetch ??= createAuthFetch(current(), { baseUrl: url });
        const res = await authFetch('/refresh', { method: 'POST', body: body(refreshToken), headers: { 'content-type': 'application/json' } });
        return (await res.json()) as TokenSet;
      };
    });
    await session.refresh();
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.refreshWithBearer).toBe(0);
    expect(warnings).toEqual([
      'the refresh function sent its request through a client attached to this session; it went out without the token, but mark it `session: false` (axios config, ky options, fetch init) or use a client the session is not attached to',
    ]);
  });

  notKyOnly('axios (seed 003 style) with an interceptor of the app’s own, passing the refresh’s signal: detected by the signal', async () => {
    let api: AxiosInstance | undefined;
    const { server, session, warnings } = await setUp((url, current) => async ({ refreshToken, signal }) => {
      if (!api) {
        api = axios.create({ baseURL: url });
        api.interceptors.request.use(async (config) => config); // async: the adapter runs later
        attachSession(api, current());
      }
      return (await api.post<TokenSet>('/refresh', { refreshToken }, { signal })).data;
    });
    await session.refresh();
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.refreshWithBearer).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('mark it `session: false`');
  });

  notKyOnly('axios with an async interceptor and no signal: the deadlock ends at refreshTimeout, in refreshFailed, and a warning names the opt-out', async () => {
    let api: AxiosInstance | undefined;
    const { server, session, warning } = await setUp(
      (url, current) => async ({ refreshToken }) => {
        if (!api) {
          api = axios.create({ baseURL: url });
          api.interceptors.request.use(async (config) => config);
          attachSession(api, current());
        }
        return (await api.post<TokenSet>('/refresh', { refreshToken })).data;
      },
      { refreshTimeout: 300, retry: { attempts: 0 } },
    );
    const outcome = await session.refresh().catch((e: unknown) => e);
    expect(isSessionError(outcome) && outcome.kind).toBe('timeout');
    expect(await warning).toBe(
      'the refresh function failed with the error given to requests waiting for a token: its own request went through a client attached to this session and waited for itself until refreshTimeout; mark it `session: false` (axios config, ky options, fetch init) or use a client the session is not attached to',
    );
    expect(session.getSnapshot().status).toBe('refreshFailed');
    expect(server.counters.refreshCalls).toBe(0); // it never got out
  });

  it.each(kyClients)('%s: the same deadlock is named once it ends; with `session: false` the refresh works', async (_name, make) => {
    let api: KyInstance | undefined;
    let optOut = false;
    const { server, session, warning, warnings } = await setUp(
      (url, current) => async ({ refreshToken }) => {
        api ??= make(current(), url);
        return api.post('refresh', { json: { refreshToken }, ...(optOut ? { session: false } : {}) }).json<TokenSet>();
      },
      { refreshTimeout: 300, retry: { attempts: 0 } },
    );
    const outcome = await session.refresh().catch((e: unknown) => e);
    expect(isSessionError(outcome) && outcome.kind).toBe('timeout');
    expect(await warning).toContain('waited for itself until refreshTimeout; mark it `session: false`');
    expect(session.getSnapshot().status).toBe('refreshFailed');
    optOut = true; // the remedy the warning names
    await new Promise((resolve) => setImmediate(resolve)); // the failed request's promise chain finishes settling
    await session.refresh();
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(server.counters.refreshOk).toBe(1);
    expect(server.counters.refreshWithBearer).toBe(0);
    expect(warnings).toHaveLength(1); // once
  });
});
