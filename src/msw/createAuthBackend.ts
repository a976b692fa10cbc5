import { HttpResponse, http, type HttpHandler, type HttpResponseResolver, type PathParams } from 'msw';
import { createHolds } from './holds.js';
import { createRequestLog, newCounters, type BackendCounters, type BackendRequest, type BackendRoute } from './requestLog.js';
import { createTokenAuthority, type AccessClaims, type Answer, type IssuedPair } from './tokens.js';

/**
 * How the next refresh fails: a network error, a hung server, a 200 `{ code: 401 }`, or an HTTP status.
 *
 * @example
 * backend.failNextRefresh('network') // once; failNextRefresh(503, Infinity) until failNextRefresh(null)
 */
export type RefreshFailure = 'network' | 'hang' | 'error-body' | number;

/**
 * Options of {@link createAuthBackend}.
 *
 * @example
 * createAuthBackend({ baseUrl: 'https://api.example.test', accessTtl: 30, graceMs: 2_000, now: clock.now })
 */
export interface AuthBackendOptions {
  /** Where the backend answers, e.g. `https://api.example.test` (default: any origin). */
  baseUrl?: string;
  /**
   * Route paths. Defaults: `/auth/login`, `/auth/refresh`, `/auth/revoke` (`logout`: the
   * revocation endpoint `jsonRevoke` posts to) and `/api/*` (the protected resource).
   */
  paths?: { login?: string; refresh?: string; logout?: string; resource?: string };
  /** Access-token lifetime in seconds (default 60). */
  accessTtl?: number;
  /** Refresh-token lifetime in seconds (default 3600); each rotation starts a new one. */
  refreshTtl?: number;
  /**
   * Maximum age of a login in seconds (default none): none of its refresh tokens lives past this
   * much after the login, however often they rotate (Keycloak's "SSO Session Max").
   */
  refreshMaxAge?: number;
  /**
   * A spent refresh token presented again within this many ms gets the login's current refresh
   * token (and a new access token) instead of a revocation (default 0).
   */
  graceMs?: number;
  /**
   * The server's clock (default `Date.now`): token `iat`/`exp`, expiry checks, refresh-token
   * lifetimes, the grace window and the `Date` header. Give the session the same function, so a
   * test that moves time moves both; `setClockOffset` then moves the server alone.
   */
  now?: () => number;
  /** Extra claims for a user's access tokens, e.g. `(user) => ({ name: 'Alice', roles: ['admin'] })`. */
  claims?: (username: string) => Record<string, unknown>;
}

/**
 * What a protected handler receives besides MSW's own resolver info.
 *
 * @example
 * const admin: ProtectedResolver = ({ claims }) => HttpResponse.json({ admin: claims.sub === 'root' })
 */
export type ProtectedResolver = (info: { request: Request; params: PathParams; claims: AccessClaims }) => Response | Promise<Response>;

/**
 * The fake auth backend: MSW handlers, switches, counters and the request log.
 *
 * @example
 * const backend: AuthBackend = createAuthBackend({ baseUrl: 'https://api.example.test' })
 * backend.revokeSessions() // the next refresh is invalid_grant: the session logs out with kind 'rejected'
 */
export interface AuthBackend {
  /** Pass to `setupServer(...)`, `setupWorker(...)` or Storybook's `msw.use(...)`; your own handlers go first. */
  readonly handlers: HttpHandler[];
  /** Counters since the last `reset()`. */
  readonly counters: Readonly<BackendCounters>;
  /** Every request received since the last `reset()`, oldest first (an immutable list, replaced on change). */
  readonly requests: readonly BackendRequest[];
  /** Every token pair issued, oldest first: `issued[0]` is the first login's. */
  readonly issued: readonly IssuedPair[];
  /** Calls `listener` after every change of the log, counters or switches; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Tokens for `username` without an HTTP login (not counted, not logged). */
  issueTokens(username?: string): Promise<{ accessToken: string; refreshToken: string; expiresIn: number; refreshExpiresIn: number }>;
  /** Every access token issued so far is refused as expired from now on (refresh tokens still work). */
  expireAccessTokens(): void;
  /** Every session is revoked: its access tokens are refused and its next refresh is `invalid_grant`. */
  revokeSessions(): void;
  /** The next `times` refreshes (default 1; `Infinity` until cleared) fail this way; `null` clears. */
  failNextRefresh(failure: RefreshFailure | null, times?: number): void;
  /** Moves the server's clock by `ms` relative to `now` (tokens' `iat`/`exp`, expiry checks, `Date`). */
  setClockOffset(ms: number): void;
  /** Holds refresh or protected requests unanswered until `release` (or their abort). */
  hold(route: 'refresh' | 'resource'): void;
  /** Answers the held requests of `route` and stops holding it. */
  release(route: 'refresh' | 'resource'): void;
  /** While offline every request to the backend fails as a network error. */
  setOffline(offline: boolean): void;
  /**
   * Wraps your own handler's resolver in the backend's token check: it runs only for a valid,
   * unexpired, unrevoked access token (else 401), is counted and logged as a protected request.
   */
  protect(resolver: ProtectedResolver): HttpResponseResolver;
  /**
   * Forgets counters, log, failures, holds, revocations and the clock offset, and starts a new
   * signing key: tokens issued before it are refused as `invalid` after it.
   */
  reset(): void;
}

