import { createActor, type Actor } from 'xstate';
import { SessionError } from './errors.js';
import { withEffects } from './effects.js';
import { loginWins } from './login.js';
import { createLogins } from './logins.js';
import { memoryStorage } from './memoryStorage.js';
import { configOf, validateOptions } from './options.js';
import { redactInspection } from './inspection.js';
import { scrubSecrets } from './redact.js';
import { createRefreshCalls, exposeRefreshCalls } from './refreshCalls.js';
import { createRefresher } from './refresher.js';
import { createRevoker } from './revocation.js';
import { refreshAt, sessionMachine, type SessionEvent } from './sessionMachine.js';
import { createSnapshotStore, toSnapshot } from './snapshot.js';
import { guardStorage } from './storageGate.js';
import { connectTabs } from './tabs.js';
import { forgetDecoded, normalizeTokens, withLogin, type Tokens } from './tokens.js';
import type { Session, SessionOptions } from './types.js';
import { defaultWarn, errorMessage } from './util.js';
import { createWaiterQueue } from './waiters.js';

const loggedOutError = () => new SessionError('logged-out', 'the session is logged out');
const stoppedError = () => new SessionError('aborted', 'the session was stopped');

export type { Session } from './types.js';

/**
 * Creates a session around {@link sessionMachine}: it provides the machine's actors and
 * actions (storage, other tabs, revocation, onLoggedOut) and answers callers by the tags of
 * the current state. Without browser wiring (see the package entry's `createSession`).
 */
