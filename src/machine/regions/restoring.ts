import { and, stateIn } from 'xstate';
import { endSession, sessionSetup } from '../setup.js';
import { storing } from './storing.js';
import type { Tokens } from '../tokens.js';

/**
 * `restoring`: finding out whether there is a session. Callers wait. A synchronous storage has
 * already answered (`starting` is left at once); an asynchronous one is waited for, within
 * `refreshTimeout`; with checkSession and nothing stored, one refresh asks the server.
 *
 * @example
 * sessionSetup.createMachine({ initial: 'restoring', states: { restoring, … } })
 */
export const restoring = sessionSetup.createStateConfig({
  tags: ['restoring', 'waits'],
  initial: 'starting',
  on: {
    // the storage (or the server) may still hand over tokens: clear it, tell the other tabs
    LOGOUT: { target: 'loggedOut', actions: endSession('logout') },
    TOKEN_REQUESTED: { actions: 'queueCaller' },
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
      invoke: { id: 'check', src: 'refreshAttempt', input: ({ context }) => ({ tokens: null, since: context.resetAt }) },
      initial: 'asking',
      states: {
        asking: { on: { ANSWER_RECEIVED: { guard: { type: 'validTokens', params: ({ event }) => event.tokens }, target: 'storing' } } },
        // the session the server found is stored (and told to the other tabs) like a refresh's
        storing,
      },
      on: {
        // another tab logged in meanwhile: its tokens
        TOKENS_FOUND: {
          guard: { type: 'validTokens', params: ({ event }) => event.tokens },
          target: '#tokensArrived',
          actions: [{ type: 'useTokens', params: ({ event }) => event.tokens }, 'publishTokens'],
        },
        REFRESH_FAILED: [
          // Nobody was logged in: nothing to clear, nobody to tell.
          { guard: { type: 'rejected', params: ({ event }) => event.error }, target: '#loggedOut' },
          {
            guard: { type: 'failed', params: ({ event }) => event.error },
            target: '#refreshFailed',
            actions: [{ type: 'keepError', params: ({ event }) => event.error }, { type: 'planCooldown', params: ({ event }) => event.error }],
          },
        ],
      },
    },
  },
});
