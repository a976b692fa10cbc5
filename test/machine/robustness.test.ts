import { afterEach, describe, expect, it, vi } from 'vitest';
import { runInNewContext } from 'node:vm';
import type { InspectionEvent } from 'xstate';
import {
  createSession,
  memoryStorage,
  SessionError,
  type SessionOptions,
  type SessionSync,
  type TokenSet,
  type TokenStorage,
} from '../../src/index.js';
import { flush, pair, scriptedRefresh } from '../helpers/refreshStub.js';

// Robustness: app callbacks that throw, slow or odd storages, odd refresh answers, clocks,
// stop(). Behaviour a user would notice, through the public API only.

function start(extra: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const warnings: string[] = [];
  const session = createSession({
    refresh: refresh.fn,
    wake: false,
    retry: { attempts: 0 },
    onWarning: (m) => warnings.push(m),
    ...extra,
  });
  return { session, refresh, warnings, status: () => session.getSnapshot().status };
}

/** Tracks how a promise settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const t: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(t, { state: 'resolved', value }),
    (error: unknown) => Object.assign(t, { state: 'rejected', error }),
  );
  return t;
}

/** An asynchronous storage whose first load the test answers by hand; later loads read what is stored. */
function slowStorage() {
  let answer!: (value: TokenSet | null | unknown) => void;
  let loads = 0;
  const state: { value: TokenSet | null } = { value: null };
  const storage: TokenStorage = {
    load: () =>
      loads++ === 0
        ? new Promise<TokenSet | null>((resolve) => (answer = resolve as typeof answer))
        : Promise.resolve(state.value),
    save: async (tokens) => {
      state.value = { ...tokens };
    },
    clear: async () => {
      state.value = null;
    },
  };
  return { storage, state, answerLoad: (v: unknown) => answer(v) };
}

afterEach(() => {
  // xstate rethrows an actor's error from a setTimeout: drop it with the fake timers, it is
  // asserted on through the session's behaviour instead.
  if (vi.isFakeTimers()) vi.clearAllTimers();
  vi.useRealTimers();
});

describe('callbacks the app hands the session', () => {
  it('still settles waiting callers with kind rejected when onLoggedOut throws on a definitive rejection', async () => {
    vi.useFakeTimers();
    const { session, refresh, status } = start({
      onLoggedOut: () => {
        throw new Error('app bug in onLoggedOut');
      },
    });
    session.login(pair(1));
    const waiting = track(session.refresh());
    (await refresh.next()).reject(new SessionError('rejected', 'invalid_grant', { status: 400 }));
    await flush();
    expect(waiting.state).toBe('rejected');
    expect(status()).toBe('loggedOut');
    expect(waiting.error).toMatchObject({ kind: 'rejected' });
  });

  it('can sign in again after a logout whose onLoggedOut threw', async () => {
    vi.useFakeTimers();
    const { session, status } = start({
      onLoggedOut: () => {
        throw new Error('app bug in onLoggedOut');
      },
    });
    session.login(pair(1));
    session.logout();
    // the user pressed "log out": the old token must not be handed out any more
    expect(status()).toBe('loggedOut');
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'logged-out' });
    session.login(pair(2));
    expect(status()).toBe('authenticated');
    await expect(session.getAccessToken()).resolves.toBe(pair(2).accessToken);
  });

  it('still hands the refreshed token to waiting callers when sync.publish throws', async () => {
    vi.useFakeTimers();
    let publishes = 0;
    const sync: SessionSync = {
      publish() {
        if (++publishes > 1) throw new DOMException('channel closed', 'InvalidStateError');
      },
      subscribe: () => () => {},
    };
    const { session, refresh } = start({ sync });
    session.login(pair(1));
    const waiting = track(session.refresh());
    (await refresh.next()).resolve(pair(2));
    await flush();
    expect(waiting).toMatchObject({ state: 'resolved', value: pair(2).accessToken });
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(2).accessToken, pending: 0 });
  });

  it('lets onLoggedOut call login() re-entrantly: the new login wins and is stored', () => {
    const storage = memoryStorage();
    let relogin = true;
    const reasons: unknown[] = [];
    const { session, status } = start({
      storage,
      onLoggedOut: (reason) => {
        reasons.push(reason);
        if (relogin) {
          relogin = false;
          session.login(pair(9));
        }
      },
    });
    session.login(pair(1));
    session.logout();
    expect(reasons).toEqual([null]);
    expect(status()).toBe('authenticated');
    expect(session.getSnapshot().accessToken).toBe(pair(9).accessToken);
    expect(storage.load()).toMatchObject({ accessToken: pair(9).accessToken, refreshToken: pair(9).refreshToken });
  });

  it('lets a subscriber call logout() when it sees refreshFailed; the failed waiter still settles', async () => {
    const storage = memoryStorage();
    const { session, refresh, status } = start({ storage });
    session.subscribe((s) => {
      if (s.status === 'refreshFailed') session.logout();
    });
    session.login(pair(1));
    const waiting = session.refresh();
    (await refresh.next()).reject(new SessionError('network', 'offline'));
    await expect(waiting).rejects.toMatchObject({ kind: 'network' });
    expect(status()).toBe('loggedOut');
    expect(storage.load()).toBeNull();
  });
});

