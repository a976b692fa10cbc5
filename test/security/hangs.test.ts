import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createSession,
  type RefreshLock,
  type SessionOptions,
  type TokenSet,
  type TokenStorage,
} from '../../src/index.js';
import { flush, pair, scriptedRefresh } from '../helpers/refreshStub.js';

// Issue 12.5 / DESIGN rule 2 (v2): every call the session makes inside a refresh cycle is
// bounded by `refreshTimeout`, whatever storage, lock, refresh or revoke function the app
// plugs in. A call that never settles costs the caller at most that long: kind `timeout`,
// status `refreshFailed` with the tokens kept, every waiter rejected, and the next request
// tries again. Time is driven by fake timers; nothing here waits on the wall clock.

const TIMEOUT = 1_000;
/** The first wait after a failed refresh cycle is at most this (rule 15: 1 s, jittered into 0.5–1 s). */
const COOLDOWN_MAX = 1_000;
const never = <T>() => new Promise<T>(() => {});

/** How a promise settled so far, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const t: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(t, { state: 'resolved', value }),
    (error: unknown) => Object.assign(t, { state: 'rejected', error }),
  );
  return t;
}

/**
 * An asynchronous storage the test can make hang: while `hang.load` / `hang.save` is set,
 * that call returns a promise that never settles. It records what was stored.
 */
function hangingStorage(initial: TokenSet | null = null) {
  const hang = { load: false, save: false };
  const state = { value: initial as TokenSet | null, loads: 0, saves: 0 };
  const storage: TokenStorage = {
    load: () => {
      state.loads++;
      return hang.load ? never() : Promise.resolve(state.value && { ...state.value });
    },
    save: (tokens) => {
      state.saves++;
      if (hang.save) return never();
      state.value = { ...tokens };
      return Promise.resolve();
    },
    clear: () => {
      state.value = null;
      return Promise.resolve();
    },
  };
  return { storage, hang, state };
}

function start(extra: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const warnings: string[] = [];
  const session = createSession({
    refresh: refresh.fn,
    refreshTimeout: TIMEOUT,
    retry: { attempts: 0 },
    wake: false,
    onWarning: (m) => warnings.push(m),
    ...extra,
  });
  return { session, refresh, warnings, status: () => session.getSnapshot().status };
}

afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
});

describe('a storage that never answers inside the refresh cycle', () => {
  it('a re-read (load) that never settles: refresh() and getAccessToken() reject with kind timeout, tokens kept, and the next request tries again', async () => {
    vi.useFakeTimers();
    const { storage, hang, state } = hangingStorage();
    const { session, refresh, status } = start({ storage });
    await vi.advanceTimersByTimeAsync(0); // the restore: nothing stored
    session.login(pair(1));
    await vi.advanceTimersByTimeAsync(0);

    hang.load = true;
    const refreshed = track(session.refresh());
    const waiting = track(session.getAccessToken());
    const waitingWithSignal = track(session.getAccessToken({ signal: new AbortController().signal }));
    await vi.advanceTimersByTimeAsync(TIMEOUT);

    for (const caller of [refreshed, waiting, waitingWithSignal]) {
      expect(caller.state).toBe('rejected');
      expect(caller.error).toMatchObject({ kind: 'timeout' });
    }
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: pair(1).accessToken, pending: 0 });
    expect(session.getSnapshot().error).toMatchObject({ kind: 'timeout' });
    expect(refresh.calls).toHaveLength(0); // nothing was spent while the storage hung

    // the storage answers again: once the cooldown is over, the next request is answered with
    // the still-valid token and tries the refresh again in the background
    hang.load = false;
    refresh.answerWith(() => pair(2));
    // the failure's own record (a write) gives up on the hung storage too, by when the first
    // cooldown (0.5–1 s from the failure) is over
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(refresh.calls).toHaveLength(0);
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
    await vi.advanceTimersByTimeAsync(0);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(2).accessToken });
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([pair(1).refreshToken]);
    expect(state.value).toMatchObject({ accessToken: pair(2).accessToken });
  });

  it('a save that never settles after the server answered: the new tokens are kept in memory with a warning, and the old refresh token is never spent again', async () => {
    vi.useFakeTimers();
    const { storage, hang, state } = hangingStorage();
    const { session, refresh, warnings, status } = start({ storage });
    await vi.advanceTimersByTimeAsync(0);
    session.login(pair(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(state.value).toMatchObject({ accessToken: pair(1).accessToken });

    hang.save = true;
    refresh.answerWith((n) => pair(n + 1));
    const refreshed = track(session.refresh());
    await vi.advanceTimersByTimeAsync(TIMEOUT);

    // the server has rotated: its answer is what the session holds, in memory
    expect(refreshed).toMatchObject({ state: 'resolved', value: pair(2).accessToken });
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(2).accessToken });
    expect(warnings.join('\n')).toMatch(/in memory/);
    for (const w of warnings) expect(w).not.toContain(pair(2).refreshToken);

    // The storage still holds pair 1, whose refresh token the server has spent, and pair 2
    // expires at the same millisecond (issued in the same second, as JWT `exp` often is).
    // The next refresh spends the NEW refresh token, never the spent one, and the storage,
    // which answers again, ends up with what the session holds.
    hang.save = false;
    const again = track(session.refresh());
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([pair(1).refreshToken, pair(2).refreshToken]);
    expect(again).toMatchObject({ state: 'resolved', value: pair(3).accessToken });
    expect(status()).toBe('authenticated');
    expect(state.value).toMatchObject({ accessToken: pair(3).accessToken, refreshToken: pair(3).refreshToken });
  });

  it('a storage whose every save hangs (from the login on) still lets the session refresh in memory, each refresh within two timeouts', async () => {
    vi.useFakeTimers();
    const { storage, hang } = hangingStorage();
    const { session, refresh, status } = start({ storage });
    await vi.advanceTimersByTimeAsync(0);
    hang.save = true;
    session.login(pair(1));
    refresh.answerWith((n) => pair(n + 1));

    for (let n = 2; n <= 4; n++) {
      const refreshed = track(session.refresh());
      // the re-read waits for the previous hung write (bounded), then the answer's own write (bounded)
      await vi.advanceTimersByTimeAsync(2 * TIMEOUT);
      expect(refreshed).toMatchObject({ state: 'resolved', value: pair(n).accessToken });
      expect(status()).toBe('authenticated');
    }
    // one request per refresh, each spending the refresh token the previous one returned
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([pair(1).refreshToken, pair(2).refreshToken, pair(3).refreshToken]);
  });
});

