import type { BackoffRecord } from './backoff.js';
import type { SessionError } from './errors.js';
import type { Tokens } from './tokens.js';
import type { SessionEnding, WakeReason } from './types.js';

// The statechart's own vocabulary: its events, its memory, its input and its tags. Nothing
// here runs; setup.ts gives the names their guards and actions, sessionMachine.ts the chart.

/** Everything that can happen to a session, in the machine's own words. */
export type SessionEvent =
  // the app
  | { type: 'LOGIN'; tokens: Tokens }
  | { type: 'LOGOUT' }
  | { type: 'REFRESH' }
  /**
   * A caller asks for a token (getAccessToken, tokenRejected, refresh): `at`, the session's
   * clock read once for this question; `caller`, who gets the answer (a token, a wait or an error);
   * `rejected`, the token a request was refused with (a 401), when the caller reports one.
   */
  | { type: 'TOKEN_REQUESTED'; at: number; caller: number; rejected?: string | undefined }
  /** `ambient`: noticed by the activity source (pointer, keys…), not an explicit touch() or another tab. */
  | { type: 'ACTIVITY'; at: number; ambient?: boolean }
  /** The page became visible, focused or online, or a caller found the token expired by the clock. */
  | { type: 'WAKE'; reason: WakeReason }
  // time (sent by the `deadline` actors)
  | { type: TimeEvent }
  // the refresh attempt (sent by the `refreshAttempt` actor)
  | { type: 'LOCK_CONTENDED' }
  /** The request is out; `failures`, `attempts`: the stored schedule's failed cycles in a row and attempts of this cycle. */
  | { type: 'REQUEST_SENT'; failures?: number | undefined; attempts?: number | undefined }
  /** Storage says refreshes are backing off (another tab's failures): no request was sent. */
  | { type: 'BACKOFF_FOUND'; backoff: BackoffRecord }
  /** The request's answer: the chart stores it (`storing`) while the attempt holds the lock. */
  | { type: 'ANSWER_RECEIVED'; tokens: Tokens }
  /** Storage, re-read inside the lock, holds newer tokens another tab got: no request was sent. */
  | { type: 'TOKENS_FOUND'; tokens: Tokens }
  | { type: 'REFRESH_FAILED'; error: SessionError }
  /** A refresh answer that came after its attempt gave up on it; `spent`: what it spent. */
  | { type: 'LATE_REFRESH_ANSWER'; tokens: Tokens; spent: string }
  // the outside world
  | { type: 'TOKENS_RENEWED'; tokens: Tokens }
  | { type: 'TAB_TOKENS'; tokens: Tokens }
  | { type: 'TAB_LOGGED_OUT'; loginId?: string | undefined; reason?: SessionError | null | undefined }
  // raised by the session region for the lifetime region
  | { type: 'SESSION_CHANGED' };

/** The events the `deadline` actors send when the session's clock reaches a time. */
export type TimeEvent = 'LEAD_TIME_REACHED' | 'TOKEN_EXPIRED' | 'COOLDOWN_ENDED' | 'ENDING_WARNING_REACHED' | 'LIFETIME_ENDED';

/**
 * The tags a state may carry: its public status, and what a caller already waiting for a token
 * gets once the session is there (`hasToken`: the token; `waits`: it waits on; `fails`: the
 * error). A new caller's answer is the TOKEN_REQUESTED transition's.
 */
export type SessionTag =
  | 'restoring'
  | 'loggedOut'
  | 'authenticated'
  | 'expiringSoon'
  | 'refreshing'
  | 'refreshFailed'
  | 'hasToken'
  | 'waits'
  | 'fails';

/** What the chart answers a caller: the token now, a wait for the refresh in flight, or the error. */
export type TokenAnswer = { token: string } | { wait: true } | { error: SessionError };

/** Configuration, fixed at creation. */
export interface SessionConfig {
  now: () => number;
  /** Ms before expiry that a background refresh starts (capped at half the token lifetime). */
  leadTime: number;
  /** Retries after a transient failure, in a renewal that follows a success (see `failures`). */
  retries: number;
  backoff: (attempt: number) => number;
  /** Ms to wait after the n-th failed refresh cycle in a row (DESIGN rule 15). */
  cooldown: (failures: number) => number;
  /** Ms a loading storage is given before the session starts without it. */
  restoreTimeout: number;
  checkSession: boolean;
  idleTimeout: number | null;
  maxSessionAge: number | null;
  endingWarning: number;
}

/** The machine's memory. */
export interface SessionContext {
  tokens: Tokens | null;
  /** A request was refused (401) with the current access token: it is not handed out again. */
  refused: boolean;
  /** Why the session is in `refreshFailed` or `loggedOut`. */
  error: SessionError | null;
  /** The attempt running in this renewal (1-based). */
  attempt: number;
  /** When the next attempt may start: between the attempts of a renewal, and while cooling down. */
  retryAt: number | null;
  /**
   * Refresh cycles that failed in a row, in any tab (the stored schedule carries the count).
   * While 0, a renewal retries transient failures itself; after that, each cycle is one
   * attempt, and the next waits `config.cooldown(failures)`.
   */
  failures: number;
  /** When refresh(), `online` or a wake after the wait last reset the backoff: older schedules are ignored. */
  resetAt: number;
  /** The last user activity seen in any tab (epoch ms). */
  lastActivity: number;
  /** Set while the lifetime region is `ending`. */
  ending: SessionEnding | null;
  /** The storage answers asynchronously, so `restoring` waits for it. */
  loadsAsync: boolean;
  config: SessionConfig;
}

/** What the session passes to the machine when it creates the actor. */
export interface SessionInput {
  /** What a synchronous storage held at start (ignored when `loadsAsync`). */
  tokens: Tokens | null;
  loadsAsync: boolean;
  config: SessionConfig;
}

/**
 * Output of the `storeAnswer` actor: the tokens the session goes on with. `storedElsewhere`:
 * another tab stored a set that supersedes the answer (a newer login, a newer refresh), so
 * nothing was written and that set is the one to use.
 */
export interface StoreOutcome {
  tokens: Tokens;
  storedElsewhere: boolean;
}

/** Input of the `refreshAttempt` actor: the tokens to replace (null: checkSession). */
export interface AttemptInput {
  tokens: Tokens | null;
  /** A stored schedule written before this time is ignored (the backoff was reset since). */
  since: number;
}

/**
 * Why a session ends, which decides what its end does (see the `endSession` action):
 * - `logout`: the app asked; storage, other tabs and the server (revoke) are told;
 * - `policy`: a lifetime policy or the refresh token's expiry, which every tab applies at the
 *   same moment: told like a logout, but the tab that ended it first revokes;
 * - `rejected`: the server refused the refresh: these tokens are cleared, nothing to revoke;
 * - `elsewhere`: another tab ended it and told everyone: only the app is told here.
 */
export type EndCause = 'logout' | 'policy' | 'rejected' | 'elsewhere';
