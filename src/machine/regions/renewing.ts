import { endSession, sessionSetup } from '../setup.js';
import { answersWithToken } from './answers.js';
import { storing } from './storing.js';

/**
 * `renewing`: one refresh runs here. Two regions: `token` says what callers get (the
 * still-valid token while `expiringSoon`; a wait while `refreshing`), `attempt` how the
 * refresh goes: each attempt takes the lock, re-reads storage, sends at most one request and
 * writes its answer to storage inside the lock; transient failures back off and try again.
 *
 * @example
 * sessionSetup.createMachine({ states: { session: { states: { renewing, … } } } })
 */
export const renewing = sessionSetup.createStateConfig({
  type: 'parallel',
  entry: 'startRenewal',
  states: {
    token: {
      initial: 'expiringSoon',
      states: {
        // The token still works: requests use it while the refresh runs in the background.
        expiringSoon: {
          tags: ['expiringSoon', 'hasToken'],
          invoke: {
            src: 'deadline',
            input: ({ context }) => ({ at: context.tokens?.expiresAt ?? null, event: 'TOKEN_EXPIRED' as const, now: context.config.now }),
          },
          on: {
            TOKEN_EXPIRED: 'refreshing',
            WAKE: { guard: 'expired', target: 'refreshing' },
            TOKEN_REQUESTED: answersWithToken('refreshing'),
            REFRESH: 'refreshing',
          },
        },
        // No usable token: callers wait for the refresh.
        refreshing: {
          id: 'refreshing',
          tags: ['refreshing', 'waits'],
          on: { TOKEN_REQUESTED: { actions: 'queueCaller' } },
        },
      },
    },
    attempt: {
      initial: 'running',
      states: {
        running: {
          entry: 'countAttempt',
          invoke: { id: 'refreshAttempt', src: 'refreshAttempt', input: ({ context }) => ({ tokens: context.tokens }) },
          initial: 'preparing',
          states: {
            // Taking the lock and re-reading storage (another tab may have refreshed).
            preparing: { on: { LOCK_CONTENDED: 'waitingForLock', REQUEST_SENT: 'requesting' } },
            // Another tab holds the lock: its refresh will likely answer for both.
            waitingForLock: { on: { REQUEST_SENT: 'requesting' } },
            requesting: { on: { ANSWER_RECEIVED: { guard: { type: 'validTokens', params: ({ event }) => event.tokens }, target: 'storing' } } },
            // The answer is written to storage here, once, before the lock is released.
            storing,
          },
          on: {
            // Another tab refreshed while this one waited: its tokens, without a request.
            TOKENS_FOUND: {
              guard: { type: 'validTokens', params: ({ event }) => event.tokens },
              target: '#tokensArrived',
              actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'publishTokens'],
            },
            REFRESH_FAILED: [
              {
                // The server refused the refresh token: nothing left to revoke.
                guard: { type: 'rejected', params: ({ event }) => event.error },
                target: '#loggedOut',
                actions: [{ type: 'endWith', params: ({ event }) => event.error }, ...endSession('rejected')],
              },
              {
                // The refresh token's lifetime is over (a refresh it cannot win was not sent).
                guard: { type: 'refreshTokenExpired', params: ({ event }) => event.error },
                target: '#loggedOut',
                actions: [{ type: 'endWith', params: ({ event }) => event.error }, ...endSession('policy')],
              },
              { guard: { type: 'retryable', params: ({ event }) => event.error }, target: 'backingOff' },
              {
                guard: { type: 'failed', params: ({ event }) => event.error },
                target: '#refreshFailed',
                actions: { type: 'keepError', params: ({ event }) => event.error },
              },
            ],
          },
        },
        // A transient failure: the next attempt starts at context.retryAt.
        backingOff: {
          entry: 'planRetry',
          after: { retryDelay: 'running' },
        },
      },
    },
  },
});
