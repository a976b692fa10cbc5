import { admitError } from '../errors.js';
import type { SessionEvent } from '../machineTypes.js';
import { sessionSetup } from '../setup.js';

type Answer = Extract<SessionEvent, { type: 'ANSWER_RECEIVED' }>;

/**
 * `storing`: a refresh's answer is written to storage here, once, while the attempt still holds
 * the refresh lock (so the next tab to take it reads the new tokens). The write is the state's
 * invoked `storeAnswer`; its outcome is the transition: written, the answer is used and told
 * to the other tabs; skipped because another tab stored tokens that supersede it (a newer
 * login, a newer refresh), those are used instead, and storage is left as it is.
 *
 * @example
 * requesting: { on: { ANSWER_RECEIVED: 'storing' } }, storing
 */
export const storing = sessionSetup.createStateConfig({
  invoke: {
    id: 'storeAnswer',
    src: 'storeAnswer',
    input: ({ event }) => ({ tokens: (event as Answer).tokens }),
    onDone: [
      {
        guard: { type: 'storedElsewhere', params: ({ event }) => event.output },
        target: '#tokensArrived',
        actions: { type: 'useTokens', params: ({ event }) => event.output.tokens },
      },
      {
        target: '#tokensArrived',
        actions: [{ type: 'useTokens', params: ({ event }) => event.output.tokens }, 'publishTokens'],
      },
    ],
    // (the session's storage gate never fails: a write that throws or hangs is warned about and
    // the answer kept in memory. Another storeAnswer might: its attempt then hands the answer
    // back as a late one.)
    onError: {
      target: '#refreshFailed',
      actions: [{ type: 'keepError', params: ({ event }) => admitError(event.error, []) }, { type: 'planCooldown', params: null }],
    },
  },
});
