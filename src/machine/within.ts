import { abortedBy } from './timer.js';

/**
 * The one bounded wait (DESIGN rule 2): `work`'s outcome, or after `ms` the error `onTimeout`
 * makes (when it makes none, the wait goes on unbounded: a step that bounds itself), or as
 * soon as `signal` aborts, kind `aborted` naming `what`. `work` itself is not stopped: pass it
 * a signal of its own for that.
 *
 * @example
 * await within(storage.save(set), 10_000, () => new Error('the storage did not finish a save'))
 */
export function within<T>(
  work: T | PromiseLike<T>,
  ms: number,
  onTimeout: () => Error | null,
  signal?: AbortSignal,
  what = 'the operation',
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(abortedBy(signal as AbortSignal, what)));
    const timer = setTimeout(() => {
      const error = onTimeout();
      if (error) finish(() => reject(error));
    }, ms);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    // Promise.resolve: a native promise even for a thenable of another realm (an iframe's storage)
    Promise.resolve(work).then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
