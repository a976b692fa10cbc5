import type { Actor } from 'xstate';
import type { BackoffRecord } from './backoff.js';
import type { SessionError } from './errors.js';
import type { sessionMachine } from './sessionMachine.js';

export type { LoginRecordOptions, StorageLike } from './storageLike.js';
export type * from './ports.js';
export type { RetryOptions, SessionOptions } from './optionTypes.js';

/**
 * Tokens as an auth server hands them out. Expiry comes from `expiresAt`, else the access
 * token's JWT `exp`, else `expiresIn`; with none of them the token is used until a 401.
 *
 * @example
 * session.login({ accessToken: 'eyJ…', refreshToken: 'r1', expiresIn: 900 })
 */
export interface TokenSet {
  accessToken: string;
  /** Absent in cookie mode, where an httpOnly cookie carries it. */
  refreshToken?: string | undefined;
  /** Epoch ms on this machine's clock. */
  expiresAt?: number | undefined;
  /** Lifetime in seconds, as in OAuth token responses. */
  expiresIn?: number | undefined;
  /**
   * Seconds the refresh token lives (Keycloak `refresh_expires_in`, `refresh_token_expires_in`).
   * A JWT refresh token's own `exp` counts too. The session ends when it passes.
   */
  refreshExpiresIn?: number | undefined;
  /** When the refresh token stops working, epoch ms on this clock (as stored; else from `refreshExpiresIn`). */
  refreshExpiresAt?: number | undefined;
  /**
   * Which login these tokens continue, and when it happened (epoch ms). Written by the library
   * to storage and to other tabs (the most recent login wins; `maxSessionAge` counts from
   * `loginAt`); an app moving tokens from an older session may pass its original `loginAt`.
   */
  loginId?: string | undefined;
  /**
   * When the login happened, epoch ms. A refresh answer may carry it too (the server's word,
   * taken as is: `jsonRefresh` reads `loginAt` in ms, or `auth_time` in seconds); a value below
   * 1e11 is read as seconds, with a warning. An access token's OIDC `auth_time` claim counts too.
   */
  loginAt?: number | undefined;
  /**
   * Written by the library: true when no `login()` in this browser stamped the set (checkSession
   * found the session). Such a set continues the lifetime; it never replaces another login's.
   */
  loginContinued?: boolean | undefined;
  /**
   * Written by the library while refreshes fail (DESIGN rule 15): no tab sends a refresh before
   * `retryAt`; `failures` failed cycles in a row, why (`kind`, `status`), and when it was written.
   */
  backoff?: BackoffRecord | undefined;
  /**
   * The token response's `token_type`, when the app passes it on (`login()`): checked against
   * the session, never stored. `Bearer` in a session created with `dpop`, or `DPoP` in one
   * without, is refused (kind `invalid-response`) rather than sent the wrong way.
   */
  tokenType?: string | undefined;
  /**
   * The server's clock when it answered (epoch ms, e.g. from the response `Date` header).
   * Used to correct a skewed local clock; never stored.
   */
  serverDate?: number | undefined;
}

/** The session's state as the public sees it: the active state of the statechart. */
export type SessionStatus =
  /** Finding out whether there is a session: an async storage loading, or checkSession's refresh. */
  | 'restoring'
  | 'loggedOut'
  | 'authenticated'
  | 'expiringSoon'
  | 'refreshing'
  | 'refreshFailed';

/**
 * An immutable picture of the session; the same object until something changes. `Claims` is
 * the shape of the access token's payload as the app declares it (see `createSession<Claims>()`).
 */