describe('asynchronous storage', () => {
  it('keeps the tokens of a login made while the restore was loading, even when the stored value turns out to be garbage', async () => {
    const slow = slowStorage();
    const { session, status, warnings } = start({ storage: slow.storage });
    session.login(pair(1));
    await flush();
    expect(slow.state.value).toMatchObject({ accessToken: pair(1).accessToken });
    slow.answerLoad({ refreshToken: 'half-a-pair' });
    await flush();
    expect(warnings.join('\n')).toMatch(/unusable stored tokens/);
    expect(status()).toBe('authenticated');
    // the user's fresh login must survive a reload
    expect(slow.state.value).toMatchObject({ accessToken: pair(1).accessToken, refreshToken: pair(1).refreshToken });
  });

  it('refresh() called while the storage is still loading gets a new token, not the restored one', async () => {
    const slow = slowStorage();
    const { session, refresh } = start({ storage: slow.storage });
    const renewed = track(session.refresh());
    slow.answerLoad(pair(1));
    await flush();
    expect(refresh.calls).toHaveLength(1);
    refresh.last.resolve(pair(2));
    await flush();
    expect(renewed).toMatchObject({ state: 'resolved', value: pair(2).accessToken });
  });

  it('does not leave getAccessToken() hanging when the storage load never settles: logged out after refreshTimeout, with a warning', async () => {
    vi.useFakeTimers();
    const storage: TokenStorage = { load: () => new Promise(() => {}), save: () => {}, clear: () => {} };
    const { session, status, warnings } = start({ storage, refreshTimeout: 3_000 });
    const waiting = track(session.getAccessToken());
    await vi.advanceTimersByTimeAsync(2_999);
    expect(waiting.state).toBe('pending');
    expect(status()).toBe('restoring');
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting).toMatchObject({ state: 'rejected', error: { kind: 'logged-out' } });
    expect(status()).toBe('loggedOut');
    expect(warnings).toEqual(['the storage did not answer within 3000 ms; starting without it']);
  });

  it('restores from a storage whose load returns a promise of another realm (an iframe, a vm context)', async () => {
    const storage: TokenStorage = {
      load: () => runInNewContext('Promise.resolve(set)', { set: pair(1) }) as Promise<TokenSet>,
      save: () => {},
      clear: () => {},
    };
    const { session } = start({ storage });
    const token = track(session.getAccessToken());
    await flush();
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(1).accessToken });
    expect(token).toMatchObject({ state: 'resolved', value: pair(1).accessToken });
  });

  it('waits for a restore of a valid set, then answers with it and no refresh', async () => {
    const slow = slowStorage();
    const { session, refresh } = start({ storage: slow.storage });
    const waiting = session.getAccessToken();
    expect(session.getSnapshot()).toMatchObject({ status: 'restoring', pending: 1 });
    slow.answerLoad(pair(1));
    await expect(waiting).resolves.toBe(pair(1).accessToken);
    expect(refresh.calls).toHaveLength(0);
  });

  it('warns once and goes on when save and clear reject', async () => {
    const storage: TokenStorage = {
      load: () => null,
      save: () => Promise.reject(new Error('quota exceeded')),
      clear: () => Promise.reject(new Error('disk gone')),
    };
    const { session, refresh, warnings, status } = start({ storage });
    session.login(pair(1));
    const renewed = session.refresh();
    (await refresh.next()).resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    session.logout();
    await flush();
    expect(status()).toBe('loggedOut');
    expect(warnings.filter((w) => /storage save failed/.test(w))).toHaveLength(1);
    expect(warnings.filter((w) => /storage clear failed/.test(w))).toHaveLength(1);
    for (const t of [pair(1), pair(2)]) expect(warnings.join('\n')).not.toContain(t.accessToken);
  });

  it('starts loggedOut, clears and warns when the stored value is half a pair', () => {
    let value: unknown = { refreshToken: 'refresh-only-abcdefgh' };
    const storage: TokenStorage = {
      load: () => value as TokenSet,
      save: (t) => void (value = t),
      clear: () => void (value = null),
    };
    const { session, warnings } = start({ storage });
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(value).toBeNull();
    expect(warnings.join('\n')).toMatch(/unusable stored tokens.*accessToken is missing/);
    expect(warnings.join('\n')).not.toContain('refresh-only-abcdefgh');
  });
});

