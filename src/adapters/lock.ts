import { SessionError } from '../machine/errors.js';
import { after } from '../machine/timer.js';
import type { RefreshLock } from '../machine/types.js';
import { defaultWarn } from '../machine/util.js';
import { msg } from '../machine/dev.js';

/** Options of {@link webLocks}. */
export interface WebLocksOptions {
  /**
   * Ms to wait for the lock before going ahead without it (default 10 000). A tab that holds
   * it normally lets go within one refresh; this bounds a tab the browser froze mid-refresh.
   * `Infinity`: never go ahead without it.
   */
  timeout?: number;
  /**
   * Where this helper's warnings go (default `console.warn`): `navigator.locks` is missing
   * (once), or a wait timed out and the refresh went ahead. The session's own `onWarning` does
   * not reach it (the lock is made before the session): pass the same function to both.
   */
  onWarning?: (message: string) => void;
}

interface LockManagerLike {
  request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

const NOT_FREE = Symbol('not free');

/**
 * One refresh at a time across the tabs of an origin, with the Web Locks API. The lock is held
 * only while one refresh attempt runs; the browser releases it when the holding tab closes;
 * waiting for it times out, and then the refresh goes ahead (after re-reading storage, which
 * usually finds the other tab's tokens). Where `navigator.locks` is missing, refreshes are
 * single-flight per tab only, and a warning says so once.
 *
 * @example
 * createSession({ refresh, storage: webStorage(localStorage, { key: 'app' }), lock: webLocks('app') })
 */
export function webLocks(name: string, options: WebLocksOptions = {}): RefreshLock {
  const warn = options.onWarning ?? defaultWarn;
  const timeout = options.timeout ?? 10_000;
  const lockName = `silent-session:${name}`;
  let warned = false;

  return {
    async withLock(fn, { signal, onWait } = {}) {
      const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
      if (!locks) {
        if (!warned) {
          warned = true;
          warn(process.env.NODE_ENV !== 'production' ? `webLocks("${name}"): navigator.locks is not available; refreshes are single-flight in this tab only` : msg('no-web-locks'));
        }
        return fn({ contended: false });
      }
      if (signal?.aborted) throw new SessionError('aborted', 'stopped waiting for the refresh lock', { cause: signal.reason });
      // Uncontended (the usual case): take it at once and say so.
      const free = await locks.request(lockName, { ifAvailable: true }, async (lock: unknown) =>
        lock === null ? NOT_FREE : { value: await fn({ contended: false }) },
      );
      if (free !== NOT_FREE) return (free as { value: Awaited<ReturnType<typeof fn>> }).value;
      onWait?.(); // another tab holds it: the session shows "waiting for another tab's refresh"
      const waiting = new AbortController();
      let timedOut = false;
      let granted = false;
      const cancel = after(timeout, () => {
        timedOut = true;
        waiting.abort();
      });
      const onAbort = () => waiting.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort(); // it may have aborted while the first request was answered
      try {
        return await locks.request(lockName, { signal: waiting.signal }, () => {
          granted = true;
          cancel();
          signal?.removeEventListener('abort', onAbort);
          return fn({ contended: true });
        });
      } catch (error) {
        if (timedOut && !granted) {
          warn(process.env.NODE_ENV !== 'production' ? `webLocks("${name}"): waited ${timeout} ms for another tab's refresh; going ahead without the lock` : msg('lock-wait-over'));
          return fn({ contended: true });
        }
        if (signal?.aborted && !granted) throw new SessionError('aborted', 'stopped waiting for the refresh lock', { cause: signal.reason });
        throw error;
      } finally {
        cancel();
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
