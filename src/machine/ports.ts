import type { TokenSet } from './types.js';

// What the session plugs into: storage, the lock, other tabs, wake-up and activity signals,
// and the app's refresh and revoke functions. Each is an interface an app may implement.

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

/**
 * What a session asks of its DPoP binding (`dpop()` from `silent-session/dpop` makes one), and
 * what a refresh or revoke function of your own may use: a proof for a request, and the reading
 * of its answer (true: a nonce challenge, retry once).
 *
 * @example
 * const proof = await context.dpop?.proof({ method: 'POST', url: 'https://api.example.com/auth/refresh' })
 */
export interface DpopPort {
  readonly tokenType: 'DPoP';
  /** Names the key after the session's storage key. */
  attach(storageKey: string): void;
  /** A fresh proof; `accessToken` for a request that carries one (`ath`). */
  proof(request: { method: string; url: string | URL; accessToken?: string | undefined }): Promise<string>;
  /** Remembers the answer's `DPoP-Nonce`; true when it is a nonce challenge (retry once, not a refresh). */
  observe(response: { url: string | URL; status: number; header: (name: string) => string | null | undefined; body?: unknown }): boolean;
  /** Deletes the key (the session calls it at each end it makes). */
  clear(): Promise<void>;
  /** Forgets the key held in memory: the next proof reads the store. */
  reload(): void;
}

/** What the refresh function receives. */
export interface RefreshContext {
  /** Undefined in cookie mode. */
  refreshToken?: string | undefined;
  /** Aborted when the session no longer wants the answer (logout, stop). */
  signal: AbortSignal;
  /**
   * The session's DPoP binding (`createSession({ dpop })`), absent otherwise: a refresh
   * function of your own proves its token request with it (`await dpop.proof({ method, url })`
   * in a `DPoP` header, one retry when `dpop.observe(…)` says the server asked for a nonce).
   */
  dpop?: DpopPort | undefined;
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
  /** The session's DPoP binding, as in {@link RefreshContext}: the key is deleted only after revoke settled. */
  dpop?: DpopPort | undefined;
}

/** Tells the server a session ended (RFC 7009 revocation). Called once per end of a session. */
export type RevokeFunction = (context: RevokeContext) => Promise<void>;

/**
 * Connects the session to user activity (pointer, keys, …) for `idleTimeout`. Called once with
 * a notifier; returns the function that disconnects it.
 */
export type ActivitySource = (notify: () => void) => () => void;
