import axios from 'axios';
import ky, { type KyInstance } from 'ky';
import ky1 from 'ky1';
import {
  createSession,
  isSessionError,
  jsonRefresh,
  jsonRevoke,
  memoryStorage,
  oauthRefresh,
  oauthRevoke,
  type Session,
  type TokenSet,
} from '../../../src/index.js';
import { attachSession } from '../../../src/axios.js';
import { createAuthFetch } from '../../../src/fetch.js';
import { kyHooks, withSession } from '../../../src/ky.js';

// The trust-boundary tests in a real browser: every client is created the way an app without a
// base URL creates it (the page origin is the allowed one) and sends what the test asks.

/** GET `input`, or POST `json` to it; resolves with the status and the JSON body (or null). */
type Send = (input: string, json?: unknown) => Promise<{ status: number; body: unknown }>;
let session: Session | undefined;
let clients: Record<string, Send> = {};

const viaKy = (api: KyInstance): Send => async (input, json) => {
  const res = await (json === undefined ? api.get(input) : api.post(input, { json }));
  return { status: res.status, body: await res.json().catch(() => null) };
};

function make(s: Session, options: { origins?: string[]; renewHeader?: string }): Record<string, Send> {
  const authFetch = createAuthFetch(s, options);
  const api = axios.create({ validateStatus: () => true });
  attachSession(api, s, options);
  const plain = { retry: 0, throwHttpErrors: false } as const;
  // ky 1 is driven through the same calls; its hooks receive positional arguments
  const k1 = ky1 as unknown as KyInstance;
  return {
    fetch: async (input, json) => {
      const res = await authFetch(input, json === undefined ? {} : { method: 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json' } });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    axios: async (input, json) => {
      const res = await (json === undefined ? api.get(input) : api.post(input, json));
      return { status: res.status, body: res.data as unknown };
    },
    'ky2 withSession': viaKy(withSession(ky.create(plain), s, options)),
    'ky2 kyHooks': viaKy(ky.create({ ...plain, hooks: kyHooks(s, options) })),
    'ky1 withSession': viaKy(withSession(k1.create(plain), s, options)),
    'ky1 kyHooks': viaKy(k1.create({ ...plain, hooks: kyHooks(s, options) })),
  };
}

/**
 * The same clients, each configured with a *relative* base (what the README shows for an API on
 * the page's own origin): where they may send the token must not follow a `<base href>`.
 * Inputs are relative to that base ('me' is /api/me).
 */
function makeRelative(s: Session): Record<string, Send> {
  const plain = { retry: 0, throwHttpErrors: false } as const;
  const k1 = ky1 as unknown as KyInstance;
  const viaFetch = (f: typeof fetch): Send => async (input) => {
    const res = await f(input);
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const api = axios.create({ baseURL: '/api', validateStatus: () => true });
  attachSession(api, s);
  const k1Options = { ...plain, prefixUrl: '/api' } as unknown as Parameters<KyInstance['create']>[0];
  const k1Hooks = { ...plain, prefixUrl: '/api', hooks: kyHooks(s) } as unknown as Parameters<KyInstance['create']>[0];
  const authFetch = createAuthFetch(s, { baseUrl: '/api/' });
  return {
    'fetch baseUrl': viaFetch(authFetch),
    'fetch baseUrl, a Request': viaFetch((input) => authFetch(new Request(`/api/${String(input)}`))),
    'fetch baseUrl, a URL object': viaFetch((input) => authFetch(new URL(`/api/${String(input)}`, document.baseURI))),
    'axios baseURL': async (input) => {
      const res = await api.get(input);
      return { status: res.status, body: res.data as unknown };
    },
    'ky2 baseUrl': viaKy(withSession(ky.create({ ...plain, baseUrl: '/api/' }), s)),
    'ky2 prefix': viaKy(withSession(ky.create({ ...plain, prefix: '/api' }), s)),
    'ky2 kyHooks baseUrl': viaKy(ky.create({ ...plain, baseUrl: '/api/', hooks: kyHooks(s) })),
    'ky1 prefixUrl': viaKy(withSession(k1.create(k1Options), s)),
    'ky1 kyHooks prefixUrl': viaKy(k1.create(k1Hooks)),
  };
}

/** Clients whose base the app gave in another form: they still go where the app said. */
function makeAnchored(s: Session): Record<string, Send> {
  const here = `//${location.host}/api/`; // protocol-relative
  const viaFetch = (f: typeof fetch): Send => async (input) => {
    const res = await f(input);
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const api = axios.create({ baseURL: here, validateStatus: () => true });
  attachSession(api, s);
  return {
    'fetch baseUrl as a URL object': viaFetch(createAuthFetch(s, { baseUrl: new URL('/api/', location.href) })),
    'fetch protocol-relative baseUrl': viaFetch(createAuthFetch(s, { baseUrl: here })),
    'axios protocol-relative baseURL': async (input) => {
      const res = await api.get(input);
      return { status: res.status, body: res.data as unknown };
    },
  };
}

/** What a session's own credential requests use: JSON endpoints or OAuth ones, all relative. */
type Endpoints = 'json' | 'oauth';

const sec = {
  /** A fresh session, logged out, with one instance of each client; returns the clients' names. */
  setup(options: { origins?: string[]; renewHeader?: string } = {}) {
    session?.stop();
    session = createSession({ refresh: jsonRefresh({ url: '/refresh' }), storage: memoryStorage(), wake: false });
    clients = make(session, options);
    return Object.keys(clients);
  },
  /** A fresh session whose clients have relative (or, `anchored`, otherwise written) bases. */
  setupRelative(anchored = false) {
    session?.stop();
    session = createSession({ refresh: jsonRefresh({ url: '/refresh' }), storage: memoryStorage(), wake: false });
    clients = anchored ? makeAnchored(session) : makeRelative(session);
    return Object.keys(clients);
  },
  /** A fresh session whose refresh and revoke endpoints are relative URLs. */
  setupEndpoints(kind: Endpoints) {
    session?.stop();
    clients = {};
    session = createSession({
      ...(kind === 'json'
        ? { refresh: jsonRefresh({ url: '/refresh' }), revoke: jsonRevoke({ url: '/revoke' }) }
        : { refresh: oauthRefresh({ tokenEndpoint: '/oauth/token', clientId: 'spa' }), revoke: oauthRevoke({ endpoint: '/oauth/revoke', clientId: 'spa' }) }),
      storage: memoryStorage(),
      wake: false,
    });
  },
  /** A fresh session whose refresh and revoke endpoints are these URLs (JSON, header mode for revoke). */
  setupAt(refreshUrl: string, revokeUrl: string) {
    session?.stop();
    clients = {};
    session = createSession({
      refresh: jsonRefresh({ url: refreshUrl }),
      revoke: jsonRevoke({ url: revokeUrl, header: 'X-Refresh-Token' }),
      storage: memoryStorage(),
      wake: false,
    });
  },
  /** session.refresh(): 'ok', or the error's kind. */
  async refresh(): Promise<string> {
    try {
      await session?.refresh();
      return 'ok';
    } catch (error) {
      return isSessionError(error) ? error.kind : String(error);
    }
  },
  /** session.logout(), revocation included; the status after it. */
  async logout() {
    await session?.logout();
    return session?.getSnapshot().status;
  },
  /** Logs in with the page's plain fetch, at the page's own origin whatever <base> says. */
  async login() {
    const res = await fetch(new URL('/login', location.href), { method: 'POST', body: JSON.stringify({ username: 'alice' }) });
    session?.login((await res.json()) as TokenSet);
    return session?.getSnapshot().status;
  },
  /** Logs in through `client` itself (logged out, the request goes out as the bare client sends it). */
  async loginThrough(client: string) {
    const { status, body } = await (clients[client] as Send)('/login', { username: 'alice' });
    if (status !== 200) return `login answered ${status}`;
    session?.login(body as TokenSet);
    return session?.getSnapshot().status;
  },
  /** Sends a GET with `client`; the status, or the error's name. */
  async send(client: string, input: string): Promise<string> {
    try {
      return String((await (clients[client] as Send)(input)).status);
    } catch (error) {
      return `error: ${error instanceof Error ? error.name : String(error)}`;
    }
  },
  /** Adds (or moves) a <base href>: relative URLs now resolve against it. */
  setBase(href: string) {
    const base = document.querySelector('base') ?? document.head.appendChild(document.createElement('base'));
    base.href = href;
    return document.baseURI;
  },
  /** Removes the <base>: relative URLs resolve against the page again. */
  clearBase() {
    document.querySelector('base')?.remove();
    return document.baseURI;
  },
  token: () => session?.getSnapshot().accessToken ?? null,
  sub: () => session?.getSnapshot().claims?.sub ?? null,
};

(window as unknown as { sec: typeof sec }).sec = sec;
(document.getElementById('status') as HTMLElement).textContent = 'ready';