describe('what the refresh function answers', () => {
  it('treats a non-object answer as invalid-response: refreshFailed, tokens kept, no retry, no logout', async () => {
    const { session, refresh, status } = start({ retry: { attempts: 3, backoff: () => 0 } });
    session.login(pair(1));
    const renewed = session.refresh();
    (await refresh.next()).resolve('ok' as unknown as TokenSet);
    await expect(renewed).rejects.toMatchObject({ kind: 'invalid-response' });
    expect(status()).toBe('refreshFailed');
    expect(session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    expect(refresh.calls).toHaveLength(1);
  });

  it('treats an answer with an already expired token as invalid-response', async () => {
    const { session, refresh, status } = start();
    session.login(pair(1));
    const renewed = session.refresh();
    (await refresh.next()).resolve({ accessToken: 'access-2-abcdefgh', expiresAt: Date.now() - 1_000 });
    await expect(renewed).rejects.toMatchObject({ kind: 'invalid-response', message: expect.stringMatching(/already expired/) });
    expect(status()).toBe('refreshFailed');
  });

  it('retries a thrown non-Error as a transient network failure and then succeeds', async () => {
    const { session, refresh } = start({ retry: { attempts: 1, backoff: () => 0 } });
    session.login(pair(1));
    const renewed = session.refresh();
    (await refresh.nth(1)).reject('socket hang up');
    await vi.waitFor(() => expect(refresh.calls).toHaveLength(2));
    refresh.last.resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([pair(1).refreshToken, pair(1).refreshToken]);
  });

  it('logs out on an axios-like error carrying status 401, with the status on the SessionError', async () => {
    const reasons: unknown[] = [];
    const { session, refresh, status } = start({ onLoggedOut: (r) => reasons.push(r) });
    session.login(pair(1));
    const renewed = session.refresh();
    (await refresh.next()).reject(Object.assign(new Error('Request failed'), { response: { status: 401 } }));
    await expect(renewed).rejects.toMatchObject({ kind: 'rejected', status: 401 });
    expect(status()).toBe('loggedOut');
    expect(reasons).toEqual([expect.objectContaining({ kind: 'rejected', status: 401 })]);
  });
});

describe('tokenRejected during refreshFailed', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  async function failed() {
    vi.useFakeTimers();
    const s = start();
    s.session.login(pair(1));
    const p = s.session.refresh();
    (await s.refresh.next()).reject(new SessionError('network', 'offline'));
    await expect(p).rejects.toMatchObject({ kind: 'network' });
    expect(s.status()).toBe('refreshFailed');
    return s;
  }

  it('an old token: answers the kept current token at once; once the cooldown is over, the request starts one background retry', async () => {
    const { session, refresh, status } = await failed();
    await expect(session.tokenRejected('access-0-abcdefgh')).resolves.toBe(pair(1).accessToken);
    expect(status()).toBe('refreshFailed'); // cooling down: no new attempt (rule 15)
    await vi.advanceTimersByTimeAsync(1_000); // the first cooldown is 0.5–1 s
    await expect(session.tokenRejected('access-0-abcdefgh')).resolves.toBe(pair(1).accessToken);
    // refreshFailed retries on the next request: in the background, the kept token still works
    expect(status()).toBe('expiringSoon');
    const retry = await refresh.nth(2);
    expect(retry.refreshToken).toBe(pair(1).refreshToken);
    retry.resolve(pair(2));
    await vi.waitFor(() => expect(status()).toBe('authenticated'));
    expect(session.getSnapshot().accessToken).toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(2);
    expect(refresh.maxInFlight).toBe(1);
  });

  it('the current token: the last error while cooling down; then it waits for a new refresh and gets its token', async () => {
    const { session, refresh } = await failed();
    await expect(session.tokenRejected(pair(1).accessToken)).rejects.toMatchObject({ kind: 'network' });
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'network' }); // the refused token is not handed out
    await vi.advanceTimersByTimeAsync(1_000);
    const renewed = session.tokenRejected(pair(1).accessToken);
    (await refresh.next()).resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(2);
  });
});

