import type { BackoffRecord } from './backoff.js';
import type { LoginStamp, Tokens } from './tokens.js';
import type { RefreshFunction, RefreshLock } from './types.js';

// The shapes of refresher.ts: what a refresh attempt needs, tells the chart and ends with.

/** What a refresh attempt needs from the outside world. */
export interface RefresherOptions {
  refresh: RefreshFunction;
  /** Reads the stored tokens again (another tab may have refreshed); never throws. */
  reread: () => Promise<Tokens | null>;
  /** Waits for another tab's write to storage, up to `timeout` ms. */
  waitForChange: (timeout: number, signal: AbortSignal) => Promise<void>;
  lock?: RefreshLock | undefined;
  now: () => number;
  /** Bound in ms on the answer and on every storage and lock call of an attempt. */
  timeout: number;
  /** A hard cap on requests per minute; undefined: only early refreshes are capped (see below). */
  maxPerMinute: number | undefined;
  /** When a token set is due for refresh by its schedule (null: never). */
  dueAt: (tokens: Tokens) => number | null;
  /**
   * The login stamp of a refresh's tokens: `known`, the stamp of the tokens it replaces (null:
   * checkSession found a session), continued with what the answer says (rule 14). Never a new
   * login: only login() starts one.
   */
  stamp: (known: LoginStamp | null, answer: { set: unknown; tokens: Tokens } | null) => LoginStamp;
  /** A request nobody waited for any more answered with tokens. */
  onLate: (tokens: Tokens, spent: string) => void;
  warn: (message: string) => void;
}

/** What an attempt tells the statechart as it goes (states of `renewing.attempt.running`). */
export interface AttemptProgress {
  /** Another tab holds the lock: this attempt waits for it. */
  lockContended(): void;
  /**
   * The request is out (or an earlier one still open is joined); `failures`, `attempts`: the
   * stored schedule's counts (failed cycles in a row, attempts of this cycle in any tab).
   */
  requestSent(failures: number, attempts: number): void;
  /**
   * The answer is in: the chart writes it to storage (its `storing` state) while the attempt
   * keeps the lock. Resolves once the chart is done with the attempt: true when it took the
   * answer, false when it moved on without it (the answer is then a late one).
   */
  answered(tokens: Tokens): Promise<boolean>;
  /**
   * The attempt failed inside the lock: the chart records the failure (with the stored tokens,
   * for every tab) before the lock is released. Resolves once the chart is done with the attempt.
   */
  failed(error: unknown): Promise<void>;
}

/**
 * How an attempt ended well: `found`, another tab's tokens in storage (no request was sent);
 * `answered`, the request's answer went to the chart through `progress.answered`.
 */
export type AttemptOutcome = { found: Tokens } | { answered: Tokens } | { backoff: BackoffRecord };

/** Runs refresh attempts for one session. */
export interface Refresher {
  /**
   * One attempt: take the lock, re-read storage, then at most one request, whose answer the
   * chart stores before the lock is released. `current` null: checkSession (no tokens yet).
   */
  attempt(current: Tokens | null, since: number, signal: AbortSignal, progress: AttemptProgress): Promise<AttemptOutcome>;
  /** Aborts the request in flight and ignores its answer (logout, login, stop). */
  cancel(): void;
}
