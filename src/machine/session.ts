import { createActor, fromPromise, type Actor } from 'xstate';
import { SessionError } from './errors.js';
import { redactInspection } from './redact.js';
import { createRefresher, defaultBackoff } from './refresher.js';
import { isExpired, sessionMachine, type SessionEvent } from './sessionMachine.js';
import { guardStorage } from './storageGate.js';
import { forgetDecoded, normalizeTokens, toTokenSet, type Tokens } from './tokens.js';
import type { SessionOptions, SessionSnapshot, SyncMessage, TokenSet } from './types.js';
import { createWaiterQueue } from './waiters.js';
import { memoryStorage } from './memoryStorage.js';
import { validateOptions } from './options.js';
import { createSnapshotStore, statusOf, toSnapshot } from './snapshot.js';

/**
 * A running session: the statechart's actor plus the calls adapters and apps make. `Claims`
 * types `getSnapshot().claims` (see `createSession<Claims>()`); any `Session<Claims>` is also a
 * plain `Session`, so adapters take it as is.
 */
export interface Session<Claims extends Record<string, unknown> = Record<string, unknown>> {
  /** The xstate actor behind the session (for inspection and advanced use). */
  readonly actor: Actor<typeof sessionMachine>;
  /** The current snapshot; the same object until something changes. */
  getSnapshot(): SessionSnapshot<Claims>;
  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: (snapshot: SessionSnapshot<Claims>) => void): () => void;
  /** Starts a session with freshly issued tokens. Throws a SessionError for unusable tokens. */
  login(tokens: TokenSet): void;
  /** Ends the session here and in other tabs; a refresh answer arriving later is ignored. */
  logout(): void;
  /** Gets a new access token now; joins the refresh in flight if there is one. */
  refresh(): Promise<string>;
  /** A usable access token: at once when there is one, else after the refresh in flight. */
  getAccessToken(options?: { signal?: AbortSignal | undefined }): Promise<string>;
  /**
   * Reports that a request sent with `token` came back 401. Refreshes only if `token` is
   * still the current one; for an older token it resolves the current one (a "stale 401").
   */
  tokenRejected(token: string): Promise<string>;
  /**
   * Offers tokens a response carried (sliding expiration): adopted when newer than the
   * current ones; the refresh token is kept when absent.
   */
  tokensRenewed(tokens: TokenSet): void;
  /** Stops timers, listeners and the actor; waiting callers reject with kind `aborted`. */
  stop(): void;
}

const loggedOutError = () => new SessionError('logged-out', 'the session is logged out');

/**
 * Creates a session around {@link sessionMachine}, without browser wiring (see the package
 * entry's `createSession` for the version that listens to visibility, focus and online).
 */
