import { createActor, fromCallback, fromPromise, type Actor } from 'xstate';
import { SessionError, toSessionError } from './errors.js';
import { memoryStorage } from './memoryStorage.js';
import { validateOptions } from './options.js';
import { redactInspection } from './redact.js';
import { createRefresher, defaultBackoff } from './refresher.js';
import { createRevoker } from './revocation.js';
import { refreshAt, sessionMachine, type SessionConfig, type SessionEvent } from './sessionMachine.js';
import { createSnapshotStore, toSnapshot } from './snapshot.js';
import { guardStorage } from './storageGate.js';
import { connectTabs } from './tabs.js';
import { forgetDecoded, normalizeTokens, scrubError, withLogin, type Tokens } from './tokens.js';
import type { SessionOptions, SessionSnapshot, TokenSet } from './types.js';
import { defaultWarn, errorMessage } from './util.js';
import { createWaiterQueue } from './waiters.js';

/**
 * A running session: the statechart's actor plus the calls adapters and apps make. `Claims`
 * types `getSnapshot().claims` (see `createSession<Claims>()`); any `Session<Claims>` is also a
 * plain `Session`, so adapters take it as is.
 */
export interface Session<Claims extends Record<string, unknown> = Record<string, unknown>> {
  /** The xstate actor behind the session, for inspection. No event sent to it can break a rule. */
  readonly actor: Actor<typeof sessionMachine>;
  /** The current snapshot; the same object until something changes. */
  getSnapshot(): SessionSnapshot<Claims>;
  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: (snapshot: SessionSnapshot<Claims>) => void): () => void;
  /**
   * Starts a session with tokens from your login endpoint (or ones the app already had: an
   * expired access token with a refresh token is refreshed at once). Throws a SessionError of
   * kind `invalid-response` for tokens that cannot be used.
   */
  login(tokens: TokenSet): void;
  /**
   * Ends the session here and in other tabs: local state, storage and other tabs are cleared
   * at once (a refresh answer arriving later is ignored); resolves when `revoke` has settled.
   * Never rejects.
   */
  logout(): Promise<void>;
  /** Gets a new access token now; joins the refresh in flight if there is one. */
  refresh(): Promise<string>;
  /** A usable access token: at once when there is one, else after the refresh in flight. */
  getAccessToken(options?: { signal?: AbortSignal | undefined }): Promise<string>;
  /**
   * Reports that a request sent with `token` came back 401. Refreshes only if `token` is
   * still the current one; for an older token it resolves the current one (a "stale 401").
   */
  tokenRejected(token: string): Promise<string>;
  /** Offers tokens a response carried (sliding expiration): adopted when newer than the current ones. */
  tokensRenewed(tokens: TokenSet): void;
  /** User activity: resets the idle timer (`idleTimeout`) in every tab. */
  touch(): void;
  /** Stops timers, listeners and the actor; waiting callers reject with kind `aborted`. */
  stop(): void;
}

const loggedOutError = () => new SessionError('logged-out', 'the session is logged out');
const stoppedError = () => new SessionError('aborted', 'the session was stopped');
const newLogin = (at: number) => ({ id: `${at.toString(36)}-${Math.random().toString(36).slice(2, 10)}`, at });

/**
 * Creates a session around {@link sessionMachine}: it provides the machine's actors and
 * actions (storage, other tabs, revocation, onLoggedOut) and answers callers by the tags of
 * the current state. Without browser wiring (see the package entry's `createSession`).
 */
