import type { Clock } from './clock.js';
import { createStore, type Store } from './store.js';

/** The fake server's origin. Nothing is sent there: `backend.fetch` answers in the page. */
export const API_ORIGIN = 'https://api.example.test';

/** One line of the request log, as the server saw it. */
export interface LoggedRequest {
  id: number;
  method: string;
  path: string;
  /** What the request carried, redacted to its last four characters (`access …A001`). */
  credential: string;
  /** `waiting`, the HTTP status (`200`, `401`), `network error` or `aborted`. */
  outcome: string;
}

/** The server's switches and counters, as the story shows them. */
export interface BackendState {
  networkDown: boolean;
  /** `code-401`: the refresh endpoint answers 200 with `{ code: 401 }` (seed 003's server). */
  refreshAnswer: 'rotate' | 'code-401';
  /** Refresh answers are held until released (a slow refresh). */
  holdRefresh: boolean;
  /** API answers are held until released (slow requests, for the stale 401). */
  holdApi: boolean;
  /** POSTs to /auth/refresh the client made, whether or not they reached the server. */
  refreshCalls: number;
  log: readonly LoggedRequest[];
}

export interface FakeBackend {
  /** A `fetch` that answers like an auth server with refresh-token rotation. */
  fetch: typeof fetch;
  readonly store: Store<BackendState>;
  setNetworkDown(down: boolean): void;
  setRefreshAnswer(answer: BackendState['refreshAnswer']): void;
  /** Turns holding on, or off and releases everything held. */
  setHold(what: 'refresh' | 'api', hold: boolean): void;
  /** Revokes every session: its access tokens and refresh tokens stop working. */
  revokeAll(): void;
}

interface Family {
  revoked: boolean;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const base64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const last4 = (token: string) => `…${token.slice(-4)}`;

/**
 * An auth server in the page: POST /auth/login, POST /auth/refresh (rotation; a refresh token
 * used twice revokes its whole family), GET /api/data (refuses missing, unknown, expired or
 * revoked access tokens) and GET /api/always-401. Access token number n ends in `A00n`, its
 * refresh token in `R00n`, so the log and the statechart panel show which one was used.
 */
export function createFakeBackend(clock: Clock, options: { accessTtl?: number } = {}): FakeBackend {
  const ttl = options.accessTtl ?? 60;
  const store = createStore<BackendState>({
    networkDown: false,
    refreshAnswer: 'rotate',
    holdRefresh: false,
    holdApi: false,
    refreshCalls: 0,
    log: [],
  });
  const set = (change: Partial<BackendState>) => store.update((s) => ({ ...s, ...change }));
  const accessTokens = new Map<string, { family: Family; exp: number }>();
  const refreshTokens = new Map<string, { family: Family; used: boolean }>();
  const families: Family[] = [];
  const held = { refresh: [] as Array<() => void>, api: [] as Array<() => void> };
  let issued = 0;

  function issue(family: Family) {
    const n = String(++issued).padStart(3, '0');
    const iat = Math.floor(clock.now() / 1000);
    const payload = { sub: 'alice', name: 'Alice', iat, exp: iat + ttl, jti: issued };
    const accessToken = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.fake-signature-A${n}`;
    const refreshToken = `fake-refresh-token-R${n}`;
    accessTokens.set(accessToken, { family, exp: payload.exp * 1000 });
    refreshTokens.set(refreshToken, { family, used: false });
    return { accessToken, refreshToken, expiresIn: ttl };
  }

  function login() {
    const family = { revoked: false };
    families.push(family);
    return json(200, issue(family));
  }

  function refresh(refreshToken: unknown) {
    if (store.get().refreshAnswer === 'code-401') return json(200, { code: 401, msg: 'token expired, please log in' });
    const record = typeof refreshToken === 'string' ? refreshTokens.get(refreshToken) : undefined;
    if (!record || record.family.revoked) return json(401, { error: 'invalid_grant' });
    if (record.used) {
      record.family.revoked = true; // reuse detection: someone replayed a spent token
      return json(401, { error: 'invalid_grant', error_description: 'refresh token reused' });
    }
    record.used = true;
    return json(200, issue(record.family));
  }

  function api(path: string, authorization: string | null) {
    if (path === '/api/always-401') return json(401, { error: 'invalid_token' });
    if (path !== '/api/data') return json(404, { error: 'not_found' });
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    const record = accessTokens.get(token);
    if (!record || record.family.revoked) return json(401, { error: 'invalid_token' });
    if (clock.now() >= record.exp) return json(401, { error: 'invalid_token', error_description: 'expired' });
    return json(200, { items: ['a', 'b', 'c'] });
  }

  function wait(kind: 'refresh' | 'api' | null, signal: AbortSignal): Promise<void> {
    const holding = kind === 'refresh' ? store.get().holdRefresh : kind === 'api' ? store.get().holdApi : false;
    if (kind === null || !holding) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      held[kind].push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const { pathname } = new URL(request.url);
    const body = request.method === 'POST' ? ((await request.clone().json().catch(() => ({}))) as Record<string, unknown>) : {};
    const authorization = request.headers.get('authorization');
    const isRefresh = pathname === '/auth/refresh';
    // A refresh that also carried the access token as a Bearer would show it here (and fail
    // the stories' exact log lines): rule 4 of the design, visible.
    const access = authorization ? `access ${last4(authorization)}` : null;
    const credential = isRefresh
      ? [`refresh ${typeof body.refreshToken === 'string' ? last4(body.refreshToken) : '—'}`, access].filter(Boolean).join(', ')
      : (access ?? 'no token');
    const id = store.get().log.length + 1;
    const finish = (outcome: string) =>
      store.update((s) => ({ ...s, log: s.log.map((entry) => (entry.id === id ? { ...entry, outcome } : entry)) }));
    store.update((s) => ({
      ...s,
      refreshCalls: s.refreshCalls + (isRefresh ? 1 : 0),
      log: [...s.log, { id, method: request.method, path: pathname, credential, outcome: 'waiting' }],
    }));
    await Promise.resolve(); // answer asynchronously, like a network
    if (store.get().networkDown) {
      finish('network error');
      throw new TypeError('Failed to fetch');
    }
    try {
      await wait(isRefresh ? 'refresh' : pathname.startsWith('/api/') ? 'api' : null, request.signal);
    } catch (reason) {
      finish('aborted');
      throw reason instanceof Error ? reason : new DOMException('The operation was aborted.', 'AbortError');
    }
    const response =
      pathname === '/auth/login' ? login() : isRefresh ? refresh(body.refreshToken) : api(pathname, authorization);
    finish(String(response.status));
    return response;
  };

  return {
    fetch: fakeFetch,
    store,
    setNetworkDown: (networkDown) => set({ networkDown }),
    setRefreshAnswer: (refreshAnswer) => set({ refreshAnswer }),
    setHold(what, hold) {
      set(what === 'refresh' ? { holdRefresh: hold } : { holdApi: hold });
      if (hold) return;
      const release = held[what].splice(0);
      for (const go of release) go();
    },
    revokeAll() {
      for (const family of families) family.revoked = true;
    },
  };
}
