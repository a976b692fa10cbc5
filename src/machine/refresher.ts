import { SessionError, toSessionError } from './errors.js';
import { abortedBy } from './timer.js';
import { within } from './within.js';
import { normalizeTokens, spendable, supersedes, withLogin, type Tokens } from './tokens.js';
import type { AttemptOutcome, AttemptProgress, Refresher, RefresherOptions } from './refresherTypes.js';
import { errorMessage } from './util.js';
import { msg } from './dev.js';

export type { AttemptOutcome, AttemptProgress, Refresher, RefresherOptions } from './refresherTypes.js';

interface Flight {
  promise: Promise<Tokens>;
  controller: AbortController;
  /** What this request spends (see `spendable`): a second request must never spend it again. */
  spends: string;
  /** An attempt is waiting for this answer right now. */
  awaited: boolean;
}

/** How long a tab that waited for the lock gives the other tab's storage write to arrive. */
const WRITE_ARRIVAL_MS = 1_000;
/** Refreshes asked for before their time (a token refused again and again): at most this many a minute. */
const LOOP_LIMIT = 5;

/** Exponential backoff from 500 ms up to 30 s, each delay jittered into its upper half. */
export const defaultBackoff = (attempt: number): number =>
  Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

/**
 * The refresh attempts behind the statechart's `refreshAttempt` actor. A slow request is
 * never duplicated: a retry after a timeout, or a later attempt, waits for the same request
 * instead of sending a second one with the same refresh token (which rotation would punish),
 * and its answer is applied even if it arrives after the session gave up waiting (the one
 * piece of the refresh that outlives the statechart's actor, on purpose: a rotation answer is
 * never abandoned). Only its settling, a logout, a login or `stop()` ends it.
 */
