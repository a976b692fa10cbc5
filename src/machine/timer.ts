import { SessionError } from './errors.js';

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer waits are chained.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Calls `fn` once `now()` has reached `at`, never earlier: long delays are chained, and every
 * hop re-reads the clock, so a late timer (a sleeping laptop) is corrected on the next hop.
 * Returns the cancel function.
 */
export function setDeadline(at: number, now: () => number, fn: () => void): () => void {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const left = at - now();
    if (left <= 0) fn();
    else handle = setTimeout(arm, Math.min(left, MAX_DELAY));
  };
  handle = setTimeout(arm, Math.max(0, Math.min(at - now(), MAX_DELAY)));
  return () => clearTimeout(handle);
}

/**
 * Calls `fn` after `ms` (never for Infinity). Delays past setTimeout's limit are chained, so
 * none fires early. Returns the cancel function.
 */
export function after(ms: number, fn: () => void): () => void {
  if (!(ms < Infinity)) return () => {};
  let left = Math.max(0, ms);
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const step = Math.min(left, MAX_DELAY);
    left -= step;
    handle = setTimeout(left > 0 ? arm : fn, step);
  };
  arm();
  return () => clearTimeout(handle);
}

/** The SessionError for an aborted signal, keeping its reason as the cause. */
export function abortedBy(signal: AbortSignal, what = 'the operation'): SessionError {
  return new SessionError('aborted', `${what} was aborted`, { cause: signal.reason });
}
