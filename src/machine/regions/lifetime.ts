import { lifetimeEnd } from '../lifetime.js';
import { sessionSetup } from '../setup.js';

/**
 * The `lifetime` region: the session's own end (idleTimeout, maxSessionAge, the refresh
 * token's expiry). `active`, then `ending` (snapshot.ending set) `endingWarning` ms before the
 * end, then LIFETIME_ENDED, which the session region turns into a logout. Activity brings an
 * idle ending back to `active`.
 *
 * @example
 * sessionSetup.createMachine({ type: 'parallel', states: { session, lifetime } })
 */
export const lifetime = sessionSetup.createStateConfig({
  initial: 'unbounded',
  on: {
    SESSION_CHANGED: '.checking',
    // a clock that jumped (a laptop that slept) is read again at once
    WAKE: '.checking',
    // a caller asking past the end (its timer has not fired yet): the session ends now, and
    // the session region has told the caller to wait for that
    TOKEN_REQUESTED: { guard: { type: 'lifetimeOverAt', params: ({ event }) => event }, target: '.ending', actions: 'endNow' },
    ACTIVITY: [
      // the first keypress after a sleep past the end does not bring the session back
      { guard: 'lifetimeOver', target: '.ending', actions: 'endNow' },
      { guard: { type: 'recentActivity', params: ({ event }) => event.at }, target: '.checking', actions: { type: 'noteActivity', params: ({ event }) => event.at } },
    ],
  },
  states: {
    // No session, or no limit on it.
    unbounded: {},
    // A choice, left at once.
    checking: {
      always: [
        { guard: 'unbounded', target: 'unbounded' },
        // already past the end (the clock jumped): end now, not when a timer gets round to it
        { guard: 'lifetimeOver', target: 'ending', actions: 'endNow' },
        { guard: 'warningReached', target: 'ending' },
        { target: 'active' },
      ],
    },
    active: {
      invoke: {
        src: 'deadline',
        input: ({ context }) => {
          const end = lifetimeEnd(context);
          return { at: end === null ? null : end.at - context.config.endingWarning, event: 'ENDING_WARNING_REACHED' as const, now: context.config.now };
        },
      },
      on: { ENDING_WARNING_REACHED: 'ending' },
    },
    // snapshot.ending says why and when; activity brings an idle end back to `active`.
    ending: {
      entry: 'announceEnding',
      exit: 'clearEnding',
      on: {
        // While the warning shows, only touch() ("Stay signed in") or another tab's activity
        // answers it: reaching for the warning's own Sign out button is not "still here".
        ACTIVITY: [
          { guard: 'lifetimeOver', actions: 'endNow' },
          { guard: { type: 'ambientActivity', params: ({ event }) => event.ambient === true } },
        ],
      },
      invoke: {
        src: 'deadline',
        input: ({ context }) => ({ at: lifetimeEnd(context)?.at ?? null, event: 'LIFETIME_ENDED' as const, now: context.config.now }),
      },
    },
  },
});
