import { and, assign, fromCallback, fromPromise, raise, setup, stateIn } from 'xstate';
import { SessionError, isSessionError, isTransient } from './errors.js';
import { lifetimeEnd, lifetimeError } from './lifetime.js';
import { setDeadline } from './timer.js';
import { spendable, supersedes, isNewer, type Tokens } from './tokens.js';
import type { SessionEnding, WakeReason } from './types.js';

/** Everything that can happen to a session, in the machine's own words. */
export type SessionEvent =
  // the app
  | { type: 'LOGIN'; tokens: Tokens }
  | { type: 'LOGOUT' }
  | { type: 'REFRESH' }
  | { type: 'TOKEN_REJECTED'; token: string }
  /** `ambient`: noticed by the activity source (pointer, keys…), not an explicit touch() or another tab. */
  | { type: 'ACTIVITY'; at: number; ambient?: boolean }
  /** The page became visible, focused or online, or a caller found the token expired by the clock. */
  | { type: 'WAKE'; reason: WakeReason }
  // time (sent by the `deadline` actors)
  | { type: 'LEAD_TIME_REACHED' }
  | { type: 'TOKEN_EXPIRED' }
  | { type: 'ENDING_WARNING_REACHED' }
  | { type: 'LIFETIME_ENDED' }
  // the refresh attempt (sent by the `refreshAttempt` actor)
  | { type: 'LOCK_CONTENDED' }
  | { type: 'REQUEST_SENT' }
  | { type: 'ANSWER_RECEIVED' }
  | { type: 'REFRESH_SUCCEEDED'; tokens: Tokens }
  | { type: 'REFRESH_FAILED'; error: SessionError }
  /** A refresh answer that came after its attempt gave up on it; `spent`: what it spent. */
  | { type: 'LATE_REFRESH_ANSWER'; tokens: Tokens; spent: string }
  // the outside world
  | { type: 'TOKENS_RENEWED'; tokens: Tokens }
  | { type: 'TAB_TOKENS'; tokens: Tokens }
  | { type: 'TAB_LOGGED_OUT'; loginId?: string | undefined; reason?: SessionError | null | undefined }
  // raised by the session region for the lifetime region
  | { type: 'SESSION_CHANGED' };

/** Configuration, fixed at creation. */
export interface SessionConfig {
  now: () => number;
  /** Ms before expiry that a background refresh starts (capped at half the token lifetime). */
  leadTime: number;
  /** Retries after a transient failure, in one renewal. */
  retries: number;
  backoff: (attempt: number) => number;
  /** Ms a loading storage is given before the session starts without it. */
  restoreTimeout: number;
  checkSession: boolean;
  idleTimeout: number | null;
  maxSessionAge: number | null;
  endingWarning: number;
}

/** The machine's memory. */
export interface SessionContext {
  tokens: Tokens | null;
  /** Why the session is in `refreshFailed` or `loggedOut`. */
  error: SessionError | null;
  /** The attempt running in this renewal (1-based), and when the next starts while backing off. */
  attempt: number;
  retryAt: number | null;
  /** The last user activity seen in any tab (epoch ms). */
  lastActivity: number;
  /** Set while the lifetime region is `ending`. */
  ending: SessionEnding | null;
  /** When a lifetime policy ends the session (epoch ms), as last worked out; null: no end. */
  endsAt: number | null;
  /** The storage answers asynchronously, so `restoring` waits for it. */
  loadsAsync: boolean;
  config: SessionConfig;
}

/** What the session passes to the machine when it creates the actor. */
export interface SessionInput {
  /** What a synchronous storage held at start (ignored when `loadsAsync`). */
  tokens: Tokens | null;
  loadsAsync: boolean;
  config: SessionConfig;
}

/** Input of the `refreshAttempt` actor: the tokens to replace (null: checkSession). */
export interface AttemptInput {
  tokens: Tokens | null;
}

type TimeEvent = 'LEAD_TIME_REACHED' | 'TOKEN_EXPIRED' | 'ENDING_WARNING_REACHED' | 'LIFETIME_ENDED';