export function createSessionCore(options: SessionOptions): Session {
  validateOptions(options);
  const now = options.now ?? (() => Date.now());
  const report = options.onWarning ?? defaultWarn;
  const warn = (message: string) => safely('onWarning', () => report(message), () => {});
  function safely(what: string, fn: () => void, onError = (error: unknown) => warn(`${what} threw; the session goes on (${errorMessage(error)})`)) {
    try {
      fn();
    } catch (error) {
      onError(error);
    }
  }
  const timeout = options.refreshTimeout ?? 10_000;
  const leadTime = options.refreshLeadTime ?? 60_000;
  const store = guardStorage(options.storage ?? memoryStorage(), now, warn, timeout);
  const initial = store.load();
  const loadsAsync = initial instanceof Promise;
  const idle = options.idleTimeout ?? null;
  const tabs = connectTabs({ sync: options.sync, now, send, warn, activityEvery: Math.min(15_000, (idle ?? 60_000) / 4) });
  const revoker = createRevoker({ revoke: options.revoke, timeout, warn, endedElsewhere: tabs.endedEarlierElsewhere });
  const refresher = createRefresher({
    refresh: options.refresh,
    reread: () => store.reread(),
    waitForChange: (ms, signal) => store.waitForChange(ms, signal),
    persist: (tokens) => store.save(tokens),
    lock: options.lock,
    now,
    timeout,
    maxPerMinute: options.maxRefreshesPerMinute,
    dueAt: (tokens) => refreshAt(tokens, leadTime),
    stamp: () => newLogin(now()),
    onLate: (tokens, spent) => send({ type: 'LATE_REFRESH_ANSWER', tokens, spent }),
    warn,
  });
  const backoff = options.retry?.backoff ?? defaultBackoff;
  const config: SessionConfig = {
    now,
    leadTime,
    retries: options.retry?.attempts ?? 2,
    backoff: (attempt) => {
      let ms = 0;
      safely('retry.backoff', () => void (ms = backoff(attempt)));
      return Number.isFinite(ms) ? Math.min(ms, 2 ** 31 - 1) : 0;
    },
    restoreTimeout: timeout,
    checkSession: options.checkSession === true,
    idleTimeout: idle,
    maxSessionAge: options.maxSessionAge ?? null,
    endingWarning: options.endingWarning ?? 60_000,
  };
  let endedAt = 0;

  const machine = sessionMachine.provide({
    actors: {
      restore: fromPromise(() => Promise.resolve(initial)),
      refreshAttempt: fromCallback<SessionEvent, { tokens: Tokens | null }>(({ input, sendBack }) => {
        const controller = new AbortController();
        const secrets = [input.tokens?.accessToken, input.tokens?.refreshToken];
        refresher
          .attempt(input.tokens, controller.signal, {
            lockContended: () => sendBack({ type: 'LOCK_CONTENDED' }),
            requestSent: () => sendBack({ type: 'REQUEST_SENT' }),
            answered: () => sendBack({ type: 'ANSWER_RECEIVED' }),
          })
          .then(
            (tokens) => sendBack({ type: 'REFRESH_SUCCEEDED', tokens }),
            (error: unknown) => sendBack({ type: 'REFRESH_FAILED', error: scrubError(toSessionError(error), secrets) }),
          );
        return () => controller.abort(new SessionError('aborted', 'the session no longer waits for this refresh'));
      }),
    },
    actions: {
      persistLogin: ({ context }) => void (context.tokens && store.replace(context.tokens)),
      persistTokens: ({ context }) => void (context.tokens && store.save(context.tokens)),
      publishTokens: ({ context }) => context.tokens && tabs.publishTokens(context.tokens),
      clearStorage: () => store.clear(),
      publishLogout: ({ context }, { independent }: { independent: boolean }) => {
        endedAt = context.ending?.at ?? now();
        tabs.publishLogout(context.tokens, context.error?.kind ?? null, independent ? endedAt : null);
      },
      revokeSession: ({ context }, { settle }) => revoker.start(context.tokens, settle ? endedAt : null),
      notifyLoggedOut: ({ context }) => safely('onLoggedOut', () => options.onLoggedOut?.(context.error)),
      abandonRefresh: () => refresher.cancel(),
      warnRestoreTimedOut: () => warn(`the storage did not answer within ${timeout} ms; starting without it`),
    },
  });

  // The tokens held right now, for the inspector (the actor does not exist yet when it first reports).
  let live: Actor<typeof sessionMachine> | undefined;
  const held = (): string[] => {
    const tokens = live?.getSnapshot().context.tokens;
    return tokens ? [tokens.accessToken, tokens.refreshToken ?? ''] : [];
  };
  const actor = createActor(machine, {
    input: { tokens: loadsAsync ? null : (initial as Tokens | null), loadsAsync, config },
    // besides token-named keys, the tokens themselves are cut wherever else they show up
    ...(options.inspect ? { inspect: redactInspection(options.inspect, warn, () => held()) } : {}),
  });
  live = actor;
  const waiters = createWaiterQueue(() => snapshots.update());
  const snapshots = createSnapshotStore(() => toSnapshot(actor.getSnapshot(), waiters.size), warn);
  let stopped = false;

  function send(event: SessionEvent) {
    if (!stopped) actor.send(event);
  }

  // What waiting callers get is declared on the state: hasToken, waits or fails.
  actor.subscribe((snapshot) => {
    if (snapshot.hasTag('loggedOut')) forgetDecoded(); // no decoded token outlives its session
    if (waiters.size > 0 && snapshot.hasTag('hasToken')) waiters.resolveAll(snapshot.context.tokens?.accessToken as string);
    else if (waiters.size > 0 && snapshot.hasTag('fails')) waiters.rejectAll(snapshot.context.error ?? loggedOutError());
    snapshots.update();
  });
  actor.start();
  snapshots.update();

  const stopWake = options.wake ? options.wake((reason) => send({ type: 'WAKE', reason })) : undefined;
  let lastActivity = -Infinity;
  const touch = () => {
    lastActivity = now();
    send({ type: 'ACTIVITY', at: lastActivity });
    tabs.publishActivity(lastActivity);
  };
  // Pointer moves come by the hundred: one activity a second is plenty for an idle timer.
  const stopActivity = idle !== null && options.activity ? options.activity(() => now() - lastActivity >= 1_000 && touch()) : undefined;

  function getAccessToken(opts: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    if (stopped) return Promise.reject(stoppedError());
    let snapshot = actor.getSnapshot();
    const tokens = snapshot.context.tokens;
    if (snapshot.hasTag('hasToken') && tokens !== null && (tokens.expiresAt === null || now() < tokens.expiresAt)) {
      return Promise.resolve(tokens.accessToken);
    }
    if (snapshot.hasTag('hasToken') || snapshot.hasTag('retriesOnRequest')) {
      // The clock passed the expiry before its timer fired (a sleeping laptop), or the last
      // refresh failed: the machine re-reads the clock and tries again before answering.
      send({ type: 'WAKE', reason: 'request' });
      snapshot = actor.getSnapshot();
    }
    if (snapshot.hasTag('hasToken')) return Promise.resolve(snapshot.context.tokens?.accessToken as string);
    if (snapshot.hasTag('fails')) return Promise.reject(snapshot.context.error ?? loggedOutError());
    return waiters.add(opts.signal);
  }

  return {
    actor,
    getSnapshot: snapshots.get,
    subscribe: snapshots.subscribe,
    login(tokens) {
      const normalized = normalizeTokens(tokens, now(), 'login', 'login()');
      const at = typeof tokens.loginAt === 'number' && tokens.loginAt <= now() ? tokens.loginAt : now();
      send({ type: 'LOGIN', tokens: withLogin(normalized, newLogin(at)) });
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
  };
}
