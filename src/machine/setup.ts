import { assign, fromCallback, fromPromise, raise, setup } from 'xstate';
import { SessionError, isSessionError, isTransient } from './errors.js';
import { lifetimeEnd, lifetimeError } from './lifetime.js';
import { errorOf, type BackoffRecord } from './backoff.js';
import type { WakeReason } from './types.js';
import type { AttemptInput, EndCause, StoreOutcome, SessionConfig, SessionContext, SessionEvent, SessionInput, SessionTag, TimeEvent } from './machineTypes.js';
import { setDeadline } from './timer.js';
import { spendable, supersedes, isNewer, withBackoff, type Tokens } from './tokens.js';

// The statechart's names and what they mean: its actors, guards and actions. The chart
// (sessionMachine.ts and regions/) says when each one applies; the side effects among the
// actions are implemented by createSession (effects.ts), which provides them.

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

/** A caller's question, as the guards read it (events from outside may carry anything). */
type Question = Extract<SessionEvent, { type: 'TOKEN_REQUESTED' }>;
const timeOf = (context: SessionContext, q: Question) => (typeof q.at === 'number' && Number.isFinite(q.at) ? q.at : context.config.now());
/** The session's lifetime is over at the caller's time (see the lifetime region). */
function lifetimeOverAt(context: SessionContext, q: Question): boolean {
  const end = lifetimeEnd(context);
  return end !== null && context.tokens !== null && timeOf(context, q) >= end.at;
}
/** Cooling down at the caller's time, the session not over (then the lifetime region ends it). */
const coolingAt = (context: SessionContext, q: Question) => context.retryAt !== null && timeOf(context, q) < context.retryAt && !lifetimeOverAt(context, q);

/** The held token works at the caller's time: not expired, not refused by the server. */
function usableAt(context: SessionContext, q: Question): boolean {
  const { tokens } = context;
  return tokens !== null && !context.refused && q.rejected !== tokens.accessToken && (tokens.expiresAt === null || timeOf(context, q) < tokens.expiresAt);
}

/** The schedule a failure leaves for every tab (written with the stored tokens): see BackoffRecord. */
export function scheduleOf(context: SessionContext, error: SessionError): BackoffRecord {
  const now = context.config.now();
  const record: BackoffRecord = { failures: context.failures, attempts: context.attempt, retryAt: context.retryAt ?? now, at: now, kind: isSessionError(error) ? error.kind : 'network' };
  if (isSessionError(error) && typeof error.status === 'number') record.status = error.status;
  return record;
}

const counted = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
const expired = (context: SessionContext) => context.tokens?.expiresAt != null && context.config.now() >= context.tokens.expiresAt;
const due = (context: SessionContext) => {
  const at = refreshAt(context.tokens, context.config.leadTime);
  return at !== null && context.config.now() >= at;
};

