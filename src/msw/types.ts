// The kit's public shapes: options, the switches' argument types, and the backend object.
import type { HttpHandler, HttpResponseResolver, PathParams } from 'msw';
import type { BackendCounters, BackendRequest } from './requestLog.js';
import type { AccessClaims, IssuedPair } from './tokens.js';

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
