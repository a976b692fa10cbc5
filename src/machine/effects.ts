import { fromPromise } from 'xstate';
import type { SessionDpop } from './sessionDpop.js';
import { refreshActors } from './attemptActor.js';
import { admitError, SessionError } from './errors.js';
import type { Refresher } from './refresher.js';
import type { createRevoker } from './revocation.js';
import type { SessionEvent, TokenAnswer } from './machineTypes.js';
import { sessionMachine } from './sessionMachine.js';
import { scheduleOf } from './setup.js';
import type { StorageGate } from './storageGate.js';
import type { Tabs } from './tabs.js';
import type { Tokens } from './tokens.js';

/** What the statechart's named effects act on. */
export interface Effects {
  /** What the storage held at start (a promise for an asynchronous storage). */
  initial: Tokens | null | Promise<Tokens | null>;
  refresher: Refresher;
  store: StorageGate;
  tabs: Tabs;
  revoker: ReturnType<typeof createRevoker>;
  now: () => number;
  warn: (message: string) => void;
  timeout: number;
  onLoggedOut: (reason: SessionError | null) => void;
  /** The DPoP side of the session's binding (createSession({ dpop })), if any. */
  side: SessionDpop | undefined;
  /** The latest deletion of an ended session's key (logout() resolves after it). */
  keys: { last: Promise<void> };
  /** Delivers the chart's answer to the caller whose question `event` is (see callers.ts). */
  answer: (event: SessionEvent, answer: TokenAnswer | 'error', error?: SessionError | null) => void;
}

/**
 * The session machine with its I/O: each actor and each named action of the chart, one effect
 * each. The chart says when they run; this says what they do.
 */
export function withEffects(e: Effects) {
  // The end time a tab publishes when it ends a session on its own, and revokes with.
  let endedAt: number | null = null;
  const refresh = refreshActors(e.refresher, e.store);
  return sessionMachine.provide({
    actors: {
      restore: fromPromise(() => Promise.resolve(e.initial)),
      ...refresh.actors,
    },
    actions: {
      persistLogin: ({ context }) => {
        e.side?.loggedIn();
        if (context.tokens) e.store.replace(context.tokens);
      },
      persistTokens: ({ context }) => void (context.tokens && e.store.save(context.tokens)),
      publishTokens: ({ context }) => context.tokens && e.tabs.publishTokens(context.tokens),
      // a refused refresh kills these tokens; any other end, the whole login (see ClearScope)
      clearStorage: ({ context }) => e.store.clear(context.tokens, context.error?.kind === 'rejected' ? 'tokens' : 'login'),
      // A policy's end (idle, maximum age, the refresh token's expiry) comes in every tab at the
      // same moment: its time goes with the message, so the tabs agree on who revokes.
      publishLogout: ({ context }, { cause }) => {
        endedAt = cause === 'policy' ? (context.ending?.at ?? e.now()) : null;
        e.tabs.publishLogout(context.tokens, context.error?.kind ?? null, endedAt);
      },
      revokeSession: ({ context }, { cause }) => e.revoker.start(context.tokens, cause === 'policy' ? endedAt : null),
      notifyLoggedOut: ({ context }) => e.onLoggedOut(context.error),
      forgetKey: (_, { cause }) => {
        if (e.side) e.keys.last = e.side.ended(cause === 'elsewhere', e.revoker.last, e.warn);
      },
      abandonRefresh: () => e.refresher.cancel(),
      recordFailure: ({ context }, error) => refresh.recordFailure(context.tokens, scheduleOf(context, error)),
      warnRestoreTimedOut: () => e.warn(`the storage did not answer within ${e.timeout} ms; starting without it`),
      giveToken: ({ context, event }) => context.tokens && e.answer(event, { token: context.tokens.accessToken }),
      queueCaller: ({ event }) => e.answer(event, { wait: true }),
      giveError: ({ context, event }) => e.answer(event, 'error', context.error),
    },
  });
}