export interface SessionSnapshot<Claims extends Record<string, unknown> = Record<string, unknown>> {
  status: SessionStatus;
  accessToken: string | null;
  /** The access token's JWT payload; null for opaque tokens. */
  claims: Claims | null;
  /** When the access token expires, epoch ms on this machine's clock (server-skew corrected). */
  expiresAt: number | null;
  /** Why the session is in `refreshFailed` or `loggedOut`. */
  error: SessionError | null;
  /** Callers waiting for a token. */
  pending: number;
  /** Set `endingWarning` ms before a lifetime policy ends the session: why, and when (epoch ms). */
  ending: SessionEnding | null;
  /**
   * While refreshes back off (DESIGN rule 15): when the next may start, epoch ms. Set while the
   * refresh waits between attempts, and in `refreshFailed` while it cools down (the chart's
   * `coolingDown`); null otherwise.
   */
  retryAt: number | null;
  /**
   * How the access token is sent: `DPoP` when the session was created with `dpop` (every token
   * it accepts is bound to the binding's key; a `Bearer` answer is refused), else `Bearer`.
   */
  tokenType: 'Bearer' | 'DPoP';
  /** DPoP only: the nonce challenges the adapters answered with a retry (none yet: null). */
  nonceRetry: NonceRetry | null;
  /** A token is, or will be after the refresh in flight, available. Never true while `restoring`. */
  isAuthenticated: boolean;
  /** Still finding out whether there is a session (status `restoring`). */
  isRestoring: boolean;
}

/**
 * The nonce challenges a DPoP session's requests met (RFC 9449 §8, §9): each was answered by one
 * retry with the server's nonce, not a refresh.
 *
 * @example
 * const { nonceRetry } = session.getSnapshot()
 * if (nonceRetry) metrics.gauge('dpop.nonceRetries', nonceRetry.count)
 */
export interface NonceRetry {
  /** How many since the session was created. */
  count: number;
  /** The origin that asked last. */
  origin: string;
  /** When, epoch ms on the session's clock. */
  at: number;
}

/** Why and when a lifetime policy will end the session. */
export interface SessionEnding {
  reason: 'idle' | 'max-age' | 'refresh-expiry';
  /** Epoch ms on the session's clock. */
  at: number;
}

/**
 * A running session: the statechart's actor plus the calls adapters and apps make. `Claims`
 * types `getSnapshot().claims` (see `createSession<Claims>()`); any `Session<Claims>` is also a
 * plain `Session`, so adapters take it as is.
 */
export interface Session<Claims extends Record<string, unknown> = Record<string, unknown>> {
  /** The xstate actor behind the session, for inspection. No event sent to it can break a rule. */
  readonly actor: Actor<typeof sessionMachine>;
  /** The current snapshot; the same object until something changes. */
  getSnapshot(): SessionSnapshot<Claims>;
  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: (snapshot: SessionSnapshot<Claims>) => void): () => void;
  /**
   * Starts a session with tokens from your login endpoint (or ones the app already had: an
   * expired access token with a refresh token is refreshed at once). Throws a SessionError of
   * kind `invalid-response` for tokens that cannot be used.
   */
  login(tokens: TokenSet): void;
  /**
   * Ends the session here and in other tabs: local state, storage and other tabs are cleared
   * at once (a refresh answer arriving later is ignored); resolves when `revoke` has settled.
   * Never rejects.
   */
  logout(): Promise<void>;
  /** Gets a new access token now; joins the refresh in flight if there is one. */
  refresh(): Promise<string>;
  /** A usable access token: at once when there is one, else after the refresh in flight. */
  getAccessToken(options?: { signal?: AbortSignal | undefined }): Promise<string>;
  /**
   * Reports that a request sent with `token` came back 401. Refreshes only if `token` is
   * still the current one; for an older token it resolves the current one (a "stale 401").
   */
  tokenRejected(token: string): Promise<string>;
  /** Offers tokens a response carried (sliding expiration): adopted when newer than the current ones. */
  tokensRenewed(tokens: TokenSet): void;
  /** User activity: resets the idle timer (`idleTimeout`) in every tab. */
  touch(): void;
  /** Stops timers, listeners and the actor; waiting callers reject with kind `aborted`. */
  stop(): void;
}
