import { assign, fromCallback, fromPromise, setup } from 'xstate';
import { SessionError, isSessionError } from './errors.js';
import { setDeadline } from './timer.js';
import { isNewer, spendable, type Tokens } from './tokens.js';
import type { WakeReason } from './types.js';

/** Where tokens the machine did not ask for came from. */
export type TokensOrigin = 'sync' | 'response' | 'late-refresh';

/** Everything that can happen to a session, in the machine's own words. */
export type SessionEvent =
  | { type: 'LOGIN'; tokens: Tokens }
  | { type: 'LOGOUT'; reason?: SessionError | null; from?: 'local' | 'sync' }
  | { type: 'TOKEN_REJECTED'; token: string }
  | { type: 'REFRESH' }
  | { type: 'WAKE'; reason: WakeReason }
  /** `spent`: for a late refresh answer, what that refresh spent (see `spendable`). */
  | { type: 'TOKENS_RECEIVED'; tokens: Tokens; from: TokensOrigin; spent?: string };

/** The machine's memory. `now` and `leadTime` are configuration, fixed at creation. */
export interface SessionContext {
  tokens: Tokens | null;
  error: SessionError | null;
  restorePending: boolean;
  /** refresh() was called while the storage was still loading: refresh once it answers. */
  refreshRequested: boolean;
  now: () => number;
  leadTime: number;
}

/** What the session passes to the machine when it creates the actor. */
export interface SessionInput {
  tokens?: Tokens | null;
  restorePending?: boolean;
  now?: () => number;
  refreshLeadTime?: number;
}

/** Input of the `refresh` actor: the tokens to replace. */
export interface RefreshInput {
  tokens: Tokens | null;
}

const notProvided = (what: string) => new SessionError('network', `sessionMachine: no ${what} actor provided`);

/** When a background refresh should start: `leadTime` before expiry, at most half the lifetime. */
export function refreshAt(context: SessionContext): number | null {
  const tokens = context.tokens;
  if (tokens?.expiresAt == null) return null;
  const lead = Math.min(context.leadTime, (tokens.lifetime ?? Infinity) / 2);
  return tokens.expiresAt - lead;
}

/** True once the access token's expiry has passed on the session's clock. */
export function isExpired(context: SessionContext): boolean {
  const at = context.tokens?.expiresAt;
  return at != null && context.now() >= at;
}

/**
 * The session statechart. It owns the one in-flight refresh (the `refresh` actor invoked by
 * `renewing`, so moving from `expiringSoon` to `refreshing` keeps it) and knows nothing of
 * HTTP, storage or the DOM: those arrive as the `restore` and `refresh` actors and the
 * `tokensChanged` / `sessionEnded` actions, provided by `createSession`.
 *
 * @example
 * import { createActor } from 'xstate';
 * const actor = createActor(sessionMachine.provide({ actors: { refresh: myRefreshActor } }));
 */