describe('a storage whose waitForChange never settles', () => {
  it('after waiting for another tab’s lock, the refresh goes ahead once the promised wait is over, instead of failing', async () => {
    vi.useFakeTimers();
    let value: TokenSet | null = null;
    const storage: TokenStorage = {
      load: () => value,
      save: (tokens) => void (value = { ...tokens }),
      clear: () => void (value = null),
      waitForChange: () => never(), // ignores the timeout it is given
    };
    // another tab held the lock: fn runs contended, and nothing new was stored meanwhile
    const lock: RefreshLock = { withLock: (fn) => fn({ contended: true }) };
    const { session, refresh, status } = start({ storage, lock, refreshTimeout: 10_000 });
    session.login(pair(1));
    refresh.answerWith(() => pair(2));
    const refreshed = track(session.refresh());
    await vi.advanceTimersByTimeAsync(1_000); // the wait the session asked the storage for
    expect(refreshed).toMatchObject({ state: 'resolved', value: pair(2).accessToken });
    expect(status()).toBe('authenticated');
    expect(refresh.calls).toHaveLength(1);
  });
});

describe('a storage write that fails after the server answered', () => {
  it('the stale pair left in storage (same expiry, refresh token already spent) is never adopted by the next refresh', async () => {
    vi.useFakeTimers();
    let failSave = false;
    let value: TokenSet | null = null;
    const storage: TokenStorage = {
      load: () => value && { ...value },
      save: (tokens) => {
        if (failSave) throw new Error('quota exceeded');
        value = { ...tokens };
      },
      clear: () => void (value = null),
    };
    const { session, refresh } = start({ storage });
    session.login(pair(1));
    refresh.answerWith((n) => pair(n + 1));
    failSave = true;
    await expect(session.refresh()).resolves.toBe(pair(2).accessToken);
    expect(value).toMatchObject({ refreshToken: pair(1).refreshToken }); // the spent one is still there
    failSave = false;
    await expect(session.refresh()).resolves.toBe(pair(3).accessToken);
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([pair(1).refreshToken, pair(2).refreshToken]);
    expect(value).toMatchObject({ accessToken: pair(3).accessToken, refreshToken: pair(3).refreshToken });
  });
});