export function createSessionCore(options: SessionOptions): Session {
  validateOptions(options);
  const now = options.now ?? (() => Date.now());
  const report = options.onWarning ?? defaultWarn;
  // The tokens held right now, for the inspector and the warnings (the actor does not exist yet
  // when the storage first reports).
  let live: Actor<typeof sessionMachine> | undefined;
  const held = (): string[] => {
    const tokens = live?.getSnapshot().context.tokens;
    return tokens ? [tokens.accessToken, tokens.refreshToken ?? ''] : [];
  };
  // Every warning leaves by this door, without the tokens the session holds (rule 11).
  const warn = (message: string) => safely('onWarning', () => report(scrubSecrets(message, held())), () => {});
  function safely(what: string, fn: () => void, onError = (error: unknown) => warn(`${what} threw; the session goes on (${errorMessage(error)})`)) {
    try {
      fn();
    } catch (error) {
      onError(error);
    }
  }
  const timeout = options.refreshTimeout ?? 10_000;
  const config = configOf(options, now, safely);
  const logins = createLogins({ record: options.loginRecord || undefined, now, warn, maxSessionAge: config.maxSessionAge });
  const store = guardStorage(options.storage ?? memoryStorage(), now, warn, timeout, logins);
  const loaded = store.load();
  const loadsAsync = loaded instanceof Promise;
  const initial = loaded instanceof Promise ? loaded.then(logins.restored) : logins.restored(loaded);
  const tabs = connectTabs({ sync: options.sync, now, send: fromTab, warn, activityEvery: Math.min(15_000, (options.idleTimeout ?? 60_000) / 4) });
  const revoker = createRevoker({ revoke: options.revoke, timeout, warn, endedElsewhere: tabs.endedEarlierElsewhere });
  // The refresh function's own requests, told apart for the adapters (rule 4).
  const refreshCalls = createRefreshCalls(warn);
  const refresher = createRefresher({
    refresh: refreshCalls.wrap(options.refresh),
    reread: () => store.reread(),
    waitForChange: (ms, signal) => store.waitForChange(ms, signal),
    persist: (tokens) => store.save(tokens),
    lock: options.lock,
    now,
    timeout,
    maxPerMinute: options.maxRefreshesPerMinute,
    dueAt: (tokens) => refreshAt(tokens, config.leadTime),
    stamp: logins.continue,
    onLate: (tokens, spent) => send({ type: 'LATE_REFRESH_ANSWER', tokens, spent }),
    warn,
  });
  const onLoggedOut = (reason: SessionError | null) => safely('onLoggedOut', () => options.onLoggedOut?.(reason));
  const machine = withEffects({ initial, refresher, store, tabs, revoker, now, warn, timeout, onLoggedOut });

  const actor = createActor(machine, {
    input: { tokens: loadsAsync ? null : (initial as Tokens | null), loadsAsync, config },
    // besides token-named keys, the tokens themselves are cut wherever else they show up
    ...(options.inspect ? { inspect: redactInspection(options.inspect, warn, () => held()) } : {}),
  });
  live = actor;
  // `session.actor` is public, for inspection. The chart's guards check every payload, but an
  // event xstate itself cannot take (no string type, '*', its own internal `xstate.*` events)
  // would fail the whole actor before any guard runs: such events are dropped here.
  const deliver = actor.send.bind(actor);
  actor.send = (event) => {
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type !== '*' && !type.startsWith('xstate.')) deliver(event);
  };
  const waiters = createWaiterQueue(() => snapshots.update());
  const snapshots = createSnapshotStore(() => toSnapshot(actor.getSnapshot(), waiters.size), warn);
  let stopped = false;

  function send(event: SessionEvent) {
    if (!stopped) deliver(event);
  }

  // A tab that found the session (checkSession) without knowing its login sends a continued
  // stamp. A tab whose login wins over it knows better: those tokens continue its login, so it
  // takes them under its own stamp (when newer) and tells every tab, which adopt that stamp.
  function fromTab(event: SessionEvent) {
    const ours = actor.getSnapshot().context.tokens;
    if (event.type !== 'TAB_TOKENS' || !event.tokens.login?.continued || !ours?.login || !loginWins(ours.login, event.tokens.login)) return send(event);
    send({ type: 'TAB_TOKENS', tokens: withLogin(event.tokens, ours.login) });
    tabs.publishTokens(actor.getSnapshot().context.tokens ?? ours);
  }

  // What waiting callers get is declared on the state: hasToken, waits or fails.
  actor.subscribe((snapshot) => {
    if (snapshot.hasTag('loggedOut')) forgetDecoded(); // no decoded token outlives its session
    if (waiters.size > 0 && snapshot.hasTag('hasToken')) waiters.resolveAll(snapshot.context.tokens?.accessToken as string);
    else if (waiters.size > 0 && snapshot.hasTag('fails')) {
      const error = snapshot.context.error ?? loggedOutError();
      refreshCalls.gave(error);
      waiters.rejectAll(error);
    }
    snapshots.update();
  });
  actor.start();
  snapshots.update();

  const stopWake = options.wake ? options.wake((reason) => send({ type: 'WAKE', reason })) : undefined;
  // Activity the chart accepted is told to the other tabs (throttled there).
  const activity = (ambient: boolean) => {
    const before = actor.getSnapshot().context.lastActivity;
    send({ type: 'ACTIVITY', at: now(), ambient });
    const after = actor.getSnapshot().context.lastActivity;
    if (after !== before) tabs.publishActivity(after);
  };
  const touch = () => activity(false);
  // Pointer moves come by the hundred: one activity a second is plenty for an idle timer.
  let noticed = -Infinity;
  const notice = () => {
    if (now() - noticed < 1_000) return;
    noticed = now();
    activity(true);
  };
  const stopActivity = options.idleTimeout !== undefined && options.activity ? options.activity(notice) : undefined;

  function getAccessToken(opts: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    if (stopped) return Promise.reject(stoppedError());
    let snapshot = actor.getSnapshot();
    const { tokens, endsAt } = snapshot.context;
    const t = now();
    if (snapshot.hasTag('hasToken') && tokens !== null && (tokens.expiresAt === null || t < tokens.expiresAt) && (endsAt === null || t < endsAt)) {
      return Promise.resolve(tokens.accessToken);
    }
    if (snapshot.hasTag('hasToken') || snapshot.hasTag('retriesOnRequest')) {
      // The clock passed the token's expiry or the session's end before a timer fired (a
      // sleeping laptop), or the last refresh failed: the machine re-reads the clock (and
      // tries again) before answering.
      send({ type: 'WAKE', reason: 'request' });
      snapshot = actor.getSnapshot();
    }
    if (snapshot.hasTag('hasToken')) return Promise.resolve(snapshot.context.tokens?.accessToken as string);
    if (snapshot.hasTag('fails')) return Promise.reject(snapshot.context.error ?? loggedOutError());
    return waiters.add(opts.signal);
  }

  return exposeRefreshCalls({
    actor,
    getSnapshot: snapshots.get,
    subscribe: snapshots.subscribe,
    login(tokens) {
      const normalized = normalizeTokens(tokens, now(), 'login', 'login()');
      send({ type: 'LOGIN', tokens: withLogin(normalized, logins.start({ set: tokens, tokens: normalized })) });
    },
    logout() {
      const before = revoker.last;
      send({ type: 'LOGOUT' });
      return revoker.last === before ? Promise.resolve() : revoker.last;
    },
    refresh() {
      if (actor.getSnapshot().hasTag('loggedOut')) return getAccessToken();
      send({ type: 'REFRESH' });
      return getAccessToken();
    },
    getAccessToken,
    tokenRejected(token) {
      if (token === actor.getSnapshot().context.tokens?.accessToken) send({ type: 'TOKEN_REJECTED', token });
      return getAccessToken();
    },
    tokensRenewed(tokens) {
      const base = actor.getSnapshot().context.tokens;
      if (base === null) return;
      try {
        const set = { refreshToken: base.refreshToken, refreshExpiresAt: base.refreshExpiresAt ?? undefined, ...tokens };
        send({ type: 'TOKENS_RENEWED', tokens: withLogin(normalizeTokens(set, now(), 'renewed', 'renewed tokens'), base.login) });
      } catch (error) {
        warn(errorMessage(error));
      }
    },
    touch,
    stop() {
      if (stopped) return;
      stopWake?.();
      stopActivity?.();
      tabs.stop();
      refresher.cancel();
      stopped = true;
      actor.stop();
      waiters.rejectAll(stoppedError());
      snapshots.clear();
    },
  }, refreshCalls);
}