export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    restore: fromPromise<Tokens | null>(async () => {
      throw notProvided('restore');
    }),
    refresh: fromPromise<Tokens, RefreshInput>(async () => {
      throw notProvided('refresh');
    }),
    deadline: fromCallback<SessionEvent, { at: number | null; now: () => number }>(({ input, sendBack }) =>
      input.at === null ? undefined : setDeadline(input.at, input.now, () => sendBack({ type: 'WAKE', reason: 'timer' })),
    ),
  },
  guards: {
    restored: ({ context }) => !context.restorePending && context.tokens !== null,
    nothingToRestore: ({ context }) => !context.restorePending,
    restoredTokens: (_, output: Tokens | null) => output !== null,
    restoredForRefresh: ({ context }, output: Tokens | null) => output !== null && context.refreshRequested,
    expired: ({ context }) => isExpired(context),
    dueForRefresh: ({ context }) => {
      const at = refreshAt(context);
      return at !== null && context.now() >= at;
    },
    isCurrentToken: ({ context, event }) =>
      event.type === 'TOKEN_REJECTED' && event.token === context.tokens?.accessToken,
    acceptsTokens: ({ context, event }) => {
      if (event.type !== 'TOKENS_RECEIVED') return false;
      if (event.from === 'late-refresh') return context.tokens !== null && event.spent === spendable(context.tokens);
      if (context.tokens === null) return event.from === 'sync';
      return isNewer(event.tokens, context.tokens);
    },
    refreshRejected: (_, error: unknown) => isSessionError(error) && error.kind === 'rejected',
  },
  actions: {
    /** Side effects of new tokens (storage, other tabs); provided by createSession. */
    tokensChanged: () => {},
    /** Side effects of the end of a session (storage, other tabs, onLoggedOut); provided by createSession. */
    sessionEnded: () => {},
    useTokens: assign((_, tokens: Tokens) => ({ tokens, error: null, restorePending: false, refreshRequested: false })),
    forgetTokens: assign((_, error: SessionError | null) => ({ tokens: null, error, restorePending: false, refreshRequested: false })),
    requestRefresh: assign({ refreshRequested: true }),
    keepError: assign((_, error: unknown) => ({
      error: isSessionError(error) ? error : new SessionError('network', 'refresh failed', { cause: error }),
    })),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    tokens: input.tokens ?? null,
    error: null,
    restorePending: input.restorePending ?? false,
    refreshRequested: false,
    now: input.now ?? (() => Date.now()),
    leadTime: input.refreshLeadTime ?? 60_000,
  }),
  initial: 'restoring',
  on: {
    LOGIN: {
      target: '.authenticated',
      actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'tokensChanged'],
    },
    LOGOUT: {
      target: '.loggedOut',
      actions: ['sessionEnded', { type: 'forgetTokens', params: ({ event }) => event.reason ?? null }],
    },
    TOKENS_RECEIVED: {
      guard: 'acceptsTokens',
      target: '.authenticated',
      actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'tokensChanged'],
    },
  },
  states: {
    // Internal: waits for an asynchronous storage. Sync storages skip it in the first step.
    restoring: {
      always: [
        { guard: 'restored', target: 'authenticated' },
        { guard: 'nothingToRestore', target: 'loggedOut' },
      ],
      on: { REFRESH: { actions: 'requestRefresh' } },
      invoke: {
        id: 'restore',
        src: 'restore',
        onDone: [
          {
            guard: { type: 'restoredForRefresh', params: ({ event }) => event.output },
            target: 'renewing.refreshing',
            actions: { type: 'useTokens', params: ({ event }) => event.output as Tokens },
          },
          {
            guard: { type: 'restoredTokens', params: ({ event }) => event.output },
            target: 'authenticated',
            actions: { type: 'useTokens', params: ({ event }) => event.output as Tokens },
          },
          { target: 'loggedOut', actions: { type: 'forgetTokens', params: null } },
        ],
        onError: { target: 'loggedOut', actions: { type: 'forgetTokens', params: null } },
      },
    },
    loggedOut: {},
    authenticated: {
      invoke: { id: 'leadTimer', src: 'deadline', input: ({ context }) => ({ at: refreshAt(context), now: context.now }) },
      always: [
        { guard: 'expired', target: 'renewing.refreshing' },
        { guard: 'dueForRefresh', target: 'renewing.expiringSoon' },
      ],
      on: {
        TOKEN_REJECTED: { guard: 'isCurrentToken', target: 'renewing.refreshing' },
        REFRESH: { target: 'renewing.refreshing' },
      },
    },
    renewing: {
      invoke: {
        id: 'refresh',
        src: 'refresh',
        input: ({ context }) => ({ tokens: context.tokens }),
        onDone: {
          target: 'authenticated',
          actions: [{ type: 'useTokens', params: ({ event }) => event.output }, 'tokensChanged'],
        },
        onError: [
          {
            guard: { type: 'refreshRejected', params: ({ event }: { event: { error: unknown } }) => event.error },
            target: 'loggedOut',
            actions: ['sessionEnded', { type: 'forgetTokens', params: ({ event }: { event: { error: unknown } }) => event.error as SessionError }],
          },
          {
            target: 'refreshFailed',
            actions: { type: 'keepError', params: ({ event }: { event: { error: unknown } }) => event.error },
          },
        ],
      },
      initial: 'expiringSoon',
      states: {
        // The token still works: requests use it while the refresh runs in the background.
        expiringSoon: {
          invoke: {
            id: 'expiryTimer',
            src: 'deadline',
            input: ({ context }) => ({ at: context.tokens?.expiresAt ?? null, now: context.now }),
          },
          always: { guard: 'expired', target: 'refreshing' },
          on: {
            TOKEN_REJECTED: { guard: 'isCurrentToken', target: 'refreshing' },
            REFRESH: { target: 'refreshing' },
          },
        },
        // No usable token: callers wait for the refresh already in flight.
        refreshing: {},
      },
    },
    // Tokens are kept; the next request, an explicit refresh or a wake-up tries again.
    refreshFailed: {
      on: {
        REFRESH: { target: 'renewing.refreshing' },
        TOKEN_REJECTED: { guard: 'isCurrentToken', target: 'renewing.refreshing' },
        WAKE: { target: 'renewing' },
      },
    },
  },
});