const notProvided = (what: string) => new SessionError('invalid-response', `sessionMachine: no ${what} implementation was provided`);

/** When a background refresh should start: `leadTime` before expiry, at most half the lifetime. */
export function refreshAt(tokens: Tokens | null, leadTime: number): number | null {
  if (tokens?.expiresAt == null) return null;
  const lead = Math.min(leadTime, (tokens.lifetime ?? Infinity) / 2);
  return tokens.expiresAt - lead;
}

/** A well-formed token set, as events from outside (`session.actor.send`) may carry anything. */
function isTokens(value: unknown): value is Tokens {
  const t = value as Partial<Tokens> | null;
  const time = (n: unknown) => n === null || (typeof n === 'number' && Number.isFinite(n));
  return (
    typeof t === 'object' && t !== null && typeof t.accessToken === 'string' && t.accessToken !== '' &&
    (t.refreshToken === undefined || (typeof t.refreshToken === 'string' && t.refreshToken !== '')) &&
    time(t.expiresAt) && time(t.lifetime) && time(t.refreshExpiresAt) &&
    (t.claims === null || typeof t.claims === 'object') &&
    (t.login === null || (typeof t.login?.id === 'string' && typeof t.login.at === 'number'))
  );
}

const expired = (context: SessionContext) => context.tokens?.expiresAt != null && context.config.now() >= context.tokens.expiresAt;
const due = (context: SessionContext) => {
  const at = refreshAt(context.tokens, context.config.leadTime);
  return at !== null && context.config.now() >= at;
};

/**
 * The session statechart. Two regions run side by side:
 *
 * - `session`, the token's life. Its states are the public statuses; tags say what a caller
 *   of getAccessToken() gets in each (`hasToken`: the token now; `waits`: the refresh's
 *   answer; `fails`: the error; `retriesOnRequest`: a new attempt first). One refresh runs
 *   while in `renewing`, as attempts of the `refreshAttempt` actor, each of which takes the
 *   lock, re-reads storage, sends at most one request and writes the answer to storage
 *   inside the lock (`running.storing`: the one storage write of a refresh). Transient
 *   failures back off and try again; a definitive rejection logs out.
 * - `lifetime`, the session's own end (idleTimeout, maxSessionAge, the refresh token's
 *   expiry): `active`, then `ending` (snapshot.ending set) `endingWarning` ms before the end,
 *   then LIFETIME_ENDED logs the session out. Activity brings an idle ending back to active.
 *
 * Time arrives as events from `deadline` actors (LEAD_TIME_REACHED, TOKEN_EXPIRED,
 * ENDING_WARNING_REACHED, LIFETIME_ENDED) and from WAKE, which re-reads the clock. Every side
 * effect is a named action on the transition that causes it; their implementations (storage,
 * other tabs, onLoggedOut, revoke) are provided by `createSession`. The machine knows nothing
 * of HTTP, storage or the DOM.
 *
 * @example
 * const diagram = toMermaid(sessionMachine) // the chart, generated from this definition
 */