describe('a refresh lock that never runs fn', () => {
  it('rejects every waiter with kind timeout, keeps the tokens, sends nothing, and the next request tries again', async () => {
    vi.useFakeTimers();
    let stuck = true;
    let calls = 0;
    const lock: RefreshLock = {
      withLock: (fn) => {
        calls++;
        return stuck ? never() : fn({ contended: false });
      },
    };
    const { session, refresh, status } = start({ lock });
    session.login(pair(1));

    const refreshed = track(session.refresh());
    const waiting = track(session.getAccessToken());
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    expect(refreshed.state).toBe('pending'); // bounded by refreshTimeout, not sooner
    await vi.advanceTimersByTimeAsync(1);
    for (const caller of [refreshed, waiting]) expect(caller).toMatchObject({ state: 'rejected', error: { kind: 'timeout' } });
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: pair(1).accessToken, pending: 0 });
    expect(refresh.calls).toHaveLength(0);

    // once the cooldown is over, the next request gets the still-valid token and takes the lock
    // again in the background
    stuck = false;
    refresh.answerWith(() => pair(2));
    await vi.advanceTimersByTimeAsync(COOLDOWN_MAX);
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    expect(refresh.calls).toHaveLength(1);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(2).accessToken });
    expect(status()).toBe('authenticated');
  });

  it('a lock granted after the attempt gave up runs nothing: no request goes out for an attempt nobody waits for', async () => {
    vi.useFakeTimers();
    let grant!: () => void;
    const lock: RefreshLock = {
      withLock: (fn) => new Promise((resolve, reject) => (grant = () => void fn({ contended: true }).then(resolve, reject))),
    };
    const { session, refresh } = start({ lock });
    session.login(pair(1));
    const refreshed = track(session.refresh());
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(refreshed).toMatchObject({ state: 'rejected', error: { kind: 'timeout' } });
    grant();
    await vi.advanceTimersByTimeAsync(TIMEOUT * 5);
    expect(refresh.calls).toHaveLength(0);
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: pair(1).accessToken });
  });
});

describe('a refresh lock that runs fn but never settles itself', () => {
  it('the refresh it ran still answers the callers, at once, and the lock is asked again next time', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const lock: RefreshLock = {
      withLock: (fn) => {
        calls++;
        void fn({ contended: false }); // runs the refresh, then forgets to pass its result on
        return never();
      },
    };
    const { session, refresh, status } = start({ lock });
    session.login(pair(1));
    refresh.answerWith((n) => pair(n + 1));
    const refreshed = track(session.refresh());
    await vi.advanceTimersByTimeAsync(0);
    expect(refreshed).toMatchObject({ state: 'resolved', value: pair(2).accessToken });
    expect(status()).toBe('authenticated');

    const again = track(session.refresh());
    await vi.advanceTimersByTimeAsync(0);
    expect(again).toMatchObject({ state: 'resolved', value: pair(3).accessToken });
    expect(calls).toBe(2);
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([pair(1).refreshToken, pair(2).refreshToken]);
  });
});

describe('a refresh function that never settles', () => {
  it('rejects every waiter with kind timeout and keeps the tokens; a later request tries again without spending the same refresh token twice', async () => {
    vi.useFakeTimers();
    const { session, refresh, status } = start();
    session.login(pair(1));

    const refreshed = track(session.refresh());
    const waiting = track(session.getAccessToken());
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    for (const caller of [refreshed, waiting]) expect(caller).toMatchObject({ state: 'rejected', error: { kind: 'timeout' } });
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: pair(1).accessToken, pending: 0 });

    // A later request tries again: it settles within the timeout too, and does not send a
    // second request with the refresh token the first one may still be spending.
    const later = track(session.refresh());
    expect(status()).toBe('refreshing');
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(later).toMatchObject({ state: 'rejected', error: { kind: 'timeout' } });
    expect(refresh.calls).toHaveLength(1);

    // when the hung request finally answers, its rotation is applied (rule 6: never lost)
    refresh.calls[0]?.resolve(pair(2));
    await flush();
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(2).accessToken });
    await expect(session.getAccessToken()).resolves.toBe(pair(2).accessToken);
  });

  it('with retries: every attempt is bounded, so the caller settles after attempts × timeout plus backoff', async () => {
    vi.useFakeTimers();
    const { session } = start({ retry: { attempts: 2, backoff: () => 500 } });
    session.login(pair(1));
    const refreshed = track(session.refresh());
    await vi.advanceTimersByTimeAsync(3 * TIMEOUT + 2 * 500);
    expect(refreshed).toMatchObject({ state: 'rejected', error: { kind: 'timeout' } });
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: pair(1).accessToken });
  });
});

describe('a revoke that never settles', () => {
  it('logout() clears at once and resolves after refreshTimeout with a warning; login works again meanwhile', async () => {
    vi.useFakeTimers();
    const warnings: string[] = [];
    let revokes = 0;
    const { session, status } = start({
      revoke: () => {
        revokes++;
        return never();
      },
      onWarning: (m) => warnings.push(m),
    });
    session.login(pair(1));
    const out = track(session.logout());
    expect(status()).toBe('loggedOut');
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'logged-out' });
    session.login(pair(2));
    expect(status()).toBe('authenticated');
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(out.state).toBe('resolved');
    expect(revokes).toBe(1);
    expect(warnings.join('\n')).toMatch(/revok/);
    for (const w of warnings) expect(w).not.toContain(pair(1).refreshToken);
  });
});