export function createRefresher(o: RefresherOptions): Refresher {
  let flight: Flight | null = null;
  const sent: number[] = []; // every request's time, for the hard cap
  const early: number[] = []; // requests made before their tokens were due
  // What this session's answered requests spent. A stored set that still spends one of them
  // is older than what the server gave us since (a write that failed or hung left it there),
  // however its expiry compares: it is never adopted, or the next refresh would spend it again.
  const spent = new Set<string>();
  const adoptable = (stored: Tokens | null, current: Tokens | null): stored is Tokens =>
    stored !== null && !spent.has(spendable(stored)) && supersedes(stored, current);

  const bounded = <T>(work: T | Promise<T>, what: string): Promise<T> =>
    within(work, o.timeout, () => new SessionError('timeout', `${what} did not answer within ${o.timeout} ms`));

  function abandon(f: Flight) {
    f.controller.abort(new SessionError('aborted', 'the refresh request was abandoned'));
    if (flight === f) flight = null;
  }

  function admit(times: number[], limit: number, now: number, what: string) {
    // The last minute's requests; a clock set back forgets the ones now "in the future".
    for (let i = times.length - 1; i >= 0; i--) if ((times[i] as number) <= now - 60_000 || (times[i] as number) > now) times.splice(i, 1);
    if (times.length >= limit) throw new SessionError('rate-limited', what);
    times.push(now);
  }

  function send(base: Tokens | null, current: Tokens | null): Flight {
    const now = o.now();
    if (base?.refreshExpiresAt != null && now >= base.refreshExpiresAt) {
      throw new SessionError('session-expired', process.env.NODE_ENV !== 'production' ? 'the refresh token has expired; a refresh with it cannot succeed, so none was sent' : msg('refresh-expired'));
    }
    if (o.maxPerMinute !== undefined) {
      admit(sent, o.maxPerMinute, now, process.env.NODE_ENV !== 'production' ? `more than ${o.maxPerMinute} refreshes in one minute (maxRefreshesPerMinute); not sending another` : msg('rate-limit'));
    } else {
      const due = current === null ? null : o.dueAt(current);
      if (due !== null && now < due) {
        admit(early, LOOP_LIMIT, now, process.env.NODE_ENV !== 'production' ? `more than ${LOOP_LIMIT} refreshes in one minute for tokens refused before they were due (a refresh loop); set maxRefreshesPerMinute to change the limit` : msg('refresh-loop'));
      }
    }
    const controller = new AbortController();
    // Called at once (not a microtask later): the request leaves before the chart hears of it.
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(o.refresh({ refreshToken: base?.refreshToken, signal: controller.signal }));
    } catch (error) {
      pending = Promise.reject(error);
    }
    const promise = pending
      .then(
        (set) => {
          const tokens = normalizeTokens(withRefreshToken(set, base), o.now(), 'refresh', 'refresh');
          return withLogin(tokens, o.stamp(base?.login ?? null, { set, tokens }));
        },
        (error) => Promise.reject(toSessionError(error)),
      );
    const f: Flight = { promise, controller, spends: spendable(base), awaited: false };
    promise.then(
      (tokens) => {
        if (f.spends !== '' && spendable(tokens) !== f.spends) spent.add(f.spends); // rotated: the old one is gone
        if (spent.size > 16) spent.delete(spent.values().next().value as string);
        if (flight === f) flight = null;
        if (!f.awaited && !controller.signal.aborted) o.onLate(tokens, f.spends);
      },
      () => {
        if (flight === f) flight = null;
      },
    );
    return f;
  }

  /** The attempt inside the lock; a failure is handed to the chart (to record) before the lock goes. */
  async function inLock(current: Tokens | null, since: number, signal: AbortSignal, contended: boolean, progress: AttemptProgress): Promise<AttemptOutcome> {
    try {
      return await underLock(current, since, signal, contended, progress);
    } catch (error) {
      if (!signal.aborted) await within(progress.failed(error), 2 * o.timeout, () => new Error('the chart did not take the failure')).catch(() => {});
      throw error;
    }
  }

  async function underLock(current: Tokens | null, since: number, signal: AbortSignal, contended: boolean, progress: AttemptProgress): Promise<AttemptOutcome> {
    let base = current;
    let stored = await bounded(o.reread(), 'the storage (reading)');
    if (contended && !adoptable(stored, current)) {
      // We waited for another tab's lock; its new tokens may reach our copy of the storage a
      // moment after the lock did. Give them that moment before spending the refresh token.
      await bounded(o.waitForChange(WRITE_ARRIVAL_MS, signal), 'the storage (waiting for a change)');
      stored = await bounded(o.reread(), 'the storage (reading)');
    }
    if (signal.aborted) throw abortedBy(signal, 'the refresh');
    if (adoptable(stored, current)) {
      // Another tab refreshed (or logged in) while we waited: adopt its tokens, no request.
      // (A set an older version stored without a stamp continues whatever login is known.)
      const found = stored.login === null ? withLogin(stored, o.stamp(null, null)) : stored;
      if (found.expiresAt === null || found.expiresAt > o.now()) return { found };
      base = found;
    }
    // The schedule of failures stored with these tokens (rule 15): no request before its time,
    // unless the backoff was reset (refresh(), online) since it was written.
    const schedule = stored !== null && base !== null && spendable(stored) === spendable(base) ? stored.backoff : undefined;
    if (schedule !== undefined && schedule.at > since && schedule.retryAt > o.now() && flight === null) return { backoff: schedule };
    // A request spending another refresh token belongs to tokens we no longer hold.
    if (flight !== null && flight.spends !== spendable(base)) abandon(flight);
    const f = flight ?? (flight = send(base, current));
    // its counts go on only if the backoff was not reset since it was written
    const counts = schedule !== undefined && schedule.at > since ? schedule : undefined;
    progress.requestSent(counts?.failures ?? 0, counts?.attempts ?? 0);
    f.awaited = true;
    let tokens: Tokens;
    try {
      tokens = await within(f.promise, o.timeout, () => new SessionError('timeout', `no answer from the refresh within ${o.timeout} ms`), signal, 'the refresh');
    } finally {
      f.awaited = false;
    }
    // The chart writes the answer (its `storing` state) while this attempt holds the lock. If it
    // moved on without the answer (renewed tokens arrived, a logout), the answer must still reach
    // it as a late one, or the token it rotated to is lost (a logout ignores it).
    const taken = await within(progress.answered(tokens), 2 * o.timeout, () => new SessionError('timeout', 'the chart did not take the answer')).catch(() => false);
    if (!taken) o.onLate(tokens, f.spends);
    return { answered: tokens };
  }

  return {
    attempt(current, since, signal, progress) {
      const lock = o.lock;
      if (!lock) return inLock(current, since, signal, false, progress);
      // Taking the lock is bounded like any other call: a lock that never runs `fn` fails the
      // attempt with kind `timeout`, and `fn` does nothing if it runs after that.
      const waiting = new AbortController();
      const stopWaiting = () => waiting.abort(signal.reason);
      signal.addEventListener('abort', stopWaiting, { once: true });
      let entered = false;
      // What fn itself settled with: a lock that runs fn but never passes its result on (or
      // settles late) must not hold the answer back, since every step inside fn is bounded.
      let settled!: (outcome: Promise<AttemptOutcome>) => void;
      const ran = new Promise<AttemptOutcome>((resolve) => (settled = resolve));
      const locked = lock.withLock(
        (state) => {
          entered = true;
          if (waiting.signal.aborted) return Promise.reject(abortedBy(waiting.signal, 'the refresh'));
          const outcome = inLock(current, since, signal, state?.contended === true, progress);
          settled(outcome);
          return outcome;
        },
        { signal: waiting.signal, onWait: () => progress.lockContended() },
      );
      return within(Promise.race([locked, ran]), o.timeout, () => {
        if (entered) return null; // inside the lock, every call has its own bound
        waiting.abort(new SessionError('timeout', 'the refresh lock was not granted in time'));
        return new SessionError('timeout', `the refresh lock was not granted within ${o.timeout} ms`);
      }, undefined, 'the refresh').finally(() => signal.removeEventListener('abort', stopWaiting));
    },
    cancel() {
      if (flight !== null) abandon(flight);
    },
  };
}

// Without rotation the server answers no new refresh token: keep the one we have.
function withRefreshToken(set: unknown, base: Tokens | null): unknown {
  if (typeof set !== 'object' || set === null || base?.refreshToken === undefined) return set;
  const r = (set as { refreshToken?: unknown }).refreshToken;
  return r === undefined || r === null ? { ...set, refreshToken: base.refreshToken } : set;
}