export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    /** Loads the stored tokens (an asynchronous storage). */
    restore: fromPromise<Tokens | null>(async () => {
      throw notProvided('restore');
    }),
    /** One refresh attempt; reports progress and its outcome as events. */
    refreshAttempt: fromCallback<SessionEvent, AttemptInput>(({ sendBack }) => {
      sendBack({ type: 'REFRESH_FAILED', error: notProvided('refreshAttempt') });
    }),
    /** Sends `event` once the session's clock reaches `at` (long waits chained, never early). */
    deadline: fromCallback<SessionEvent, { at: number | null; event: TimeEvent; now: () => number }>(({ input, sendBack }) =>
      input.at === null ? undefined : setDeadline(input.at, input.now, () => sendBack({ type: input.event })),
    ),
  },
  delays: {
    retryDelay: ({ context }) => Math.max(0, (context.retryAt ?? 0) - context.config.now()),
    restoreTimeout: ({ context }) => context.config.restoreTimeout,
  },
  guards: {
    loadsAsync: ({ context }) => context.loadsAsync,
    hasTokens: ({ context }) => context.tokens !== null,
    checksSession: ({ context }) => context.config.checkSession,
    /** The storage's answer (the restore actor's output) is a usable token set. */
    restored: ({ event }) => isTokens((event as { output?: unknown }).output),
    expired: ({ context }) => expired(context),
    dueForRefresh: ({ context }) => due(context),
    isCurrentToken: ({ context }, token: string) => typeof token === 'string' && token === context.tokens?.accessToken,
    validTokens: (_, tokens: Tokens) => isTokens(tokens),
    supersedesOurs: ({ context }, tokens: Tokens) => isTokens(tokens) && supersedes(tokens, context.tokens),
    newerRenewal: ({ context }, tokens: Tokens) => isTokens(tokens) && context.tokens !== null && isNewer(tokens, context.tokens),
    spendsCurrent: ({ context }, event: { tokens: Tokens; spent: string }) =>
      isTokens(event.tokens) && context.tokens !== null && event.spent === spendable(context.tokens),
    inSession: ({ context }) => context.tokens !== null,
    /** Another tab ended this login (a message naming another login is about an older session). */
    endsOurLogin: ({ context }, loginId: string | undefined) =>
      context.tokens !== null && (loginId === undefined || context.tokens.login === null || loginId === context.tokens.login.id),
    failed: (_, error: SessionError) => isSessionError(error),
    rejected: (_, error: SessionError) => isSessionError(error) && error.kind === 'rejected',
    refreshTokenExpired: (_, error: SessionError) => isSessionError(error) && error.kind === 'session-expired',
    retryable: ({ context }, error: SessionError) =>
      isSessionError(error) && isTransient(error) && context.attempt <= context.config.retries,
    recentActivity: (_, at: number) => typeof at === 'number' && Number.isFinite(at),
    ambientActivity: (_, ambient: boolean) => ambient,
    unbounded: ({ context }) => context.tokens === null || lifetimeEnd(context) === null,
    warningReached: ({ context }) => {
      const end = lifetimeEnd(context);
      return end !== null && context.config.now() >= end.at - context.config.endingWarning;
    },
    lifetimeOver: ({ context }) => {
      const end = lifetimeEnd(context);
      return end !== null && context.tokens !== null && context.config.now() >= end.at;
    },
  },
  actions: {
    // Side effects, provided by createSession. Each does one thing.
    /** Writes a login's tokens to storage, replacing whatever is there. */
    persistLogin: () => {},
    /** Writes tokens to storage unless another tab stored newer ones meanwhile. */
    persistTokens: () => {},
    /** Tells other tabs about the current tokens. */
    publishTokens: () => {},
    clearStorage: () => {},
    /** Tells other tabs the session ended (`tab` says this tab ended it on its own). */
    publishLogout: (_, _params: { independent: boolean }) => {},
    /** Calls `revoke` once for the ending session; `settle`: wait a moment for other tabs ending it too. */
    revokeSession: (_, _params: { settle: boolean }) => {},
    /** Calls onLoggedOut with context.error. */
    notifyLoggedOut: () => {},
    /** Aborts the refresh request in flight; its answer is ignored. */
    abandonRefresh: () => {},
    warnRestoreTimedOut: () => {},

    useTokens: assign((_, tokens: Tokens) => ({ tokens, error: null })),
    useLogin: assign(({ context }, tokens: Tokens) => ({ tokens, error: null, lastActivity: context.config.now() })),
    keepError: assign((_, error: SessionError) => ({ error })),
    endWith: assign((_, error: SessionError | null) => ({ error })),
    forgetTokens: assign({ tokens: null, attempt: 0, retryAt: null }),
    startRenewal: assign({ attempt: 0, retryAt: null }),
    countAttempt: assign(({ context }) => ({ attempt: context.attempt + 1, retryAt: null })),
    planRetry: assign(({ context }) => ({ retryAt: context.config.now() + Math.max(0, context.config.backoff(context.attempt)) })),
    noteActivity: assign(({ context }, at: number) => ({ lastActivity: Math.max(context.lastActivity, Math.min(at, context.config.now())) })),
    announceEnding: assign(({ context }) => ({ ending: lifetimeEnd(context) })),
    noteEnd: assign(({ context }) => ({ endsAt: lifetimeEnd(context)?.at ?? null })),
    endNow: raise({ type: 'LIFETIME_ENDED' }),
    clearEnding: assign({ ending: null }),
    endLifetime: assign(({ context }) => ({ error: lifetimeError(context.ending ?? lifetimeEnd(context)) })),
    sessionChanged: raise({ type: 'SESSION_CHANGED' }),
  },
}).createMachine({
  id: 'session',
  type: 'parallel',
  context: ({ input }) => ({
    tokens: input.loadsAsync ? null : input.tokens,
    error: null,
    attempt: 0,
    retryAt: null,
    lastActivity: input.config.now(),
    ending: null,
    endsAt: null,
    loadsAsync: input.loadsAsync,
    config: input.config,
  }),
  states: {
    session: {
      initial: 'restoring',
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
            actions: ['abandonRefresh', { type: 'endWith', params: null }, 'clearStorage', { type: 'publishLogout', params: { independent: false } }, { type: 'revokeSession', params: { settle: false } }, 'notifyLoggedOut', 'forgetTokens'],
          },
          { target: '.loggedOut', actions: 'forgetTokens' },
        ],
        LIFETIME_ENDED: {
          guard: 'lifetimeOver',
          target: '.loggedOut',
          actions: ['abandonRefresh', 'endLifetime', 'clearStorage', { type: 'publishLogout', params: { independent: true } }, { type: 'revokeSession', params: { settle: true } }, 'notifyLoggedOut', 'forgetTokens'],
        },
        TAB_LOGGED_OUT: {
          guard: { type: 'endsOurLogin', params: ({ event }) => event.loginId },
          target: '.loggedOut',
          actions: ['abandonRefresh', { type: 'endWith', params: ({ event }) => (isSessionError(event.reason) ? event.reason : null) }, 'notifyLoggedOut', 'forgetTokens'],
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
        // Finding out whether there is a session. Callers wait.
        restoring: {
          tags: ['restoring', 'waits'],
          initial: 'starting',
          on: {
            // the storage (or the server) may still hand over tokens: clear it, tell the other tabs
            LOGOUT: {
              target: 'loggedOut',
              actions: ['abandonRefresh', 'clearStorage', { type: 'publishLogout', params: { independent: false } }, 'notifyLoggedOut', 'forgetTokens'],
            },
          },
          states: {
            // A choice, left at once: a synchronous storage has already answered.
            starting: {
              always: [
                { guard: 'loadsAsync', target: 'fromStorage' },
                { guard: 'hasTokens', target: '#tokensArrived' },
                { guard: 'checksSession', target: 'checking' },
                { target: '#loggedOut' },
              ],
            },
            // An asynchronous storage: its answer decides, and a refresh() asked for meanwhile.
            fromStorage: {
              invoke: {
                id: 'restore',
                src: 'restore',
                onDone: [
                  {
                    guard: and(['restored', stateIn('#refreshRequested')]),
                    target: '#refreshing',
                    actions: { type: 'useTokens', params: ({ event }) => event.output as Tokens },
                  },
                  {
                    guard: 'restored',
                    target: '#tokensArrived',
                    actions: { type: 'useTokens', params: ({ event }) => event.output as Tokens },
                  },
                  { guard: 'checksSession', target: '#checking' },
                  { target: '#loggedOut' },
                ],
                // (the session's storage gate never fails; another restore actor might)
                onError: '#loggedOut',
              },
              // A storage that never answers must not leave callers waiting.
              after: {
                restoreTimeout: [
                  { guard: 'checksSession', target: '#checking', actions: 'warnRestoreTimedOut' },
                  { target: '#loggedOut', actions: 'warnRestoreTimedOut' },
                ],
              },
              initial: 'loading',
              states: {
                loading: { on: { REFRESH: 'refreshRequested' } },
                // refresh() was called while loading: restored tokens are refreshed at once.
                refreshRequested: { id: 'refreshRequested' },
              },
            },
            // checkSession: nothing stored, so one refresh asks the server (an httpOnly cookie).
            checking: {
              id: 'checking',
              invoke: { id: 'check', src: 'refreshAttempt', input: () => ({ tokens: null }) },
              on: {
                REFRESH_SUCCEEDED: {
                  guard: { type: 'validTokens', params: ({ event }) => event.tokens },
                  target: '#tokensArrived',
                  actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'publishTokens'],
                },
                REFRESH_FAILED: [
                  // Nobody was logged in: nothing to clear, nobody to tell.
                  { guard: { type: 'rejected', params: ({ event }) => event.error }, target: '#loggedOut' },
                  { guard: { type: 'failed', params: ({ event }) => event.error }, target: '#refreshFailed', actions: { type: 'keepError', params: ({ event }) => event.error } },
                ],
              },
            },
          },
        },
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
            TOKEN_REJECTED: { guard: { type: 'isCurrentToken', params: ({ event }) => event.token }, target: '#refreshing' },
            REFRESH: '#refreshing',
          },
        },
        // One refresh runs here. `token` says what callers get; `attempt` how the refresh goes.
        renewing: {
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
                    TOKEN_REJECTED: { guard: { type: 'isCurrentToken', params: ({ event }) => event.token }, target: 'refreshing' },
                    REFRESH: 'refreshing',
                  },
                },
                // No usable token: callers wait for the refresh.
                refreshing: {
                  id: 'refreshing',
                  tags: ['refreshing', 'waits'],
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
                    requesting: { on: { ANSWER_RECEIVED: 'storing' } },
                    // The answer is written to storage here, once, before the lock is released.
                    storing: {},
                  },
                  on: {
                    REFRESH_SUCCEEDED: {
                      guard: { type: 'validTokens', params: ({ event }) => event.tokens },
                      target: '#tokensArrived',
                      actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'publishTokens'],
                    },
                    REFRESH_FAILED: [
                      {
                        // The server refused the refresh token: nothing left to revoke.
                        guard: { type: 'rejected', params: ({ event }) => event.error },
                        target: '#loggedOut',
                        actions: [{ type: 'endWith', params: ({ event }) => event.error }, 'clearStorage', { type: 'publishLogout', params: { independent: false } }, 'notifyLoggedOut', 'forgetTokens'],
                      },
                      {
                        // The refresh token's lifetime is over (a refresh it cannot win was not sent).
                        guard: { type: 'refreshTokenExpired', params: ({ event }) => event.error },
                        target: '#loggedOut',
                        actions: [{ type: 'endWith', params: ({ event }) => event.error }, 'clearStorage', { type: 'publishLogout', params: { independent: true } }, { type: 'revokeSession', params: { settle: true } }, 'notifyLoggedOut', 'forgetTokens'],
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
        },
        // The refresh gave up on transient failures. Tokens are kept; callers get the error,
        // and the next request, refresh(), or the page waking up tries again.
        refreshFailed: {
          id: 'refreshFailed',
          tags: ['refreshFailed', 'fails', 'retriesOnRequest'],
          on: {
            REFRESH: [{ guard: 'hasTokens', target: '#refreshing' }, { target: 'restoring.checking' }],
            TOKEN_REJECTED: { guard: { type: 'isCurrentToken', params: ({ event }) => event.token }, target: '#refreshing' },
            WAKE: [
              { guard: 'expired', target: '#refreshing' },
              { guard: 'hasTokens', target: 'renewing' },
              { target: 'restoring.checking' },
            ],
          },
        },
      },
    },
    lifetime: {
      initial: 'unbounded',
      on: {
        SESSION_CHANGED: '.checking',
        // a clock that jumped (a laptop that slept) is read again at once
        WAKE: '.checking',
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
          entry: 'noteEnd',
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
    },
  },
});