describe('tokens without expiry and odd lifetimes', () => {
  it('keeps an opaque token without expiry authenticated, with no timer armed, until a 401', async () => {
    vi.useFakeTimers();
    const { session, refresh, status } = start();
    session.login({ accessToken: 'opaque-abcdefgh', refreshToken: 'r-abcdefgh' });
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', expiresAt: null, claims: null });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(365 * 24 * 3600_000);
    expect(status()).toBe('authenticated');
    expect(refresh.calls).toHaveLength(0);
    const renewed = session.tokenRejected('opaque-abcdefgh');
    (await refresh.next()).resolve({ accessToken: 'opaque2-abcdefgh' });
    await expect(renewed).resolves.toBe('opaque2-abcdefgh');
    expect(session.getSnapshot().accessToken).toBe('opaque2-abcdefgh');
  });

  it('takes a login with expiresIn 0 as an expired access token and refreshes it at once', async () => {
    const { session, status, refresh } = start();
    session.login({ accessToken: 'a-abcdefgh', refreshToken: 'r-abcdefgh', expiresIn: 0 });
    expect(status()).toBe('refreshing');
    const token = session.getAccessToken();
    (await refresh.next()).resolve({ accessToken: 'b-abcdefgh', expiresIn: 60 });
    await expect(token).resolves.toBe('b-abcdefgh');
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual(['r-abcdefgh']);
  });

  it('refuses garbage logins with a SessionError of kind invalid-response', () => {
    const { session } = start();
    for (const bad of [null, 'token', {}, { accessToken: '  ' }, { accessToken: 'a', expiresIn: -1 }, { accessToken: 'a', expiresIn: NaN }, { accessToken: 'a', refreshToken: '' }]) {
      let thrown: unknown;
      try {
        session.login(bad as TokenSet);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(bad)).toBeInstanceOf(SessionError);
      expect(thrown).toMatchObject({ kind: 'invalid-response', message: expect.stringMatching(/^login\(\): /) });
    }
  });
});

