import { HttpResponse, http, type HttpHandler, type HttpResponseResolver, type PathParams } from 'msw';
import { createHolds } from './holds.js';
import { createRequestLog, newCounters, type BackendCounters, type BackendRoute } from './requestLog.js';
import { createTokenAuthority, type Answer } from './tokens.js';
import type { AuthBackend, AuthBackendOptions, ProtectedResolver, RefreshFailure } from './types.js';

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
