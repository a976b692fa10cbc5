import type { InspectionEvent, Observer } from 'xstate';
import type { DpopPort } from './ports.js';
import type { SessionError } from './errors.js';
import type { ActivitySource, RefreshFunction, RefreshLock, RevokeFunction, SessionSync, TokenStorage, WakeSource } from './ports.js';
import type { LoginRecordOptions } from './storageLike.js';

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
  /**
   * Sender-constrained tokens (RFC 9449): `dpop()` from `silent-session/dpop`. The adapters then
   * send `Authorization: DPoP <token>` with a fresh proof per request, answer a server's nonce
   * challenge with one retry, and the refresh and revoke functions get the binding
   * (`context.dpop`). Named after the storage's key; deleted at every end of the session here.
   */
  dpop?: DpopPort | undefined;
}