describe('the clock', () => {
  it('keeps refreshing after the clock jumps back an hour (the rate window must not freeze)', async () => {
    let t = Date.parse('2026-01-01T12:00:00Z');
    const { session, refresh } = start({ now: () => t, maxRefreshesPerMinute: 2 });
    session.login(pair(1));
    for (const n of [2, 3]) {
      const p = session.refresh();
      (await refresh.next()).resolve(pair(n));
      await expect(p).resolves.toBe(pair(n).accessToken);
    }
    t -= 3600_000; // the OS corrects the clock backwards
    t += 5 * 60_000; // five minutes later on the new clock
    const p = session.refresh();
    p.catch(() => {});
    await flush();
    expect(refresh.calls).toHaveLength(3);
    refresh.last.resolve(pair(4));
    await expect(p).resolves.toBe(pair(4).accessToken);
  });
});

describe('stop()', () => {
  it('leaves no timer running, mid-refresh with a timeout and during a retry backoff, and can be called twice', async () => {
    vi.useFakeTimers();
    const a = start({ refreshTimeout: 5_000, retry: { attempts: 3, backoff: () => 60_000 } });
    a.session.login(pair(1));
    const first = a.session.refresh();
    await a.refresh.next();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    a.session.stop();
    a.session.stop();
    await expect(first).rejects.toMatchObject({ kind: 'aborted' });
    await flush();
    expect(vi.getTimerCount()).toBe(0);
    expect(a.refresh.last.signal.aborted).toBe(true);

    const b = start({ retry: { attempts: 3, backoff: () => 60_000 } });
    b.session.login(pair(1));
    const second = b.session.refresh();
    (await b.refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    b.session.stop();
    await expect(second).rejects.toMatchObject({ kind: 'aborted' });
    await flush();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(b.refresh.calls).toHaveLength(1);
  });

  it('answers every call after stop() with kind aborted, and notifies no subscriber', async () => {
    const { session } = start();
    session.login(pair(1));
    const seen: unknown[] = [];
    session.subscribe((s) => seen.push(s));
    session.stop();
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'aborted' });
    await expect(session.refresh()).rejects.toMatchObject({ kind: 'aborted' });
    await expect(session.tokenRejected(pair(1).accessToken)).rejects.toMatchObject({ kind: 'aborted' });
    expect(seen).toHaveLength(0);
  });
});

describe('inspect', () => {
  it('never sees a whole token restored from a synchronous storage at creation', () => {
    const ACCESS = 'restored-access-token-never-whole-9Z8Y';
    const REFRESH = 'restored-refresh-token-never-whole-7X6W';
    const storage = memoryStorage();
    storage.save({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 300 });
    const events: InspectionEvent[] = [];
    const { session } = start({ storage, inspect: (e) => events.push(e) });
    session.tokenRejected(ACCESS).catch(() => {});
    session.stop();
    const seen = new WeakSet<object>();
    const text = events
      .map((e) =>
        JSON.stringify(e, (_k, v: unknown) => {
          if (typeof v === 'object' && v !== null) {
            if (seen.has(v)) return '[circular]';
            seen.add(v);
          }
          return typeof v === 'function' ? undefined : v;
        }),
      )
      .join('\n');
    expect(events.length).toBeGreaterThan(0);
    expect(text).not.toContain(ACCESS);
    expect(text).not.toContain(REFRESH);
  });
});

describe('an inspector that throws', () => {
  it('does not stop the session: logins, refreshes and callers go on as without it', async () => {
    const { session, refresh, status, warnings } = start({
      inspect: () => {
        throw new Error('devtools disconnected');
      },
    });
    session.login(pair(1));
    const renewed = session.refresh();
    (await refresh.next()).resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    session.logout();
    expect(status()).toBe('loggedOut');
    expect(warnings.filter((w) => w.includes('inspect callback threw'))).toHaveLength(1);
  });
});
