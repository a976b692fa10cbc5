import type { Actor, InspectionEvent, Observer } from 'xstate';
import type { SessionError } from './errors.js';
import type { sessionMachine } from './sessionMachine.js';
import type { LoginRecordOptions } from './storageLike.js';

export type { LoginRecordOptions, StorageLike } from './storageLike.js';

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
  /** A token is, or will be after the refresh in flight, available. Never true while `restoring`. */
  isAuthenticated: boolean;
  /** Still finding out whether there is a session (status `restoring`). */
  isRestoring: boolean;
}

/** Why and when a lifetime policy will end the session. */
export interface SessionEnding {
  reason: 'idle' | 'max-age' | 'refresh-expiry';
  /** Epoch ms on the session's clock. */
  at: number;
}

/** Where the token set lives between page loads. One value, written whole. */
export interface TokenStorage {
  load(): TokenSet | null | Promise<TokenSet | null>;
  save(tokens: TokenSet): void | Promise<void>;
  clear(): void | Promise<void>;
  /**
   * Optional: resolves when another tab changes the stored value, or after `timeout` ms. Lets a
   * tab that waited for the refresh lock see the other tab's write, which storage shared
   * between browser processes (localStorage) may deliver a moment after the lock.
   */
  waitForChange?(timeout: number, signal?: AbortSignal): Promise<void>;
}

/** Mutual exclusion around one refresh, across tabs. */
export interface RefreshLock {
  /**
   * Runs `fn` while holding the lock. `contended` tells `fn` it had to wait for another holder
   * (which may just have refreshed). Rejects without running `fn` if `signal` aborts first.
   * `onWait`, when given, is called once if the lock is held by another tab and `fn` must wait
   * (the session shows "waiting for another tab's refresh").
   */
  withLock<T>(
    fn: (state: { contended: boolean }) => Promise<T>,
    options?: { signal?: AbortSignal; onWait?: () => void },
  ): Promise<T>;
}

/**
 * What tabs tell each other. A tab ignores messages it does not understand, so the union may
 * grow. `loginId` says which login a logout ends (a newer login in another tab survives it);
 * `endedAt`/`tab` let tabs that end a session at the same moment agree on who revokes it.
 */
export type SyncMessage =
  | { type: 'tokens'; tokens: TokenSet }
  | {
      type: 'logout';
      loginId?: string | undefined;
      /** Why, when a policy or the server ended it: the other tabs report the same kind. */
      kind?: 'idle-timeout' | 'session-expired' | 'rejected' | undefined;
      endedAt?: number | undefined;
      tab?: string | undefined;
    }
  | { type: 'activity'; at: number; loginId?: string | undefined };

/** Cross-tab notifications. */
export interface SessionSync {
  publish(message: SyncMessage): void;
  subscribe(listener: (message: SyncMessage) => void): () => void;
}

/** Why the session re-checks its timers. */
export type WakeReason = 'timer' | 'visible' | 'focus' | 'online' | 'request';

/**
 * Connects the session to "the app woke up" signals. Called once with a notifier; returns
 * the function that disconnects it.
 */
export type WakeSource = (notify: (reason: WakeReason) => void) => () => void;

/** What the refresh function receives. */
export interface RefreshContext {
  /** Undefined in cookie mode. */
  refreshToken?: string | undefined;
  /** Aborted when the session no longer wants the answer (logout, stop). */
  signal: AbortSignal;
}

/** Exchanges a refresh token for new tokens. Throw a SessionError to say how it failed. */
export type RefreshFunction = (context: RefreshContext) => Promise<TokenSet>;

/** What a revoke function receives: the tokens of the session that just ended. */
export interface RevokeContext {
  accessToken: string;
  /** Undefined in cookie mode. */
  refreshToken?: string | undefined;
  /** Aborted after `refreshTimeout`. */
  signal: AbortSignal;
}

/** Tells the server a session ended (RFC 7009 revocation). Called once per end of a session. */
export type RevokeFunction = (context: RevokeContext) => Promise<void>;

/**
 * Connects the session to user activity (pointer, keys, …) for `idleTimeout`. Called once with
 * a notifier; returns the function that disconnects it.
 */
export type ActivitySource = (notify: () => void) => () => void;

/** Retry policy for transient refresh failures (network, timeout, 5xx, 429). */
export interface RetryOptions {
  /** Extra tries after the first (default 2). */
  attempts?: number;
  /** Delay in ms before retry number `attempt` (1-based). Default: exponential with jitter. */
  backoff?: (attempt: number) => number;
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  refresh: RefreshFunction;
  /** Default `memoryStorage()`. */
  storage?: TokenStorage;
  /** Ms before expiry that starts `expiringSoon` (default 60 000, capped at half the token lifetime). */
  refreshLeadTime?: number;
  /**
   * Ms the session waits for one refresh answer (default 10 000). Also bounds every storage
   * and lock call inside the refresh cycle, the restore at start, and `revoke`.
   */
  refreshTimeout?: number;
  retry?: RetryOptions;
  /**
   * A hard cap on refresh requests per minute; beyond it a refresh fails with kind
   * `rate-limited`. Unset: refreshes the token schedule asks for are never capped, and refresh
   * loops (a token refused again and again before it was due) stop at 5 a minute.
   */
  maxRefreshesPerMinute?: number;
  sync?: SessionSync;
  lock?: RefreshLock;
  onLoggedOut?: (reason: SessionError | null) => void;
  /** Injectable clock (epoch ms). */
  now?: () => number;
  /** Passed to xstate's `createActor` (Stately Inspector); tokens are redacted first. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * "The app woke up" signals. Default in a browser: `visibilitychange` to visible, `focus`
   * and `online`. Pass `false` to wire none (e.g. React Native, where you wire AppState).
   */
  wake?: WakeSource | false;
  /** Where warnings go (default `console.warn`). Messages never hold a whole token. */
  onWarning?: (message: string) => void;
  /**
   * Nothing stored at start: ask the server once (a refresh) whether a session exists, e.g. an
   * httpOnly refresh cookie after a reload. Status is `restoring` until it answers.
   */
  checkSession?: boolean;
  /** Ms without user activity (in any tab), then the session ends with kind `idle-timeout`. */
  idleTimeout?: number;
  /**
   * Ms after `login()`, then the session ends with kind `session-expired`; activity does not
   * extend it, and a reload, checkSession or another tab continue the login's time (see `loginRecord`).
   */
  maxSessionAge?: number;
  /**
   * Where the login stamp is kept so a reload continues the login (cookie mode keeps no tokens).
   * Default in a browser with `maxSessionAge`: `localStorage` under `silent-session.login`;
   * `false` (or no storage): none, and a reload takes the server's word or counts from itself, with a warning.
   */
  loginRecord?: LoginRecordOptions | false | undefined;
  /** Ms before a lifetime end that `snapshot.ending` is set (default 60 000). */
  endingWarning?: number;
  /**
   * User activity for `idleTimeout`. Default in a browser: pointer, keys, scroll and the page
   * becoming visible. `false`: none (call `touch()` yourself).
   */
  activity?: ActivitySource | false;
  /**
   * Called once at every end of a session (logout(), idle, maximum age, refresh-token expiry),
   * in the tab where it ended, after the local state is cleared; not when the server itself
   * refused the refresh. Bounded by `refreshTimeout`; a failure is a warning.
   */
  revoke?: RevokeFunction;
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
