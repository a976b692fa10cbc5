import axios, { isAxiosError } from 'axios';
import ky, { isHTTPError, type Hooks } from 'ky';
import { describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, type Session } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { kyBase, KY_MAJOR } from '../helpers/ky.js';
import { authServer, jumpClock } from '../helpers/server.js';

// Issue 20 item 5: a half-done port keeps the app's old code that copies a token from its own
// store into `Authorization` (vben's request interceptor: `formatToken(accessStore.accessToken)`).
// A header carrying a token THIS session issued (current or earlier) is the session's own: the
// current one goes instead and its 401 is handled as usual. A token the session never issued is
// the app's own and stays untouched; the explicit opt-outs stay opt-outs. Real auth server.

/** The app's own store, as a Pinia access store holds it. */
interface Store {
  accessToken: string | null;
}
const formatToken = (token: string | null) => (token ? `Bearer ${token}` : null);

interface Ported {
  /** GET `path` (leading slash) with the app's own code setting Authorization from `store`; resolves with the status. */
  get(path: string, options?: { optOut?: boolean; absolute?: boolean }): Promise<number>;
}

/** The request of a ky hook, on ky 1 (positional) and ky 2 (one state object). */
const requestOf = (args: unknown[]) => (args[0] instanceof Request ? args[0] : (args[0] as { request: Request }).request);
const appHook = (store: Store) => (...args: unknown[]) => {
  const value = formatToken(store.accessToken);
  if (value !== null) requestOf(args).headers.set('Authorization', value);
};
const kyGet = (api: typeof ky) => async (path: string, o: { optOut?: boolean; absolute?: boolean } = {}) => {
  try {
    const input = o.absolute ? path : path.slice(1);
    return (await api.get(input, { ...(o.absolute && KY_MAJOR === 1 ? { prefixUrl: '' } : {}), ...(o.optOut ? { session: false } : {}) })).status;
  } catch (error) {
    if (isHTTPError(error)) return error.response.status;
    throw error;
  }
};

const all: Array<[string, (session: Session, base: string, store: Store, onWarning: (m: string) => void) => Ported]> = [
  ['axios (vben request interceptor)', (session, base, store, onWarning) => {
    const api = axios.create({ baseURL: base });
    api.interceptors.request.use((config) => {
      config.headers.Authorization = formatToken(store.accessToken);
      return config;
    });
    attachSession(api, session, { onWarning });
    return {
      async get(path, o = {}) {
        try {
          return (await api.get(path, o.optOut ? { session: false } : {})).status;
        } catch (error) {
          if (isAxiosError(error) && error.response) return error.response.status;
          throw error;
        }
      },
    };
  }],
  ['fetch (a wrapper around createAuthFetch)', (session, base, store, onWarning) => {
    const authFetch = createAuthFetch(session, { baseUrl: base, onWarning });
    return {
      get: async (path, o = {}) => {
        const value = formatToken(store.accessToken);
        return (await authFetch(path, { headers: value ? { Authorization: value } : {}, ...(o.optOut ? { session: false } : {}) })).status;
      },
    };
  }],
  ['fetch (a Request built by the app)', (session, base, store, onWarning) => {
    const authFetch = createAuthFetch(session, { baseUrl: base, onWarning });
    return {
      get: async (path, o = {}) => {
        const value = formatToken(store.accessToken);
        const request = new Request(new URL(path, base), { headers: value ? { Authorization: value } : {} });
        return (await authFetch(request, o.optOut ? { session: false } : undefined)).status;
      },
    };
  }],
  ['ky withSession (the app’s beforeRequest hook)', (session, base, store, onWarning) => ({
    get: kyGet(withSession(ky.create({ ...kyBase(`${base}/`), retry: 0, hooks: { beforeRequest: [appHook(store)] } as Hooks }), session, { onWarning })),
  })],
  ['ky kyHooks (the app’s hook first)', (session, base, store, onWarning) => {
    const ours = kyHooks(session, { onWarning });
    const hooks = { ...ours, beforeRequest: [appHook(store), ...(ours.beforeRequest ?? [])] } as Hooks;
    return { get: kyGet(ky.create({ ...kyBase(`${base}/`), retry: 0, hooks })) };
  }],
  ['ky kyHooks (the app’s hook after ours: ky.extend)', (session, base, store, onWarning) => {
    const api = ky.create({ ...kyBase(`${base}/`), retry: 0, hooks: kyHooks(session, { onWarning }) }).extend({ hooks: { beforeRequest: [appHook(store)] } as Hooks });
    return { get: kyGet(api) };
  }],
];
const clients = KY_MAJOR === 1 ? all.filter(([name]) => name.startsWith('ky')) : all;

async function setup(make: (typeof all)[number][1]) {
  const server = await authServer();
  const warnings: string[] = [];
  const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), wake: false });
  const login = await server.login();
  session.login(login);
  const store: Store = { accessToken: login.accessToken }; // the app's login code still fills its store
  const client = make(session, server.url, store, (m) => warnings.push(m));
  server.resetCounters();
  return { server, session, store, client, warnings, login };
}
const sent = (server: { seen: Array<{ path: string; authorization: string | undefined }> }) => server.seen.filter((r) => r.path.startsWith('/api/')).map((r) => r.authorization);

