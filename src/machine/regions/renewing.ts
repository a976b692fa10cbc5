import type { SessionEvent } from '../machineTypes.js';
import { endSession, sessionSetup } from '../setup.js';
import { answersWithToken } from './answers.js';
import { storing } from './storing.js';

type Failure = Extract<SessionEvent, { type: 'REFRESH_FAILED' }>;

// what a failure leaves in storage for every tab: the schedule (see BackoffRecord)
const recordFailure = { type: 'recordFailure', params: ({ event }: { event: Failure }) => event.error } as const;

// the stored schedule's counts (failed cycles, attempts of this cycle in any tab), as the request went out
type Sent = { failures?: number | undefined; attempts?: number | undefined };
const adoptFailures = { type: 'adoptFailures', params: ({ event }: { event: Sent }) => ({ failures: event.failures, attempts: event.attempts }) } as const;

/**
 * `renewing`: one refresh cycle runs here. Two regions: `token` says what callers get (the
 * still-valid token while `expiringSoon`; a wait while `refreshing`), `attempt` how the
 * refresh goes: each attempt takes the lock, re-reads storage (another tab's tokens, or its
 * schedule of failures), sends at most one request and, inside the lock, writes its answer
 * (`storing`) or its failure (`recordFailure`: the schedule every tab keeps to). A blip after a
 * success is retried in the cycle (`backingOff`); a cycle that failed ends in refreshFailed,
 * cooling down (rule 15).
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
          id: 'expiringSoon',
          tags: ['expiringSoon', 'hasToken'],
          invoke: {
            src: 'deadline',
            input: ({ context }) => ({ at: context.tokens?.expiresAt ?? null, event: 'TOKEN_EXPIRED' as const, now: context.config.now }),
          },
          on: {
            TOKEN_EXPIRED: 'refreshing',
            WAKE: { guard: 'expired', target: 'refreshing' },
            TOKEN_REQUESTED: answersWithToken('refreshing'),
            REFRESH: { target: 'refreshing', actions: 'resetBackoff' },
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
          invoke: { id: 'refreshAttempt', src: 'refreshAttempt', input: ({ context }) => ({ tokens: context.tokens, since: context.resetAt }) },
          initial: 'preparing',
          states: {
            // Taking the lock and re-reading storage (another tab may have refreshed, or be backing off).
            preparing: { on: { LOCK_CONTENDED: 'waitingForLock', REQUEST_SENT: { target: 'requesting', actions: adoptFailures } } },
            // Another tab holds the lock: its refresh will likely answer for both.
            waitingForLock: { on: { REQUEST_SENT: { target: 'requesting', actions: adoptFailures } } },
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
            // Another tab's refresh failed: keep to its schedule, without a request.
            BACKOFF_FOUND: [
              { guard: { type: 'coolsDown', params: ({ event }) => event.backoff }, target: '#refreshFailed', actions: { type: 'adoptBackoff', params: ({ event }) => event.backoff } },
              { target: 'backingOff', actions: { type: 'adoptBackoff', params: ({ event }) => event.backoff } },
            ],
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
              // A blip in a renewal after a success: another attempt in this one (callers wait). The
              // schedule goes to storage for every tab, before the attempt lets go of the lock.
              { guard: { type: 'retryable', params: ({ event }) => event.error }, target: 'backingOff', actions: ['planRetry', recordFailure] },
              // The cycle failed: cool down (callers get the error, or the still-valid token).
              {
                guard: { type: 'failed', params: ({ event }) => event.error },
                target: '#refreshFailed',
                actions: [{ type: 'keepError', params: ({ event }) => event.error }, { type: 'planCooldown', params: ({ event }) => event.error }, recordFailure],
              },
            ],
          },
        },
        // Between the attempts of a renewal: the next starts at context.retryAt.
        backingOff: {
          id: 'backingOff',
          after: { retryDelay: 'running' },
        },
      },
    },
  },
});