export function createSessionCore(options: SessionOptions): Session {
  validateOptions(options);
  const now = options.now ?? (() => Date.now());
  const report = options.onWarning ?? ((message: string) => console.warn(`[silent-session] ${message}`));
  // App code runs inside statechart transitions: a throw there must not stop the session.
  const warn = (message: string) => {
    try {
      report(message);
    } catch {
      // a throwing onWarning has nowhere left to report to
    }
  };
  const safely = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      warn(`${what} threw; the session goes on (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  const store = guardStorage(options.storage ?? memoryStorage(), now, warn);
  const sync = options.sync;
  const initial = store.load();
  const restoring = initial instanceof Promise;
  const timeout = options.refreshTimeout ?? 10_000;

  const refresher = createRefresher({
    refresh: options.refresh,
    reread: () => store.reread(),
    persist: (tokens) => store.save(tokens, false),
    waitForChange: (timeout, signal) => store.waitForChange(timeout, signal),
    lock: options.lock,
    now,
    timeout,
    attempts: options.retry?.attempts ?? 2,
    backoff: options.retry?.backoff ?? defaultBackoff,
    maxPerMinute: options.maxRefreshesPerMinute ?? 5,
    onLate: (tokens, spent) => send({ type: 'TOKENS_RECEIVED', tokens, from: 'late-refresh', spent }),
  });

  const machine = sessionMachine.provide({
    actors: {
      // A storage that never answers must not leave callers waiting: after `refreshTimeout`, logged out.
      restore: fromPromise(({ signal }) =>
        restoring
          ? new Promise<Tokens | null>((resolve, reject) => {
              const timer = setTimeout(() => {
                warn(`the storage did not answer within ${timeout} ms; starting logged out`);
                resolve(null);
              }, timeout);
              signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
              (initial as Promise<Tokens | null>).then(
                (tokens) => (clearTimeout(timer), resolve(tokens)),
                (error: unknown) => (clearTimeout(timer), reject(error)),
              );
            })
          : Promise.resolve(null),
      ),
      refresh: fromPromise(({ input, signal }) =>
        input.tokens ? refresher.run(input.tokens, signal) : Promise.reject(loggedOutError()),
      ),
    },
    actions: {
      tokensChanged: ({ context, event }) => {
        if (context.tokens === null || (event.type === 'TOKENS_RECEIVED' && event.from === 'sync')) return;
        // A refresh stored its answer inside the lock already. A login replaces whatever is
        // stored; anything else never overwrites newer tokens of another tab.
        if ((event.type as string) !== 'xstate.done.actor.refresh') void store.save(context.tokens, event.type === 'LOGIN');
        const tokens = toTokenSet(context.tokens);
        safely('sync.publish', () => sync?.publish({ type: 'tokens', tokens }));
      },
      sessionEnded: ({ context, event }) => {
        refresher.cancel();
        forgetDecoded();
        if (context.tokens === null && !context.restorePending) return;
        const fromOtherTab = event.type === 'LOGOUT' && event.from === 'sync';
        if (!fromOtherTab) {
          store.clear();
          safely('sync.publish', () => sync?.publish({ type: 'logout' }));
        }
        const reason = event.type === 'LOGOUT' ? (event.reason ?? null) : ((event as { error?: SessionError }).error ?? null);
        safely('onLoggedOut', () => options.onLoggedOut?.(reason));
      },
    },
  });

  const actor = createActor(machine, {
    input: {
      tokens: restoring ? null : initial,
      restorePending: restoring,
      now,
      ...(options.refreshLeadTime === undefined ? {} : { refreshLeadTime: options.refreshLeadTime }),
    },
    ...(options.inspect ? { inspect: redactInspection(options.inspect, warn) } : {}),
  });

  const waiters = createWaiterQueue(() => snapshots.update());
  const snapshots = createSnapshotStore(() => {
    const { value, context } = actor.getSnapshot();
    return toSnapshot(value, context, waiters.size);
  }, warn);
  let stopped = false;

  function send(event: SessionEvent) {
    if (!stopped) actor.send(event);
  }

  /** A token, an error, or undefined (wait) for a caller arriving now. */
  function answerNow(): string | SessionError | undefined {
    const { value, context } = actor.getSnapshot();
    const status = statusOf(value);
    if ((status === 'authenticated' || status === 'expiringSoon') && !isExpired(context)) {
      return context.tokens?.accessToken;
    }
    if (status === 'loggedOut') return context.error ?? loggedOutError();
    return undefined;
  }

  function flush() {
    if (waiters.size === 0) return;
    const { value, context } = actor.getSnapshot();
    if (value === 'refreshFailed') return waiters.rejectAll(context.error ?? loggedOutError());
    const answer = answerNow();
    if (typeof answer === 'string') waiters.resolveAll(answer);
    else if (answer) waiters.rejectAll(answer);
  }

  actor.subscribe(() => {
    flush();
    snapshots.update();
  });
  actor.start();
  snapshots.update();

  const stopWake = options.wake ? options.wake((reason) => send({ type: 'WAKE', reason })) : undefined;
  const stopSync = sync?.subscribe((message: SyncMessage) => {
    if (message.type === 'logout') return send({ type: 'LOGOUT', from: 'sync' });
    try {
      send({ type: 'TOKENS_RECEIVED', tokens: normalizeTokens(message.tokens, now(), false, 'tokens from another tab'), from: 'sync' });
    } catch (error) {
      warn(error instanceof Error ? error.message : String(error));
    }
  });

  function getAccessToken(opts: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    if (stopped) return Promise.reject(new SessionError('aborted', 'the session was stopped'));
    let answer = answerNow();
    if (answer === undefined && needsNudge()) {
      // A timer that slept through the expiry, or a failed refresh: try again before answering.
      send({ type: 'WAKE', reason: 'request' });
      answer = answerNow();
    }
    if (typeof answer === 'string') return Promise.resolve(answer);
    if (answer) return Promise.reject(answer);
    return waiters.add(opts.signal);
  }

  function needsNudge(): boolean {
    const { value } = actor.getSnapshot();
    return value === 'authenticated' || value === 'refreshFailed' || statusOf(value) === 'expiringSoon';
  }

  function current(): Tokens | null {
    return actor.getSnapshot().context.tokens;
  }

  return {
    actor,
    getSnapshot: snapshots.get,
    subscribe: snapshots.subscribe,
    login(tokens) {
      const normalized = normalizeTokens(tokens, now(), true, 'login()');
      refresher.cancel();
      send({ type: 'LOGIN', tokens: normalized });
    },
    logout: () => send({ type: 'LOGOUT', from: 'local' }),
    refresh() {
      if (actor.getSnapshot().value === 'loggedOut') return getAccessToken();
      send({ type: 'REFRESH' }); // while restoring: the statechart refreshes once the storage answers
      return getAccessToken();
    },
    getAccessToken,
    tokenRejected(token) {
      if (token === current()?.accessToken) send({ type: 'TOKEN_REJECTED', token });
      return getAccessToken();
    },
    tokensRenewed(tokens) {
      const base = current();
      if (base === null) return;
      try {
        const set = { refreshToken: base.refreshToken, ...tokens };
        send({ type: 'TOKENS_RECEIVED', tokens: normalizeTokens(set, now(), true, 'renewed tokens'), from: 'response' });
      } catch (error) {
        warn(error instanceof Error ? error.message : String(error));
      }
    },
    stop() {
      if (stopped) return;
      stopWake?.();
      stopSync?.();
      refresher.cancel();
      stopped = true;
      actor.stop();
      waiters.rejectAll(new SessionError('aborted', 'the session was stopped'));
      snapshots.clear();
    },
  };
}