// A hook of the app's that runs after kyHooks' own puts its stored token back after the adapter
// set the current one: only its 401 can still be handled (the test below covers that case).
describe.each(clients.filter(([name]) => !name.includes('after ours')))('%s: the app’s copy of an earlier token', (_name, make) => {
  it('carrying a token the session issued earlier: the current token goes instead, without a refresh', async () => {
    const { server, session, client, warnings } = await setup(make);
    const current = await session.refresh(); // the store still holds the login token
    server.resetCounters();
    expect(await client.get('/api/me')).toBe(200);
    expect(await client.get('/api/me')).toBe(200);
    expect(sent(server)).toEqual([`Bearer ${current}`, `Bearer ${current}`]);
    expect(server.counters.refreshCalls).toBe(0);
    expect(warnings).toEqual([expect.stringContaining('an Authorization header set by the app with a token this session issued')]);
    expect(warnings[0]).toContain('Remove that code');
    expect(warnings.join()).not.toContain(current.slice(-12));
    session.stop();
  });

});

describe.each(clients)('%s: the app’s own Authorization header', (_name, make) => {
  it('carrying the session’s token, refused by the server: one refresh, the replay carries the new token, 200', async () => {
    const { server, session, client, login } = await setup(make);
    server.revokeAccessTokens();
    expect(await client.get('/api/orders')).toBe(200);
    expect(server.counters.refreshCalls).toBe(1);
    const current = session.getSnapshot().accessToken;
    expect(current).not.toBe(login.accessToken);
    expect(sent(server)).toEqual([`Bearer ${login.accessToken}`, `Bearer ${current}`]);
    session.stop();
  });

  it('carrying a token the session never issued: sent untouched, its 401 returned as is, no refresh', async () => {
    const { server, session, client, store, warnings } = await setup(make);
    store.accessToken = 'app-api-key-0123456789';
    expect(await client.get('/api/me')).toBe(401);
    expect(sent(server)).toEqual(['Bearer app-api-key-0123456789']);
    expect(server.counters.refreshCalls).toBe(0);
    expect(warnings).toEqual([]);
    session.stop();
  });

  it('carrying a token of a session that ended (logout, then another login): the app’s own, sent untouched', async () => {
    const { server, session, client, store, login } = await setup(make);
    await session.logout();
    session.login(await server.login('bob'));
    server.resetCounters();
    expect(store.accessToken).toBe(login.accessToken); // the app never cleared its store
    await client.get('/api/me');
    expect(sent(server)).toEqual([`Bearer ${login.accessToken}`]);
    session.stop();
  });

  it('opted out with `session: false`: sent exactly as the app set it, no refresh on its 401', async () => {
    const { server, session, client, login } = await setup(make);
    server.revokeAccessTokens();
    expect(await client.get('/api/me', { optOut: true })).toBe(401);
    expect(sent(server)).toEqual([`Bearer ${login.accessToken}`]);
    expect(server.counters.refreshCalls).toBe(0);
    session.stop();
  });

  it('to an origin the session does not send its token to: sent as the app set it, never replaced', async () => {
    const { session, client, login } = await setup(make);
    const other = await authServer();
    await session.refresh();
    expect(await client.get(`${other.url}/api/elsewhere`, { absolute: true })).toBe(401); // (another signing key)
    expect(sent(other)).toEqual([`Bearer ${login.accessToken}`]);
    expect(other.counters.refreshCalls).toBe(0);
    session.stop();
  });
});

describe('ky kyHooks with the app’s hook after ours (ky.extend): the header it puts back is still the session’s', () => {
  it('its stale copy of an expired token gets a 401: the replay carries the current token, 200, one refresh', async () => {
    const clock = jumpClock();
    const server = await authServer({ now: clock.now });
    const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), now: clock.now, wake: false });
    const login = await server.login();
    session.login(login);
    const store: Store = { accessToken: login.accessToken };
    const warnings: string[] = [];
    const client = all.find(([name]) => name.includes('after ours'))![1](session, server.url, store, (m) => warnings.push(m));
    server.resetCounters();
    clock.advance(30_000); // the login token (and the store's copy) expired
    expect(await client.get('/api/me')).toBe(200);
    const current = session.getSnapshot().accessToken;
    expect(sent(server)).toEqual([`Bearer ${login.accessToken}`, `Bearer ${current}`]);
    expect(server.counters.refreshCalls).toBe(1);
    expect(warnings).toEqual([expect.stringContaining('a token this session issued')]);
    session.stop();
  });
});

describe('axios: the explicit opt-outs stay opt-outs', () => {
  it('`Authorization: false` sends no Authorization at all; `null` (vben’s formatToken with an empty store) lets the session attach its token', async () => {
    const { server, session } = await setup(all[0]![1]);
    const api = axios.create({ baseURL: server.url, validateStatus: () => true });
    attachSession(api, session);
    expect((await api.get('/api/public', { headers: { Authorization: false } })).status).toBe(401);
    expect((await api.get('/api/mine', { headers: { Authorization: null } })).status).toBe(200);
    expect(sent(server)).toEqual([undefined, `Bearer ${session.getSnapshot().accessToken}`]);
    expect(server.counters.refreshCalls).toBe(0);
    session.stop();
  });
});
