import { createActor, type Actor } from 'xstate';
import { createCallers } from './callers.js';
import { SessionError } from './errors.js';
import { withEffects } from './effects.js';
import { feedActivity } from './activityFeed.js';
import { validateOptions } from './options.js';
import { guardActorSend, sessionParts } from './parts.js';
import { exposeRefreshCalls } from './refreshCalls.js';
import { redactInspection } from './inspection.js';
import { sessionMachine, type SessionEvent } from './sessionMachine.js';
import { createSnapshotStore, toSnapshot } from './snapshot.js';
import { exposeDpop } from './sessionDpop.js';
import { dpopWiring } from './dpopWiring.js';
import { forgetDecoded, heldTokens, normalizeTokens, renewedTokens, withLogin, type Tokens } from './tokens.js';
import { adoptFromTab } from './tabAdoption.js';
import type { Session, SessionOptions } from './types.js';
import { errorMessage } from './util.js';
import { createWaiterQueue } from './waiters.js';
import { createWarnings } from './warnings.js';

export type { Session } from './types.js';

/**
 * Creates a session around {@link sessionMachine}: it provides the machine's actors and
 * actions (storage, other tabs, revocation, onLoggedOut, the answers to callers) and asks the
 * chart every caller's question. Without browser wiring (see the package entry's `createSession`).
 */
export function createSessionCore(options: SessionOptions): Session {
  validateOptions(options);
  const now = options.now ?? (() => Date.now());
  // The tokens held right now, kept out of warnings and the inspector (there is no actor yet
  // when the storage first reports).
  let live: Actor<typeof sessionMachine> | undefined;
  const held = () => heldTokens(live?.getSnapshot().context.tokens);
  const { warn, safely } = createWarnings(options.onWarning, held);
  const parts = sessionParts(options, { now, warn, safely, send: (event) => send(event), fromTab });
  const { config, logins, loaded, initial, tabs, revoker, refreshCalls, refresher } = parts;
  const waiters = createWaiterQueue(() => snapshots.update());
  const callers = createCallers({ now, waiters, gave: refreshCalls.gave });
  const dpop = dpopWiring(options.dpop, now, () => snapshots.update());
  const machine = withEffects({ ...parts, side: dpop.side, now, warn, answer: callers.answer });

  const actor = createActor(machine, {
    input: { tokens: loaded instanceof Promise ? null : (initial as Tokens | null), loadsAsync: loaded instanceof Promise, config },
    // besides token-named keys, the tokens themselves are cut wherever else they show up
    ...(options.inspect ? { inspect: redactInspection(options.inspect, warn, () => held()) } : {}),
  });
  live = actor;
  const deliver = guardActorSend(actor);
  const snapshots = createSnapshotStore(() => toSnapshot(actor.getSnapshot(), waiters.size, dpop.sending()), warn);
  let stopped = false;
  const send = (event: SessionEvent) => void (stopped || deliver(event));

  function fromTab(event: SessionEvent) {
    adoptFromTab(event, () => actor.getSnapshot().context.tokens, send, (tokens) => tabs.publishTokens(tokens), dpop);
  }

  actor.subscribe((snapshot) => {
    if (snapshot.hasTag('loggedOut')) forgetDecoded(); // no decoded token outlives its session
    callers.settle(snapshot);
    snapshots.update();
  });
  actor.start();
  snapshots.update();

  const stopWake = options.wake ? options.wake((reason) => send({ type: 'WAKE', reason })) : undefined;
  const activity = feedActivity({
    source: options.idleTimeout !== undefined && options.activity,
    ...{ now, send, lastActivity: () => actor.getSnapshot().context.lastActivity, publish: tabs.publishActivity },
  });
  const ask = (signal?: AbortSignal, rejected?: string): Promise<string> =>
    stopped ? Promise.reject(new SessionError('aborted', 'the session was stopped')) : callers.ask(send, () => actor.getSnapshot(), signal, rejected);

  const session: Session = exposeRefreshCalls<Session>({
    actor,
    getSnapshot: snapshots.get,
    subscribe: snapshots.subscribe,
    login(tokens) {
      dpop.checkLogin(tokens);
      const normalized = normalizeTokens(tokens, now(), 'login', 'login()');
      send({ type: 'LOGIN', tokens: withLogin(normalized, logins.start({ set: tokens, tokens: normalized })) });
    },
    logout() {
      const before = revoker.last;
      const key = parts.keys.last;
      send({ type: 'LOGOUT' });
      // settled once revoke has, and the ended session's DPoP key is deleted
      if (parts.keys.last !== key) return parts.keys.last;
      return revoker.last === before ? Promise.resolve() : revoker.last;
    },
    refresh() {
      send({ type: 'REFRESH' });
      return ask();
    },
    getAccessToken: (opts = {}) => ask(opts.signal),
    tokenRejected: (token) => ask(undefined, token),
    tokensRenewed(tokens) {
      const base = actor.getSnapshot().context.tokens;
      if (base === null) return;
      try {
        send({ type: 'TOKENS_RENEWED', tokens: renewedTokens(base, tokens, now()) });
      } catch (error) {
        warn(errorMessage(error));
      }
    },
    touch: activity.touch,
    stop() {
      if (stopped) return;
      stopWake?.();
      activity.stop();
      tabs.stop();
      refresher.cancel();
      stopped = true;
      actor.stop();
      waiters.rejectAll(new SessionError('aborted', 'the session was stopped'));
      snapshots.clear();
    },
  }, refreshCalls);
  return exposeDpop(session, dpop.side);
}
