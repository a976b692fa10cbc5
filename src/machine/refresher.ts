import { SessionError, isTransient, toSessionError } from './errors.js';
import { abortedBy, sleep } from './timer.js';
import { isNewer, normalizeTokens, spendable, type Tokens } from './tokens.js';
import type { RefreshFunction, RefreshLock } from './types.js';

/** What one refresh cycle needs from the outside world. */
export interface RefresherOptions {
  refresh: RefreshFunction;
  /** Reads the stored tokens again (another tab may have refreshed); never throws. */
  reread: () => Promise<Tokens | null>;
  /** Waits for another tab's write to storage, up to `timeout` ms. */
  waitForChange: (timeout: number, signal: AbortSignal) => Promise<void>;
  /** Stores new tokens; awaited before the lock is released, so the next tab reads them. */
  persist: (tokens: Tokens) => void | Promise<void>;
  lock?: RefreshLock | undefined;
  now: () => number;
  timeout: number;
  attempts: number;
  backoff: (attempt: number) => number;
  maxPerMinute: number;
  /** A request nobody waited for any more answered with tokens. */
  onLate: (tokens: Tokens, spent: string) => void;
}

/** Runs refresh cycles for one session. */
export interface Refresher {
  /** One cycle: lock, re-read storage, then at most one request at a time, retried if transient. */
  run(current: Tokens, signal: AbortSignal): Promise<Tokens>;
  /** Aborts the request in flight and ignores its answer (logout, login, stop). */
  cancel(): void;
}

interface Flight {
  promise: Promise<Tokens>;
  controller: AbortController;
  /** What this request spends (see `spendable`): a second request must never spend it again. */
  spends: string;
  /** A cycle is waiting for this answer right now. */
  awaited: boolean;
}

/** How long a tab that waited for the lock gives the other tab's storage write to arrive. */
const SETTLE_MS = 1_000;

/** Exponential backoff from 500 ms up to 30 s, each delay jittered into its upper half. */
export const defaultBackoff = (attempt: number): number =>
  Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

/**
 * The refresh cycle behind the machine's `refresh` actor. A slow request is never duplicated:
 * a retry after a timeout, or a later cycle, waits for the same request instead of sending a
 * second one with the same refresh token (which rotation would punish), and its answer is
 * applied even if it arrives after the session gave up waiting. Only its settling, a logout,
 * a login or `stop()` ends it — so the refresh function must settle (jsonRefresh aborts a hung
 * request after its own `timeout`).
 */
export function createRefresher(o: RefresherOptions): Refresher {
  let flight: Flight | null = null;
  const sent: number[] = [];

  function abandon(f: Flight) {
    f.controller.abort(new SessionError('aborted', 'the refresh request was abandoned'));
    if (flight === f) flight = null;
  }

  function send(base: Tokens): Flight {
    const now = o.now();
    // The last minute's sends; a clock set back forgets the ones now "in the future".
    for (let i = sent.length - 1; i >= 0; i--) if ((sent[i] as number) <= now - 60_000 || (sent[i] as number) > now) sent.splice(i, 1);
    if (sent.length >= o.maxPerMinute) {
      throw new SessionError('rate-limited', `more than ${o.maxPerMinute} refreshes in one minute; not sending another`);
    }
    sent.push(now);
    const controller = new AbortController();
    const promise = Promise.resolve()
      .then(() => o.refresh({ refreshToken: base.refreshToken, signal: controller.signal }))
      .then(
        (set) => normalizeTokens(withRefreshToken(set, base), o.now(), true, 'refresh'),
        (error) => Promise.reject(toSessionError(error)),
      );
    const f: Flight = { promise, controller, spends: spendable(base), awaited: false };
    promise.then(
      (tokens) => {
        if (flight === f) flight = null;
        if (!f.awaited && !controller.signal.aborted) o.onLate(tokens, f.spends);
      },
      () => {
        if (flight === f) flight = null;
      },
    );
    return f;
  }

  async function attempt(current: Tokens, signal: AbortSignal, contended: boolean): Promise<Tokens> {
    let base = current;
    let stored = await o.reread();
    if (contended && (stored === null || !isNewer(stored, current))) {
      // We waited for another tab's lock; its new tokens may reach our copy of the storage a
      // moment after the lock did. Give them that moment before spending the refresh token.
      await o.waitForChange(SETTLE_MS, signal);
      stored = await o.reread();
    }
    if (signal.aborted) throw abortedBy(signal, 'the refresh');
    if (stored !== null && isNewer(stored, current)) {
      // Another tab refreshed while we waited for the lock: adopt its tokens, no request.
      if (stored.expiresAt === null || stored.expiresAt > o.now()) return stored;
      base = stored;
    }
    // A request spending another refresh token belongs to tokens we no longer hold.
    if (flight !== null && flight.spends !== spendable(base)) abandon(flight);
    const f = flight ?? (flight = send(base));
    f.awaited = true;
    let tokens: Tokens;
    try {
      tokens = await race(f.promise, o.timeout, signal);
    } finally {
      f.awaited = false;
    }
    try {
      await o.persist(tokens);
    } finally {
      // The server has spent the refresh token: if the session stopped waiting meanwhile (e.g.
      // renewed tokens arrived), the answer must still reach it, or that token is lost.
      if (signal.aborted) o.onLate(tokens, f.spends);
    }
    return tokens;
  }

  return {
    async run(current, signal) {
      for (let n = 0; ; n++) {
        try {
          return await (o.lock
            ? o.lock.withLock((state) => attempt(current, signal, state?.contended === true), { signal })
            : attempt(current, signal, false));
        } catch (thrown) {
          const error = toSessionError(thrown);
          if (signal.aborted || !isTransient(error) || n >= o.attempts) throw error;
          await sleep(o.backoff(n + 1), signal);
        }
      }
    },
    cancel() {
      if (flight !== null) abandon(flight);
    },
  };
}

// Without rotation the server answers no new refresh token: keep the one we have.
function withRefreshToken(set: unknown, base: Tokens): unknown {
  if (typeof set !== 'object' || set === null || base.refreshToken === undefined) return set;
  const r = (set as { refreshToken?: unknown }).refreshToken;
  return r === undefined || r === null ? { ...set, refreshToken: base.refreshToken } : set;
}

function race<T>(promise: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(abortedBy(signal, 'the refresh')));
    const timer = setTimeout(
      () => finish(() => reject(new SessionError('timeout', `no answer from the refresh within ${ms} ms`))),
      ms,
    );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
  });
}
