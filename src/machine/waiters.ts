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
 * `aborted`; the others are untouched. `onChange` fires whenever the size changes.
 */
export function createWaiterQueue(onChange: () => void): WaiterQueue {
  const waiters = new Set<Waiter>();

  const drain = (settle: (w: Waiter) => void) => {
    if (waiters.size === 0) return;
    const all = [...waiters];
    waiters.clear();
    for (const w of all) settle(w);
    onChange();
  };

  return {
    get size() {
      return waiters.size;
    },
    add(signal) {
      return new Promise<string>((resolve, reject) => {
        if (signal?.aborted) return reject(abortedBy(signal, 'the token request'));
        const onAbort = () => {
          if (waiters.delete(waiter)) {
            reject(abortedBy(signal as AbortSignal, 'the token request'));
            onChange();
          }
        };
        const done = () => signal?.removeEventListener('abort', onAbort);
        const waiter: Waiter = {
          resolve: (token) => (done(), resolve(token)),
          reject: (error) => (done(), reject(error)),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.add(waiter);
        onChange();
      });
    },
    resolveAll: (token) => drain((w) => w.resolve(token)),
    rejectAll: (error) => drain((w) => w.reject(error)),
  };
}
