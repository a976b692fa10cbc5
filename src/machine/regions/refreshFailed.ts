import { sessionSetup } from '../setup.js';
import { answersAfterFailure } from './answers.js';

/**
 * `refreshFailed`: the last refresh cycle failed without a rejection. The tokens are kept (a
 * network error never logs anybody out); callers already waiting get the error.
 * - `coolingDown` until context.retryAt (DESIGN rule 15: 1 s doubling to 60 s, or the server's
 *   Retry-After; every tab keeps to the same schedule): a caller gets the still-valid token, or
 *   at once the last error; no refresh is sent.
 * - `ready`: the wait is over; the next request, a wake-up or refresh() starts the next cycle.
 * refresh(), `online`, and the page visible again after the wait (a sleep) reset the backoff.
 *
 * @example
 * sessionSetup.createMachine({ states: { session: { states: { refreshFailed, … } } } })
 */
export const refreshFailed = sessionSetup.createStateConfig({
  id: 'refreshFailed',
  tags: ['refreshFailed', 'fails'],
  initial: 'coolingDown',
  on: {
    REFRESH: [
      { guard: 'hasTokens', target: '#refreshing', actions: 'resetBackoff' },
      { target: 'restoring.checking', actions: 'resetBackoff' },
    ],
    TOKEN_REQUESTED: answersAfterFailure,
    WAKE: [
      { guard: { type: 'wakeResets', params: ({ event }) => event.reason }, target: '.retrying', actions: 'resetBackoff' },
      { target: '.retrying' },
    ],
  },
  states: {
    coolingDown: {
      invoke: {
        src: 'deadline',
        input: ({ context }) => ({ at: context.retryAt, event: 'COOLDOWN_ENDED' as const, now: context.config.now }),
      },
      on: {
        COOLDOWN_ENDED: 'ready',
        // past context.retryAt at the caller's time, the wait is over: refreshFailed answers
        TOKEN_REQUESTED: [
          { guard: { type: 'coolingWithToken', params: ({ event }) => event }, actions: 'giveToken' },
          { guard: { type: 'coolingAt', params: ({ event }) => event }, actions: ['refuseToken', 'giveError'] },
        ],
        // focus, or visible while the wait is still on: the schedule holds
        WAKE: [
          { guard: { type: 'wakeResets', params: ({ event }) => event.reason }, target: 'retrying', actions: 'resetBackoff' },
          { actions: [] },
        ],
      },
    },
    ready: {},
    // A choice, left at once: the next cycle, as the tokens held allow.
    retrying: {
      always: [
        { guard: 'noUsableToken', target: '#refreshing' },
        { guard: 'hasTokens', target: '#expiringSoon' },
        { target: '#checking' },
      ],
    },
  },
});
