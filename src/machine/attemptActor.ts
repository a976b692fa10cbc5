import { fromCallback, fromPromise } from 'xstate';
import { admitError, SessionError } from './errors.js';
import type { AttemptInput, SessionEvent, StoreOutcome } from './machineTypes.js';
import type { Refresher } from './refresher.js';
import type { StorageGate } from './storageGate.js';
import type { BackoffRecord } from './backoff.js';
import { withBackoff, type Tokens } from './tokens.js';

/**
 * The refresh's actors, as the chart invokes them. `refreshAttempt` runs one attempt of the
 * refresher and reports it as events: LOCK_CONTENDED, REQUEST_SENT, ANSWER_RECEIVED and
 * REFRESH_FAILED (inside the lock, which the attempt keeps until the chart has stored the answer
 * or recorded the failure), TOKENS_FOUND and BACKOFF_FOUND (storage answered for the server).
 * `storeAnswer` and `storeBackoff` are those two writes. What the refresh threw enters the
 * session here, and only as a sanitized copy.
 *
 * @example
 * sessionMachine.provide({ actors: refreshActors(refresher, store) })
 */
export function refreshActors(refresher: Refresher, store: StorageGate) {
  // Answers the chart's `storing` state finished with (written, or superseded by another tab's).
  const stored = new WeakSet<Tokens>();
  // The last failure's schedule being written (the chart's recordFailure action).
  let recorded: Promise<void> = Promise.resolve();
  const actors = {
    refreshAttempt: fromCallback<SessionEvent, AttemptInput>(({ input, sendBack }) => {
      const controller = new AbortController();
      const secrets = [input.tokens?.accessToken, input.tokens?.refreshToken];
      let settled = false;
      let answer: Tokens | null = null;
      let reported = false;
      // Resolved when the chart is done with this attempt (it stops this actor): the lock goes.
      let release: () => void = () => {};
      const done = new Promise<void>((resolve) => (release = resolve));
      const fail = (error: unknown) => {
        if (reported) return;
        reported = true;
        sendBack({ type: 'REFRESH_FAILED', error: admitError(error, secrets) });
      };
      refresher
        .attempt(input.tokens, input.since, controller.signal, {
          lockContended: () => sendBack({ type: 'LOCK_CONTENDED' }),
          requestSent: (failures, attempts) => sendBack({ type: 'REQUEST_SENT', failures, attempts }),
          answered: (tokens) => {
            answer = tokens;
            sendBack({ type: 'ANSWER_RECEIVED', tokens });
            return done.then(() => stored.has(tokens));
          },
          failed: (error) => {
            fail(error);
            // the chart's recordFailure runs in the step that stops this actor: wait for its write too
            return done.then(() => recorded);
          },
        })
        .finally(() => (settled = true))
        .then((outcome) => {
          if ('found' in outcome) sendBack({ type: 'TOKENS_FOUND', tokens: outcome.found });
          else if ('backoff' in outcome) sendBack({ type: 'BACKOFF_FOUND', backoff: outcome.backoff });
        }, fail);
      // The chart is done with this attempt. One still waiting for its answer is aborted.
      return () => {
        release();
        if (!settled && answer === null && !reported) controller.abort(new SessionError('aborted', 'the session no longer waits for this refresh'));
      };
    }),
    storeAnswer: fromPromise<StoreOutcome, { tokens: Tokens }>(async ({ input }) => {
      const newer = await store.store(input.tokens);
      stored.add(input.tokens);
      return { tokens: newer ?? input.tokens, storedElsewhere: newer !== null };
    }),
  };
  /** The recordFailure action: the schedule, with the chart's own tokens (never over a newer set another tab stored). */
  const recordFailure = (tokens: Tokens | null, backoff: BackoffRecord) => {
    if (tokens !== null) recorded = store.store(withBackoff(tokens, backoff)).then(() => {});
  };
  return { actors, recordFailure };
}