const json = (status: number, body: unknown, date: number) =>
  HttpResponse.json(body as Record<string, unknown>, { status, headers: { date: new Date(date).toUTCString(), 'cache-control': 'no-store' } });

/**
 * A fake auth backend as MSW request handlers, for your app's tests and stories: login
 * (`POST /auth/login`, `username` from a JSON or form body, any password), refresh with rotation
 * and reuse detection (`POST /auth/refresh`), revocation (`POST /auth/revoke`, what `jsonRevoke`
 * sends) and a protected resource (`/api/*`). Tokens are real JWTs (HS256, signed with jose), so
 * claims and expiry work as in production. A refresh token works once; presented again after
 * `graceMs` it revokes its whole login. Switches expire tokens, revoke sessions, make the next
 * refresh fail, or skew the clock.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createAuthBackend } from 'silent-session/msw'
 * const backend = createAuthBackend({ baseUrl: 'https://api.example.test' })
 * const server = setupServer(...backend.handlers)
 * // in a test: backend.expireAccessTokens(); …; expect(backend.counters.refreshes).toBe(1)
 */
export function createAuthBackend(options: AuthBackendOptions = {}): AuthBackend {
  const base = (options.baseUrl ?? '*').replace(/\/$/, '');
  const paths = { login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/revoke', resource: '/api/*', ...options.paths };
  const clock = options.now ?? (() => Date.now());
  let offset = 0;
  const now = () => clock() + offset;
  const accessTtl = options.accessTtl ?? 60;
  const log = createRequestLog();
  // 'hang' is always held: a hung refresh waits for its abort, or for reset()
  const holds = createHolds<'refresh' | 'resource' | 'hang'>();
  holds.hold('hang');
  let tokens = authority();
  let counters = newCounters();
  let failure: { failure: RefreshFailure; times: number } | null = null;
  let offline = false;

  function authority() {
    return createTokenAuthority({ now, accessTtl: () => accessTtl, refreshTtl: options.refreshTtl ?? 3600, refreshMaxAge: options.refreshMaxAge, graceMs: options.graceMs ?? 0, claims: options.claims ?? (() => ({})) });
  }
  // What login and refresh answer: the pair, and how long each token lives (`refreshExpiresIn`:
  // whole seconds the refresh token has left, Keycloak's refresh_expires_in).
  const tokenBody = ({ accessToken, refreshToken, refreshExpiresAt }: Answer) =>
    ({ accessToken, refreshToken, expiresIn: accessTtl, refreshExpiresIn: Math.max(0, Math.floor((refreshExpiresAt - now()) / 1000)) });
  const count = (key: keyof BackendCounters) => void counters[key]++;
  const body = async (request: Request): Promise<Record<string, unknown>> => {
    const text = await request.clone().text();
    if (/^application\/x-www-form-urlencoded/.test(request.headers.get('content-type') ?? '')) return Object.fromEntries(new URLSearchParams(text));
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const presented = (fields: Record<string, unknown>) => {
    const token = fields.refreshToken ?? fields.refresh_token;
    return typeof token === 'string' ? token : null;
  };
  const bearer = (request: Request) => {
    const value = request.headers.get('authorization');
    return value?.startsWith('Bearer ') ? value.slice(7) : null;
  };

  /** Logs the request, applies "offline" and holds, and records how it was answered. */
  function route(name: BackendRoute, answer: (request: Request, params: PathParams) => Promise<Response | 'hang'>): HttpResponseResolver {
    return async ({ request, params }) => {
      const finish = log.add({ route: name, method: request.method, path: new URL(request.url).pathname, accessToken: bearer(request), refreshToken: name === 'refresh' || name === 'logout' ? presented(await body(request)) : null });
      const held = name === 'refresh' || name === 'resource' ? name : null;
      if (name === 'refresh') count('refreshes'), log.changed();
      if (offline) return finish('network-error'), HttpResponse.error();
      if (!(await holds.wait(held, request.signal))) return finish('aborted'), HttpResponse.error();
      const response = await answer(request, params);
      if (response === 'hang') {
        const released = await holds.wait('hang', request.signal);
        return finish(released ? 'network-error' : 'aborted'), HttpResponse.error();
      }
      finish(response.type === 'error' ? 'network-error' : response.status);
      return response;
    };
  }

  async function refresh(request: Request): Promise<Response | 'hang'> {
    const active = failure && failure.times > 0 ? failure.failure : null;
    if (failure && active !== null && --failure.times <= 0) failure = null;
    if (active === 'network') return HttpResponse.error();
    if (active === 'hang') return 'hang';
    if (active === 'error-body') return json(200, { code: 401, msg: 'token expired, please log in' }, now());
    if (typeof active === 'number') return json(active, { error: 'server_error', message: `failure switched on: ${active}` }, now());
    const token = presented(await body(request));
    const exchange = token === null ? ({ ok: false, why: 'unknown' } as const) : await tokens.exchange(token);
    if (!exchange.ok) {
      count('refreshesRejected');
      if (exchange.why === 'reuse') count('reuseDetections');
      return json(401, { error: 'invalid_grant', error_description: `refresh token ${exchange.why}` }, now());
    }
    count('refreshesOk');
    return json(200, tokenBody(exchange.answer), now());
  }

  /** The token check of every protected route, then `inner` for a valid token. */
  function guarded(inner: ProtectedResolver) {
    return async (request: Request, params: PathParams): Promise<Response> => {
      count('resourceRequests');
      const verdict = await tokens.verify(request.headers.get('authorization'));
      if (!verdict.ok) {
        count('unauthorizedRequests');
        if (verdict.why === 'expired') count('expiredTokenRequests');
        log.changed();
        return json(401, { error: 'invalid_token', error_description: verdict.why }, now());
      }
      count('authorizedRequests');
      log.changed();
      return inner({ request, params, claims: verdict.claims });
    };
  }

  const echo: ProtectedResolver = ({ request, claims }) =>
    json(200, { ok: true, user: claims.sub, method: request.method, path: new URL(request.url).pathname }, now());

  const handlers: HttpHandler[] = [
    http.post(`${base}${paths.login}`, route('login', async (request) => {
      count('logins');
      const { username } = await body(request);
      return json(200, tokenBody(await tokens.login(typeof username === 'string' && username !== '' ? username : 'user')), now());
    })),
    http.post(`${base}${paths.refresh}`, route('refresh', refresh)),
    http.post(`${base}${paths.logout}`, route('logout', async (request) => {
      count('logouts');
      const token = presented(await body(request));
      if (token !== null) await tokens.revoke(token);
      return json(200, { ok: true }, now());
    })),
    http.all(`${base}${paths.resource}`, route('resource', guarded(echo))),
  ];

  return {
    handlers,
    get counters() {
      return counters;
    },
    get requests() {
      return log.entries;
    },
    get issued() {
      return tokens.issued;
    },
    subscribe: log.subscribe,
    async issueTokens(username = 'user') {
      return tokenBody(await tokens.login(username));
    },
    expireAccessTokens: () => tokens.expireAccessTokens(),
    revokeSessions: () => tokens.revokeAll(),
    failNextRefresh(next, times = 1) {
      failure = next === null ? null : { failure: next, times };
      log.changed();
    },
    setClockOffset(ms) {
      offset = ms;
    },
    hold(what) {
      holds.hold(what);
      log.changed();
    },
    release(what) {
      holds.release(what);
      log.changed();
    },
    setOffline(value) {
      offline = value;
      log.changed();
    },
    protect: (resolver) => route('resource', guarded(resolver)),
    reset() {
      counters = newCounters();
      tokens = authority();
      failure = null;
      offline = false;
      offset = 0;
      for (const held of ['refresh', 'resource', 'hang'] as const) holds.release(held);
      holds.hold('hang');
      log.clear();
    },
  };
}
