import type { Actor, AnyStateMachine } from 'xstate';
import type { SessionEvent } from './machineTypes.js';
import { createLogins } from './logins.js';
import { memoryStorage } from './memoryStorage.js';
import { configOf } from './options.js';
import { createRefreshCalls } from './refreshCalls.js';
import { createRefresher } from './refresher.js';
import { createRevoker } from './revocation.js';
import { refreshAt } from './setup.js';
import { guardStorage } from './storageGate.js';
import { connectTabs } from './tabs.js';
import type { SessionError } from './errors.js';
import type { SessionOptions } from './types.js';

/**
 * The parts a session's chart acts on, built from its options: configuration, the storage
 * gate and what it held at start, the login record, other tabs, revocation, and the refresh
 * attempts. `send` delivers to the chart once it runs; `fromTab` receives other tabs' news.
 *
 * @example
 * const parts = sessionParts(options, { now, warn, safely, send, fromTab })
 */
export function sessionParts(
  options: SessionOptions,
  o: {
    now: () => number;
    warn: (message: string) => void;
    safely: (what: string, fn: () => void) => void;
    send: (event: SessionEvent) => void;
    fromTab: (event: SessionEvent) => void;
  },
) {
  const { now, warn } = o;
  const timeout = options.refreshTimeout ?? 10_000;
  const config = configOf(options, now, o.safely);
  const logins = createLogins({ record: options.loginRecord || undefined, now, warn, maxSessionAge: config.maxSessionAge });
  const store = guardStorage(options.storage ?? memoryStorage(), now, warn, timeout, logins);
  const loaded = store.load();
  const initial = loaded instanceof Promise ? loaded.then(logins.restored) : logins.restored(loaded);
  const tabs = connectTabs({ sync: options.sync, now, send: o.fromTab, warn, activityEvery: Math.min(15_000, (options.idleTimeout ?? 60_000) / 4) });
  const { dpop } = options;
  const revoker = createRevoker({ revoke: options.revoke, timeout, warn, endedElsewhere: tabs.endedEarlierElsewhere, dpop });
  const refreshCalls = createRefreshCalls(warn); // the refresh function's own requests, for the adapters (rule 4)
  const refresher = createRefresher({
    // the refresh function proves its request with the session's key (RFC 9449 §5)
    refresh: refreshCalls.wrap(dpop ? (context) => options.refresh({ ...context, dpop }) : options.refresh),
    reread: () => store.reread(),
    waitForChange: store.waitForChange,
    ...{ lock: options.lock, now, timeout, maxPerMinute: options.maxRefreshesPerMinute, stamp: logins.continue, warn },
    dueAt: (tokens) => refreshAt(tokens, config.leadTime),
    onLate: (tokens, spent) => o.send({ type: 'LATE_REFRESH_ANSWER', tokens, spent }),
  });
  const onLoggedOut = (reason: SessionError | null) => o.safely('onLoggedOut', () => options.onLoggedOut?.(reason));
  // DPoP: the ended session's key deletion, after its revocation (see forgetKey in effects.ts)
  const keys = { last: Promise.resolve() };
  return { timeout, config, logins, store, loaded, initial, tabs, revoker, refreshCalls, refresher, onLoggedOut, dpop, keys };
}

/**
 * Makes `actor.send` (public, for inspection) drop what xstate itself cannot take: an event
 * without a string type, '*', or one of xstate's own `xstate.*` events would fail the whole
 * actor before any of the chart's guards (which check every payload) runs. Returns the
 * actor's own send, for the session.
 *
 * @example
 * const deliver = guardActorSend(actor)
 */
export function guardActorSend<M extends AnyStateMachine>(actor: Actor<M>): Actor<M>['send'] {
  const deliver = actor.send.bind(actor);
  actor.send = (event) => {
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type !== '*' && !type.startsWith('xstate.')) deliver(event);
  };
  return deliver;
}
