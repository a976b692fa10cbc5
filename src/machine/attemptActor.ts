import { fromCallback, fromPromise } from 'xstate';
import { admitError, SessionError } from './errors.js';
import type { AttemptInput, SessionEvent, StoreOutcome } from './machineTypes.js';
import type { Refresher } from './refresher.js';
import type { StorageGate } from './storageGate.js';
import type { Tokens } from './tokens.js';

/**
 * The refresh's two actors, as the chart invokes them. `refreshAttempt` runs one attempt of
 * the refresher and reports it as events: LOCK_CONTENDED, REQUEST_SENT, ANSWER_RECEIVED (the
 * attempt then keeps the lock until the chart is done storing), TOKENS_FOUND, REFRESH_FAILED.
 * `storeAnswer` is the `storing` state's write. What the refresh threw enters the session here,
 * and only as a sanitized copy.
 *
 * @example
 * sessionMachine.provide({ actors: refreshActors(refresher, store) })
 */
export function refreshActors(refresher: Refresher, store: StorageGate) {
  // Answers the chart's `storing` state finished with (written, or superseded by another tab's).
  const stored = new WeakSet<Tokens>();
  return {
    refreshAttempt: fromCallback<SessionEvent, AttemptInput>(({ input, sendBack }) => {
      const controller = new AbortController();
      const secrets = [input.tokens?.accessToken, input.tokens?.refreshToken];
      let settled = false;
      let answer: Tokens | null = null;
      let release: (taken: boolean) => void = () => {};
      refresher
        .attempt(input.tokens, controller.signal, {
          lockContended: () => sendBack({ type: 'LOCK_CONTENDED' }),
          requestSent: () => sendBack({ type: 'REQUEST_SENT' }),
          answered: (tokens) => {
            answer = tokens;
            sendBack({ type: 'ANSWER_RECEIVED', tokens });
            return new Promise<boolean>((resolve) => (release = resolve));
          },
        })
        .finally(() => (settled = true))
        .then(
          (outcome) => 'found' in outcome && sendBack({ type: 'TOKENS_FOUND', tokens: outcome.found }),
          (error: unknown) => sendBack({ type: 'REFRESH_FAILED', error: admitError(error, secrets) }),
        );
      // The chart is done with this attempt: the lock goes (with whether the answer was taken).
      // An attempt still waiting for its answer is aborted.
      return () => {
        release(answer !== null && stored.has(answer));
        if (!settled && answer === null) controller.abort(new SessionError('aborted', 'the session no longer waits for this refresh'));
      };
    }),
    storeAnswer: fromPromise<StoreOutcome, { tokens: Tokens }>(async ({ input }) => {
      const newer = await store.store(input.tokens);
      stored.add(input.tokens);
      return { tokens: newer ?? input.tokens, storedElsewhere: newer !== null };
    }),
  };
}