const base = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
    tags: {} as SessionTag,
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
    /** Writes a refresh's answer to storage, unless another tab stored newer tokens meanwhile. */
    storeAnswer: fromPromise<StoreOutcome, { tokens: Tokens }>(async () => {
      throw notProvided('storeAnswer');
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
    /** The caller reports a 401 for the token the session holds now (not an older one). */
    rejectsCurrent: ({ context }, q: Question) => typeof q.rejected === 'string' && q.rejected === context.tokens?.accessToken,
    usableAt: ({ context }, q: Question) => usableAt(context, q),
    /** The session's lifetime is over at the caller's time (the lifetime region ends it in the same step). */
    lifetimeOverAt: ({ context }, q: Question) => lifetimeOverAt(context, q),
    validTokens: (_, tokens: Tokens) => isTokens(tokens),
    /** The answer was not written: another tab stored tokens that supersede it. */
    storedElsewhere: (_, outcome: StoreOutcome) => outcome.storedElsewhere,
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
    /**
     * Worth another attempt in this renewal: a transient failure, attempts left, no failed cycle
     * since the last success (then each cycle is one attempt), and no Retry-After (the server said when).
     */
    retryable: ({ context }, error: SessionError) =>
      isSessionError(error) && isTransient(error) && context.attempt <= context.config.retries && context.failures === 0 && error.retryAfter === undefined,
    /** A stored schedule of failed cycles (not a retry inside another tab's renewal). */
    coolsDown: (_, backoff: BackoffRecord) => backoff.failures > 0,
    /** Still cooling down at the caller's time, the session not over, and the held token works. */
    coolingWithToken: ({ context }, q: Question) => coolingAt(context, q) && usableAt(context, q),
    coolingAt: ({ context }, q: Question) => coolingAt(context, q),
    /** `online`, or the page visible again after the wait is over (a sleep): the backoff starts afresh. */
    wakeResets: ({ context }, reason: WakeReason) => reason === 'online' || (reason === 'visible' && context.config.now() >= (context.retryAt ?? 0)),
    /** Tokens held, but none a request can use (expired, or refused by the server). */
    noUsableToken: ({ context }) => context.tokens !== null && (context.refused || expired(context)),
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
    /** Tells other tabs the session ended (a policy's end says when, so tabs agree who revokes). */
    publishLogout: (_, _params: { cause: EndCause }) => {},
    /** Calls `revoke` once for the ending session (a policy's end first hears whether another tab did). */
    revokeSession: (_, _params: { cause: EndCause }) => {},
    /** Calls onLoggedOut with context.error. */
    notifyLoggedOut: () => {},
    /**
     * DPoP: the ended session's key is deleted here once `revoke` settled (a new login gets a
     * new key); another tab's end only makes this tab read the key store again.
     */
    forgetKey: (_, _params: { cause: EndCause }) => {},
    /** Aborts the refresh request in flight; its answer is ignored. */
    abandonRefresh: () => {},
    warnRestoreTimedOut: () => {},
    /**
     * Writes the schedule a failed attempt leaves (see BackoffRecord) with the stored tokens, so
     * every tab keeps to it; the attempt keeps the refresh lock until it has landed.
     */
    recordFailure: (_, _error: SessionError) => {},
    // The answers to a caller's TOKEN_REQUESTED (see TokenAnswer).
    /** The token the session holds. */
    giveToken: () => {},
    /** A wait: the caller is answered when the session has a token again, or fails. */
    queueCaller: () => {},
    /** The error: context.error, or kind `logged-out`. */
    giveError: () => {},

    // Tokens that work end any backoff (rule 15): a success, another tab's, a login.
    // (the session holds tokens; a schedule stored with them stays in storage, where tabs read it)
    useTokens: assign((_, tokens: Tokens) => ({ tokens: withBackoff(tokens, undefined), refused: false, error: null, failures: 0, retryAt: null })),
    useLogin: assign(({ context }, tokens: Tokens) => {
      const now = context.config.now();
      return { tokens: withBackoff(tokens, undefined), refused: false, error: null, lastActivity: now, failures: 0, retryAt: null, resetAt: now };
    }),
    /** A caller reported a 401 with the held token: it is not handed out again. */
    refuseToken: assign(({ context, event }) => ({
      refused: context.refused || (event.type === 'TOKEN_REQUESTED' && typeof event.rejected === 'string' && event.rejected === context.tokens?.accessToken),
    })),
    keepError: assign((_, error: SessionError) => ({ error })),
    endWith: assign((_, error: SessionError | null) => ({ error })),
    forgetTokens: assign({ tokens: null, refused: false, attempt: 0, retryAt: null }),
    startRenewal: assign({ attempt: 0, retryAt: null }),
    countAttempt: assign(({ context }) => ({ attempt: context.attempt + 1, retryAt: null })),
    planRetry: assign(({ context }) => ({ retryAt: context.config.now() + Math.max(0, context.config.backoff(context.attempt)) })),
    /** The cycle failed: one more in a row, and the next not before the cooldown (or the server's Retry-After). */
    planCooldown: assign(({ context }, error: SessionError | null) => {
      const failures = context.failures + 1;
      const wait = Math.max(context.config.cooldown(failures), isSessionError(error) ? (error.retryAfter ?? 0) : 0);
      return { failures, retryAt: context.config.now() + wait };
    }),
    /** Another tab's stored schedule: kept to here, its failures counted, its kind of error given. */
    adoptBackoff: assign(({ context }, backoff: BackoffRecord) => ({
      failures: Math.max(context.failures, backoff.failures),
      // the cycle's attempts in every tab: the retries inside a renewal are the browser's, not each tab's
      attempt: backoff.failures === 0 ? Math.max(context.attempt, backoff.attempts ?? 0) : context.attempt,
      retryAt: backoff.retryAt,
      error: backoff.failures > 0 ? errorOf(backoff) : context.error,
    })),
    /** The stored schedule as the request went out: the failed cycles in a row, and the attempts this cycle made in any tab. */
    adoptFailures: assign(({ context }, sent: { failures?: number | undefined; attempts?: number | undefined }) => ({
      failures: Math.max(context.failures, counted(sent.failures)),
      attempt: counted(sent.failures) === 0 ? Math.max(context.attempt, counted(sent.attempts) + 1) : context.attempt,
    })),
    resetBackoff: assign(({ context }) => ({ failures: 0, retryAt: null, resetAt: context.config.now() })),
    noteActivity: assign(({ context }, at: number) => ({ lastActivity: Math.max(context.lastActivity, Math.min(at, context.config.now())) })),
    announceEnding: assign(({ context }) => ({ ending: lifetimeEnd(context) })),
    endNow: raise({ type: 'LIFETIME_ENDED' }),
    clearEnding: assign({ ending: null }),
    endLifetime: assign(({ context }) => ({ error: lifetimeError(context.ending ?? lifetimeEnd(context)) })),
    sessionChanged: raise({ type: 'SESSION_CHANGED' }),
  },
});

/**
 * The statechart's setup: typed context, events, input and tags, and every guard and action
 * the chart names. Regions are built with its `createStateConfig`, the chart with its
 * `createMachine`.
 *
 * @example
 * const loggedOut = sessionSetup.createStateConfig({ tags: ['loggedOut', 'fails'] })
 */
export const sessionSetup = base;

/**
 * What ending a session does, in order: the one list every end uses. `cause` (see
 * {@link EndCause}) decides which steps apply: another tab's end is only reported here, a
 * refused refresh token is not revoked.
 *
 * @example
 * LOGOUT: { target: '.loggedOut', actions: [{ type: 'endWith', params: null }, ...endSession('logout')] }
 */
export function endSession(cause: EndCause) {
  const told = cause === 'elsewhere' ? [] : (['clearStorage', { type: 'publishLogout', params: { cause } }] as const);
  const revoked = cause === 'logout' || cause === 'policy' ? ([{ type: 'revokeSession', params: { cause } }] as const) : [];
  return ['abandonRefresh', ...told, ...revoked, { type: 'forgetKey', params: { cause } }, 'notifyLoggedOut', 'forgetTokens'] as const;
}

export type { SessionConfig, SessionContext, SessionEvent, SessionInput } from './machineTypes.js';
