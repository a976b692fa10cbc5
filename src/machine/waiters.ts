import type { SessionError } from './errors.js';
import { abortedBy } from './timer.js';

interface Waiter {
  resolve(token: string): void;
  reject(error: SessionError): void;
}

/** Callers of getAccessToken() waiting for the refresh in flight. */
export interface WaiterQueue {
  readonly size: number;
  add(signal: AbortSignal | undefined): Promise<string>;
  resolveAll(token: string): void;
  rejectAll(error: SessionError): void;
}

/**
 * A queue that settles each waiter exactly once. An aborted waiter leaves at once with kind
 * `aborted`; the others are untouched. Callers without a signal cannot leave early, so they
 * share one promise per wait (a counter, not an entry each). `onChange` fires whenever the
 * size changes.
 */
export function createWaiterQueue(onChange: () => void): WaiterQueue {
  const waiters = new Set<Waiter>();
  let shared: { promise: Promise<string>; settle: Waiter; count: number } | null = null;

  const drain = (settle: (w: Waiter) => void) => {
    if (waiters.size === 0 && shared === null) return;
    const all = [...waiters];
    const group = shared;
    waiters.clear();
    shared = null;
    if (group) settle(group.settle);
    for (const w of all) settle(w);
    onChange();
  };

  return {
    get size() {
      return waiters.size + (shared?.count ?? 0);
    },
    add(signal) {
      if (!signal) {
        if (!shared) {
          let settle!: Waiter;
          const promise = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
          shared = { promise, settle, count: 0 };
        }
        shared.count++;
        onChange();
        return shared.promise;
      }
      return new Promise<string>((resolve, reject) => {
        if (signal.aborted) return reject(abortedBy(signal, 'the token request'));
        const onAbort = () => {
          if (waiters.delete(waiter)) {
            reject(abortedBy(signal, 'the token request'));
            onChange();
          }
        };
        const done = () => signal.removeEventListener('abort', onAbort);
        const waiter: Waiter = {
          resolve: (token) => (done(), resolve(token)),
          reject: (error) => (done(), reject(error)),
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiters.add(waiter);
        onChange();
      });
    },
    resolveAll: (token) => drain((w) => w.resolve(token)),
    rejectAll: (error) => drain((w) => w.reject(error)),
  };
}
