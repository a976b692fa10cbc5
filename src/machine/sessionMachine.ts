import { isSessionError } from './errors.js';
import { withBackoff } from './tokens.js';
import { lifetime } from './regions/lifetime.js';
import { renewing } from './regions/renewing.js';
import { restoring } from './regions/restoring.js';
import { answersWithToken } from './regions/answers.js';
import { refreshFailed } from './regions/refreshFailed.js';
import { endSession, refreshAt, sessionSetup } from './setup.js';

export { refreshAt } from './setup.js';
export type { AttemptInput, SessionConfig, SessionContext, SessionEvent, SessionInput } from './machineTypes.js';

/**
 * The session statechart. Two regions run side by side:
 *
 * - `session`, the token's life. Its states are the public statuses; tags say what a caller
 *   already waiting gets once the session is there (`hasToken`: the token; `waits`: it waits
 *   on; `fails`: the error). A caller's question (TOKEN_REQUESTED, sent once per
 *   getAccessToken, tokenRejected and refresh) is answered by the state's transition: the
 *   token, a wait, the error, or a new attempt (regions/answers.ts). One refresh runs
 *   while in `renewing` (regions/renewing.ts); `restoring` (regions/restoring.ts) finds out
 *   whether there is a session at all.
 * - `lifetime` (regions/lifetime.ts), the session's own end: idleTimeout, maxSessionAge, the
 *   refresh token's expiry.
 *
 * Time arrives as events from `deadline` actors (LEAD_TIME_REACHED, TOKEN_EXPIRED,
 * ENDING_WARNING_REACHED, LIFETIME_ENDED) and from WAKE, which re-reads the clock. Every side
 * effect is a named action on the transition that causes it (setup.ts); their implementations
 * (storage, other tabs, onLoggedOut, revoke) are provided by `createSession`. The machine knows
 * nothing of HTTP, storage or the DOM.
 *
 * @example
 * const diagram = toMermaid(sessionMachine) // the chart, generated from this definition
 */
export const sessionMachine = sessionSetup.createMachine({
  id: 'session',
  type: 'parallel',
  context: ({ input }) => ({
    tokens: input.loadsAsync || input.tokens === null ? null : withBackoff(input.tokens, undefined),
    refused: false,
    error: null,
    attempt: 0,
    retryAt: null,
    failures: 0,
    // (a reload keeps to the schedule other tabs stored: only refresh(), online and the like reset it)
    resetAt: 0,
    lastActivity: input.config.now(),
    ending: null,
    loadsAsync: input.loadsAsync,
    config: input.config,
  }),
  states: {
    session: {
      initial: 'restoring',
      // What can happen in any state of the session region.
      on: {
        LOGIN: {
          guard: { type: 'validTokens', params: ({ event }) => event.tokens },
          target: '.tokensArrived',
          actions: ['abandonRefresh', { type: 'useLogin', params: ({ event }) => event.tokens }, 'persistLogin', 'publishTokens'],
        },
        LOGOUT: [
          {
            guard: 'inSession',
            target: '.loggedOut',
            actions: [{ type: 'endWith', params: null }, ...endSession('logout')],
          },
          { target: '.loggedOut', actions: 'forgetTokens' },
        ],
        LIFETIME_ENDED: {
          guard: 'lifetimeOver',
          target: '.loggedOut',
          actions: ['endLifetime', ...endSession('policy')],
        },
        TAB_LOGGED_OUT: {
          guard: { type: 'endsOurLogin', params: ({ event }) => event.loginId },
          target: '.loggedOut',
          actions: [{ type: 'endWith', params: ({ event }) => (isSessionError(event.reason) ? event.reason : null) }, ...endSession('elsewhere')],
        },
        TAB_TOKENS: {
          guard: { type: 'supersedesOurs', params: ({ event }) => event.tokens },
          target: '.tokensArrived',
          actions: { type: 'useTokens', params: ({ event }) => event.tokens },
        },
        TOKENS_RENEWED: {
          guard: { type: 'newerRenewal', params: ({ event }) => event.tokens },
          target: '.tokensArrived',
          actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'persistTokens', 'publishTokens'],
        },
        LATE_REFRESH_ANSWER: {
          guard: { type: 'spendsCurrent', params: ({ event }) => event },
          target: '.tokensArrived',
          actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'persistTokens', 'publishTokens'],
        },
      },
      states: {
        restoring,
        // A choice, left at once: tokens that just arrived go where their expiry says.
        tokensArrived: {
          id: 'tokensArrived',
          entry: 'sessionChanged',
          always: [
            { guard: 'expired', target: '#refreshing' },
            { guard: 'dueForRefresh', target: 'renewing' },
            { target: 'authenticated' },
          ],
        },
        loggedOut: {
          id: 'loggedOut',
          tags: ['loggedOut', 'fails'],
          entry: 'sessionChanged',
          on: { TOKEN_REQUESTED: { actions: 'giveError' } },
        },
        authenticated: {
          tags: ['authenticated', 'hasToken'],
          invoke: {
            src: 'deadline',
            input: ({ context }) => ({ at: refreshAt(context.tokens, context.config.leadTime), event: 'LEAD_TIME_REACHED' as const, now: context.config.now }),
          },
          on: {
            LEAD_TIME_REACHED: 'renewing',
            WAKE: [
              { guard: 'expired', target: '#refreshing' },
              { guard: 'dueForRefresh', target: 'renewing' },
            ],
            TOKEN_REQUESTED: answersWithToken('#refreshing'),
            REFRESH: { target: '#refreshing', actions: 'resetBackoff' },
          },
        },
        renewing,
        refreshFailed,
      },
    },
    lifetime,
  },
});
