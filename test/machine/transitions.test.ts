import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromCallback, fromPromise } from 'xstate';
import {
  createSession,
  machineGraph,
  memoryStorage,
  SessionError,
  sessionMachine,
  type RefreshLock,
  type SessionOptions,
  type SyncMessage,
  type TokenStorage,
} from '../../src/index.js';
import { transitionRecorder } from '../helpers/coverage.js';
import { flush, pair, scriptedRefresh } from '../helpers/refreshStub.js';

// Every transition of the statechart, driven through the public session API with fake
// timers. The recorder sees each transition the machine takes (via `inspect`); the last test
// walks the machine's own graph and fails if any transition was never exercised here.
const recorder = transitionRecorder();

function start(options: { storage?: TokenStorage; lead?: number } & Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const { storage = memoryStorage(), lead = 60_000, ...extra } = options;
  const session = createSession({
    refresh: refresh.fn,
    storage,
    wake: false,
    refreshLeadTime: lead,
    refreshTimeout: 600_000,
    retry: { attempts: 0 },
    maxRefreshesPerMinute: 1_000,
    inspect: recorder.inspect,
    ...extra,
  });
  return { session, refresh, storage, status: () => session.getSnapshot().status };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('restoring', () => {
  it('starts authenticated when a synchronous storage holds a token set', () => {
    const storage = memoryStorage();
    storage.save({ ...pair(1), expiresAt: Date.now() + 300_000 });
    const { status, session } = start({ storage });
    expect(status()).toBe('authenticated');
    expect(session.getSnapshot().accessToken).toBe(pair(1).accessToken);
  });

  it('starts loggedOut when the storage is empty', () => {
    expect(start().status()).toBe('loggedOut');
  });

  it('waits for an asynchronous storage, reporting restoring (not authenticated), then becomes authenticated', async () => {
    const saved = { ...pair(1), expiresAt: Date.now() + 300_000 };
    const storage: TokenStorage = { load: async () => saved, save: async () => {}, clear: async () => {} };
    const { status, session } = start({ storage });
    expect(status()).toBe('restoring');
    expect(session.getSnapshot()).toMatchObject({ isAuthenticated: false, isRestoring: true });
    const token = session.getAccessToken();
    expect(session.getSnapshot().pending).toBe(1);
    await flush();
    expect(status()).toBe('authenticated');
    await expect(token).resolves.toBe(saved.accessToken);
  });

  it('refresh() while an asynchronous storage loads: refreshes the restored tokens once it answers', async () => {
    const saved = { ...pair(1), expiresAt: Date.now() + 300_000 };
    const storage: TokenStorage = { load: async () => saved, save: async () => {}, clear: async () => {} };
    const { status, session, refresh } = start({ storage });
    const renewed = session.refresh();
    expect(status()).toBe('restoring');
    await flush();
    expect(status()).toBe('refreshing');
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([pair(1).refreshToken]);
    refresh.last.resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    expect(status()).toBe('authenticated');
  });

  it('ends loggedOut when an asynchronous storage holds nothing', async () => {
    const storage: TokenStorage = { load: async () => null, save: async () => {}, clear: async () => {} };
    const { status, session } = start({ storage });
    const token = session.getAccessToken();
    await flush();
    expect(status()).toBe('loggedOut');
    await expect(token).rejects.toMatchObject({ kind: 'logged-out' });
  });

  it('ends loggedOut when the restore actor itself fails', async () => {
    const machine = sessionMachine.provide({
      actors: { restore: fromPromise(async () => Promise.reject(new Error('disk gone'))) },
    });
    const config = { now: () => Date.now(), leadTime: 60_000, retries: 0, backoff: () => 0, restoreTimeout: 1_000, checkSession: false, idleTimeout: null, maxSessionAge: null, endingWarning: 0, cooldown: () => 1_000 };
    const actor = createActor(machine, { input: { tokens: null, loadsAsync: true, config }, inspect: recorder.inspect }).start();
    await flush();
    expect(actor.getSnapshot().matches({ session: 'loggedOut' })).toBe(true);
    expect(actor.getSnapshot().hasTag('loggedOut')).toBe(true);
    actor.stop();
  });
});

it('ends loggedOut when the restore actor fails after refresh() was asked for', async () => {
  const machine = sessionMachine.provide({
    actors: { restore: fromPromise(async () => Promise.reject(new Error('disk gone'))) },
  });
  const config = { now: () => Date.now(), leadTime: 60_000, retries: 0, backoff: () => 0, restoreTimeout: 1_000, checkSession: false, idleTimeout: null, maxSessionAge: null, endingWarning: 0, cooldown: () => 1_000 };
  const actor = createActor(machine, { input: { tokens: null, loadsAsync: true, config }, inspect: recorder.inspect }).start();
  actor.send({ type: 'REFRESH' });
  await flush();
  expect(actor.getSnapshot().hasTag('loggedOut')).toBe(true);
  actor.stop();
});

describe('authenticated', () => {
  it('moves to expiringSoon at expiry minus the lead time and refreshes in the background', async () => {
    const { session, refresh, status } = start({ lead: 60_000 });
    session.login(pair(1, 300));
    await vi.advanceTimersByTimeAsync(239_000);
    expect(status()).toBe('authenticated');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(status()).toBe('expiringSoon');
    expect(refresh.calls).toHaveLength(1);
    // requests keep using the still-valid token while the refresh runs
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
  });

  it('caps the lead time at half the token lifetime', async () => {
    const { session, status } = start({ lead: 60_000 });
    session.login(pair(1, 20));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(status()).toBe('authenticated');
    await vi.advanceTimersByTimeAsync(1);
    expect(status()).toBe('expiringSoon');
  });

  it('goes straight to refreshing when the token has expired unseen (a tab that slept)', async () => {
    const { session, refresh, status } = start();
    session.login(pair(1, 300));
    vi.setSystemTime(Date.now() + 301_000); // the clock jumps; no timer has fired
    const token = session.getAccessToken();
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    expect(refresh.calls).toHaveLength(1);
    await expect(token).resolves.toBe(pair(2).accessToken);
  });

  it('refreshes on a 401 for the current token, and makes callers wait', async () => {
    const { session, refresh, status } = start();
    session.login(pair(1));
    const retried = session.tokenRejected(pair(1).accessToken);
    expect(status()).toBe('refreshing');
    const waiting = session.getAccessToken();
    expect(session.getSnapshot().pending).toBe(2);
    (await refresh.next()).resolve(pair(2));
    await expect(Promise.all([retried, waiting])).resolves.toEqual([pair(2).accessToken, pair(2).accessToken]);
    expect(refresh.calls).toHaveLength(1);
  });

  it('refreshes on an explicit refresh()', async () => {
    const { session, refresh, status } = start();
    session.login(pair(1));
    const next = session.refresh();
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    await expect(next).resolves.toBe(pair(2).accessToken);
    expect(status()).toBe('authenticated');
  });
});

describe('expiringSoon', () => {
  it('becomes refreshing, without a second request, when the token actually expires mid-refresh', async () => {
    const { session, refresh, status } = start({ lead: 60_000 });
    session.login(pair(1, 300));
    await vi.advanceTimersByTimeAsync(240_000);
    expect(status()).toBe('expiringSoon');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(status()).toBe('refreshing');
    expect(refresh.calls).toHaveLength(1);
    const waiting = session.getAccessToken();
    (await refresh.next()).resolve(pair(2));
    await expect(waiting).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(1);
  });

  it('becomes refreshing on a 401 for the current token, joining the refresh in flight', async () => {
    const { session, refresh, status } = start({ lead: 60_000 });
    session.login(pair(1, 300));
    await vi.advanceTimersByTimeAsync(240_000);
    const retried = session.tokenRejected(pair(1).accessToken);
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    await expect(retried).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(1);
  });

  it('becomes refreshing on refresh(), joining the refresh in flight', async () => {
    const { session, refresh, status } = start({ lead: 60_000 });
    session.login(pair(1, 300));
    await vi.advanceTimersByTimeAsync(240_000);
    const next = session.refresh();
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    await expect(next).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(1);
  });
});

describe('refresh outcomes', () => {
  it('success: authenticated with the new tokens, saved as one value', async () => {
    const { session, refresh, status, storage } = start();
    session.login(pair(1));
    void session.refresh();
    (await refresh.next()).resolve(pair(2));
    await flush();
    expect(status()).toBe('authenticated');
    expect(await storage.load()).toMatchObject({ accessToken: pair(2).accessToken, refreshToken: pair(2).refreshToken });
  });

  it('definitive rejection: loggedOut, tokens cleared, waiters rejected with kind rejected', async () => {
    const onLoggedOut = vi.fn();
    const refresh = scriptedRefresh();
    const storage = memoryStorage();
    const session = createSession({ refresh: refresh.fn, storage, wake: false, onLoggedOut, inspect: recorder.inspect });
    session.login(pair(1));
    const waiting = session.refresh();
    (await refresh.next()).reject(new SessionError('rejected', 'refresh token revoked', { status: 401 }));
    await expect(waiting).rejects.toMatchObject({ kind: 'rejected', status: 401 });
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', accessToken: null, error: { kind: 'rejected' } });
    expect(await storage.load()).toBeNull();
    expect(onLoggedOut).toHaveBeenCalledTimes(1);
    expect(onLoggedOut.mock.calls[0]?.[0]).toMatchObject({ kind: 'rejected' });
  });

  it('transient failure: refreshFailed with the tokens kept, waiters rejected with the cause', async () => {
    const { session, refresh, status, storage } = start();
    session.login(pair(1));
    const waiting = session.refresh();
    (await refresh.next()).reject(new SessionError('network', 'offline'));
    await expect(waiting).rejects.toMatchObject({ kind: 'network' });
    expect(status()).toBe('refreshFailed');
    expect(session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    expect(await storage.load()).toMatchObject({ accessToken: pair(1).accessToken });
  });
});

describe('refreshFailed', () => {
  async function failed() {
    const s = start();
    s.session.login(pair(1, 300));
    void s.session.refresh().catch(() => {});
    (await s.refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(s.status()).toBe('refreshFailed');
    return s;
  }

  it('tries again on refresh()', async () => {
    const { session, refresh, status } = await failed();
    const next = session.refresh();
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    await expect(next).resolves.toBe(pair(2).accessToken);
  });

  it('cooling down: the still-valid token, or at once the last error; no request (rule 15)', async () => {
    const { session, refresh, status } = await failed();
    expect(session.getSnapshot().retryAt).toBeGreaterThan(Date.now());
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
    await expect(session.tokenRejected(pair(1).accessToken)).rejects.toMatchObject({ kind: 'network' });
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'network' }); // the refused token is not handed out
    expect(status()).toBe('refreshFailed');
    expect(refresh.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000); // the first cooldown: 0.5–1 s
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', retryAt: null });
  });

  it('tries again on a 401 for the current token, once the cooldown is over', async () => {
    const { session, refresh, status } = await failed();
    await vi.advanceTimersByTimeAsync(1_000);
    const next = session.tokenRejected(pair(1).accessToken);
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    await expect(next).resolves.toBe(pair(2).accessToken);
  });

  it('tries again in the background on the next request while the kept token is still valid, once the cooldown is over', async () => {
    const { session, refresh, status } = await failed();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
    expect(status()).toBe('expiringSoon');
    await refresh.next();
    expect(refresh.calls).toHaveLength(2);
  });

  it('tries again when the app comes online (which resets the backoff), even while cooling down', async () => {
    const wake = { notify: (_: 'online') => {} };
    const refresh = scriptedRefresh();
    const session = createSession({
      refresh: refresh.fn,
      retry: { attempts: 0 },
      wake: (notify) => ((wake.notify = notify), () => {}),
      inspect: recorder.inspect,
    });
    session.login(pair(1));
    void session.refresh().catch(() => {});
    (await refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(session.getSnapshot().status).toBe('refreshFailed');
    wake.notify('online');
    expect(session.getSnapshot().status).toBe('expiringSoon');
    await refresh.next();
    expect(refresh.calls).toHaveLength(2);
  });
});

describe('from any state', () => {
  it('LOGIN from loggedOut: authenticated, tokens saved', async () => {
    const { session, status, storage } = start();
    session.login(pair(1));
    expect(status()).toBe('authenticated');
    expect(await storage.load()).toMatchObject({ accessToken: pair(1).accessToken });
  });

  it('LOGIN during a refresh: the new login wins and the old refresh answer is ignored', async () => {
    const { session, refresh, status } = start();
    session.login(pair(1));
    void session.refresh().catch(() => {});
    const old = (await refresh.next());
    session.login(pair('other'));
    expect(status()).toBe('authenticated');
    expect(old.signal.aborted).toBe(true);
    old.resolve(pair(2));
    await flush();
    expect(session.getSnapshot().accessToken).toBe(pair('other').accessToken);
  });

  it('LOGOUT during a refresh: loggedOut at once, and the late answer is ignored', async () => {
    const { session, refresh, status, storage } = start();
    session.login(pair(1));
    const waiting = session.refresh();
    const call = await refresh.next();
    session.logout();
    expect(status()).toBe('loggedOut');
    await expect(waiting).rejects.toMatchObject({ kind: 'logged-out' });
    expect(call.signal.aborted).toBe(true);
    call.resolve(pair(2));
    await flush();
    expect(status()).toBe('loggedOut');
    expect(await storage.load()).toBeNull();
  });

  it('LOGOUT from authenticated, refreshFailed and restoring', async () => {
    const a = start();
    a.session.login(pair(1));
    a.session.logout();
    expect(a.status()).toBe('loggedOut');

    const b = start();
    b.session.login(pair(1));
    void b.session.refresh().catch(() => {});
    (await b.refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(b.status()).toBe('refreshFailed');
    b.session.logout();
    expect(b.status()).toBe('loggedOut');

    const slow: TokenStorage = { load: () => new Promise(() => {}), save: () => {}, clear: () => {} };
    const c = start({ storage: slow });
    const waiting = c.session.getAccessToken();
    c.session.logout();
    await expect(waiting).rejects.toMatchObject({ kind: 'logged-out' });
  });

  it('TOKENS_RENEWED: newer tokens from a response are adopted in any signed-in state', async () => {
    const { session, refresh, status } = start({ lead: 60_000 });
    session.login(pair(1, 300));
    session.tokensRenewed({ accessToken: 'renewed-access-1234', expiresIn: 600 });
    expect(session.getSnapshot().accessToken).toBe('renewed-access-1234');

    await vi.advanceTimersByTimeAsync(540_000); // into expiringSoon
    expect(status()).toBe('expiringSoon');
    session.tokensRenewed({ accessToken: 'renewed-access-5678', expiresIn: 600 });
    expect(status()).toBe('authenticated');
    expect((await refresh.next()).signal.aborted).toBe(false); // the rotation request is not abandoned

    // the rotation request from expiringSoon is still open: refresh() joins it rather than
    // spending the same refresh token twice, and fails with it
    void session.refresh().catch(() => {});
    await flush();
    expect(refresh.calls).toHaveLength(1);
    (await refresh.nth(1)).reject(new SessionError('network', 'offline'));
    await flush();
    expect(status()).toBe('refreshFailed');
    session.tokensRenewed({ accessToken: 'renewed-access-9999', expiresIn: 900 });
    expect(status()).toBe('authenticated');
    expect(session.getSnapshot().accessToken).toBe('renewed-access-9999');
  });

  it('TAB_TOKENS: tokens from another tab log a logged-out tab in; a restoring tab adopts them', async () => {
    const listeners: Array<(m: { type: 'tokens'; tokens: ReturnType<typeof pair> }) => void> = [];
    const sync = {
      publish: () => {},
      subscribe: (l: (typeof listeners)[number]) => (listeners.push(l), () => {}),
    };
    const refresh = scriptedRefresh();
    const session = createSession({ refresh: refresh.fn, sync, wake: false, inspect: recorder.inspect });
    const login = { loginId: 'login-7', loginAt: Date.now() };
    for (const l of listeners) l({ type: 'tokens', tokens: { ...pair(7), expiresAt: Date.now() + 300_000, ...login } });
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(7).accessToken });

    const slow: TokenStorage = { load: () => new Promise(() => {}), save: () => {}, clear: () => {} };
    const restoring = createSession({ refresh: refresh.fn, sync, storage: slow, wake: false, inspect: recorder.inspect });
    const waiting = restoring.getAccessToken();
    for (const l of listeners) l({ type: 'tokens', tokens: { ...pair(8), expiresAt: Date.now() + 300_000, loginId: 'login-8', loginAt: Date.now() } });
    await expect(waiting).resolves.toBe(pair(8).accessToken);
    expect(refresh.calls).toHaveLength(0);
  });
});


/** A sync whose messages the test delivers by hand, recording what the session published. */
function handSync() {
  const listeners: Array<(m: SyncMessage) => void> = [];
  const published: SyncMessage[] = [];
  return {
    sync: { publish: (m: SyncMessage) => void published.push(m), subscribe: (l: (m: SyncMessage) => void) => (listeners.push(l), () => {}) },
    published,
    deliver: (m: SyncMessage) => listeners.forEach((l) => l(m)),
  };
}

describe('restoring: checkSession and slow storages', () => {
  it('checkSession with nothing stored: one refresh at start, status restoring until it answers, then authenticated', async () => {
    const { session, refresh, status } = start({ checkSession: true });
    expect(status()).toBe('restoring');
    expect(session.getSnapshot().isAuthenticated).toBe(false);
    const token = session.getAccessToken();
    const call = await refresh.next();
    expect(call.refreshToken).toBeUndefined(); // cookie mode: the cookie carries it
    call.resolve(pair('cookie'));
    await expect(token).resolves.toBe(pair('cookie').accessToken);
    expect(status()).toBe('authenticated');
  });

  it('checkSession rejected: loggedOut without calling onLoggedOut (nobody was logged in)', async () => {
    const loggedOut: unknown[] = [];
    const { session, refresh, status } = start({ checkSession: true, onLoggedOut: (r) => loggedOut.push(r) });
    const token = session.getAccessToken();
    (await refresh.next()).reject(new SessionError('rejected', 'no session cookie', { status: 401 }));
    await expect(token).rejects.toMatchObject({ kind: 'logged-out' });
    expect(session.getSnapshot().error).toBeNull(); // not an error to show: there was no session
    expect(status()).toBe('loggedOut');
    expect(loggedOut).toEqual([]);
  });

  it('checkSession on a network failure: refreshFailed, and the next request (or refresh()) asks again', async () => {
    const { session, refresh, status } = start({ checkSession: true });
    (await refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(status()).toBe('refreshFailed');
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'network' }); // cooling down
    await vi.advanceTimersByTimeAsync(1_000);
    const again = session.getAccessToken(); // the next request: check again
    expect(status()).toBe('restoring');
    (await refresh.nth(2)).reject(new SessionError('network', 'still offline'));
    await expect(again).rejects.toMatchObject({ kind: 'network' });
    const third = session.refresh(); // REFRESH: check again, cooling down or not
    (await refresh.nth(3)).resolve(pair(3));
    await expect(third).resolves.toBe(pair(3).accessToken);
    session.logout();
    expect(status()).toBe('loggedOut');
    session.logout(); // nothing left to end
    expect(status()).toBe('loggedOut');
  });

  it('checkSession after an asynchronous storage that holds nothing, fails, or never answers', async () => {
    const empty = start({ checkSession: true, storage: { load: async () => null, save: () => {}, clear: () => {} } });
    await flush();
    expect(empty.status()).toBe('restoring');
    expect(empty.refresh.calls).toHaveLength(1);

    const failing = start({ checkSession: true, storage: { load: async () => Promise.reject(new Error('disk')), save: () => {}, clear: () => {} } });
    await flush();
    expect(failing.refresh.calls).toHaveLength(1);

    // a storage that never answers: the check cannot re-read it either, and fails after its own bound
    const hung = start({ checkSession: true, refreshTimeout: 1_000, onWarning: () => {}, storage: { load: () => new Promise(() => {}), save: () => {}, clear: () => {} } });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(hung.status()).toBe('restoring');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(hung.session.getSnapshot()).toMatchObject({ status: 'refreshFailed', error: { kind: 'timeout' } });
    expect(hung.refresh.calls).toHaveLength(0);
  });

  it('a storage that never answers: loggedOut after refreshTimeout, with a warning', async () => {
    const warnings: string[] = [];
    const { status } = start({ refreshTimeout: 1_000, onWarning: (m) => warnings.push(m), storage: { load: () => new Promise(() => {}), save: () => {}, clear: () => {} } });
    await vi.advanceTimersByTimeAsync(999);
    expect(status()).toBe('restoring');
    await vi.advanceTimersByTimeAsync(1);
    expect(status()).toBe('loggedOut');
    expect(warnings).toEqual([expect.stringMatching(/did not answer within 1000 ms/)]);
  });

  it('refresh() while loading, then the storage holds nothing, fails, or checkSession follows', async () => {
    for (const load of [async () => null, async () => Promise.reject(new Error('disk'))]) {
      const plain = start({ storage: { load, save: () => {}, clear: () => {} } });
      const r = plain.session.refresh();
      await expect(r).rejects.toMatchObject({ kind: 'logged-out' });
      expect(plain.status()).toBe('loggedOut');
      const checked = start({ checkSession: true, storage: { load, save: () => {}, clear: () => {} } });
      void checked.session.refresh().catch(() => {});
      await flush();
      expect(checked.status()).toBe('restoring');
      expect(checked.refresh.calls).toHaveLength(1);
    }
  });
});

describe('tokens arriving', () => {
  it('a login whose access token already expired refreshes at once (a tab that slept, old tokens)', async () => {
    const { session, refresh, status } = start();
    session.login({ ...pair(1), expiresAt: Date.now() - 1_000 });
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    await expect(session.getAccessToken()).resolves.toBe(pair(2).accessToken);
  });

  it('a login inside the lead time starts in expiringSoon, with the refresh in the background', async () => {
    const { session, refresh, status } = start({ lead: 60_000 });
    session.login({ ...pair(1), expiresAt: Date.now() + 30_000 });
    expect(status()).toBe('expiringSoon');
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
    expect((await refresh.next()).refreshToken).toBe(pair(1).refreshToken);
  });

  it('WAKE re-reads the clock: authenticated → expiringSoon, expiringSoon → refreshing', async () => {
    const wakes: Array<(reason: 'visible') => void> = [];
    const { session, status } = start({ lead: 60_000, wake: (notify) => (wakes.push(notify), () => {}) });
    session.login(pair(1, 300));
    vi.setSystemTime(Date.now() + 250_000); // the timers slept
    wakes[0]?.('visible');
    expect(status()).toBe('expiringSoon');
    vi.setSystemTime(Date.now() + 60_000);
    wakes[0]?.('visible');
    expect(status()).toBe('refreshing');
  });

  it('a refresh answer that comes after its attempt gave up is still applied (rotation is never lost)', async () => {
    const { session, refresh, status } = start({ refreshTimeout: 1_000 });
    session.login(pair(1));
    const token = session.refresh().catch((error: unknown) => error);
    const call = await refresh.next();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(token).resolves.toMatchObject({ kind: 'timeout' });
    expect(status()).toBe('refreshFailed');
    call.resolve(pair(2));
    await flush();
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(2).accessToken });
  });
});

describe('the refresh attempt, step by step', () => {
  it('backs off after a transient failure, then tries again', async () => {
    const { session, refresh } = start({ retry: { attempts: 1, backoff: () => 2_000 } });
    session.login(pair(1));
    const token = session.refresh();
    (await refresh.next()).reject(new SessionError('http', 'bad gateway', { status: 502 }));
    await flush();
    expect(session.actor.getSnapshot().matches({ session: { renewing: { attempt: 'backingOff' } } })).toBe(true);
    expect(session.actor.getSnapshot().context.retryAt).toBe(Date.now() + 2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    (await refresh.nth(2)).resolve(pair(2));
    await expect(token).resolves.toBe(pair(2).accessToken);
  });

  it('shows that it waits for another tab holding the lock', async () => {
    let grant!: () => void;
    const lock: RefreshLock = {
      withLock: (fn, opts) => {
        opts?.onWait?.();
        return new Promise((resolve) => (grant = () => resolve(fn({ contended: false }))));
      },
    };
    const { session, refresh } = start({ lock });
    session.login(pair(1));
    const token = session.refresh();
    await flush();
    expect(session.actor.getSnapshot().matches({ session: { renewing: { attempt: { running: 'waitingForLock' } } } })).toBe(true);
    grant();
    (await refresh.next()).resolve(pair(2));
    await expect(token).resolves.toBe(pair(2).accessToken);
  });

  it('never sends a refresh the refresh token cannot win: past its expiry the session ends', async () => {
    const loggedOut: unknown[] = [];
    const { session, refresh, status } = start({ onLoggedOut: (r) => loggedOut.push(r), endingWarning: 0 });
    session.login({ ...pair(1, 300), refreshExpiresIn: 100 });
    // the lifetime region ends it at the refresh token's expiry
    await vi.advanceTimersByTimeAsync(99_999);
    expect(status()).toBe('authenticated');
    await vi.advanceTimersByTimeAsync(2);
    expect(status()).toBe('loggedOut');
    expect(refresh.calls).toHaveLength(0);
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'session-expired' })]);
  });
});

describe('clocks that jumped', () => {
  it('refreshFailed, then the clock passes the expiry: the next request refreshes and waits', async () => {
    const { session, refresh, status } = start();
    session.login(pair(1, 300));
    void session.refresh().catch(() => {});
    (await refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(status()).toBe('refreshFailed');
    vi.setSystemTime(Date.now() + 400_000);
    const token = session.getAccessToken();
    expect(status()).toBe('refreshing');
    (await refresh.nth(2)).resolve(pair(2));
    await expect(token).resolves.toBe(pair(2).accessToken);
  });

  it('a clock that passed the refresh token\'s expiry: the next request ends the session at once, without a refresh', async () => {
    const loggedOut: unknown[] = [];
    const { session, refresh, status } = start({ onLoggedOut: (r) => loggedOut.push(r) });
    session.login({ ...pair(1, 300), refreshExpiresIn: 200 });
    vi.setSystemTime(Date.now() + 400_000); // the timers slept through both expiries
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'session-expired' });
    expect(status()).toBe('loggedOut');
    expect(refresh.calls).toHaveLength(0);
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'session-expired' })]);
  });

  it('a 401 that arrives after the refresh token expired, before the end was noticed: no request, the session ends', async () => {
    const { session, refresh, status } = start();
    session.login({ ...pair(1, 300), refreshExpiresIn: 200 });
    vi.setSystemTime(Date.now() + 200_000); // the end's timer has not fired yet
    await expect(session.tokenRejected(pair(1).accessToken)).rejects.toMatchObject({ kind: 'session-expired' });
    expect(status()).toBe('loggedOut');
    expect(refresh.calls).toHaveLength(0);
  });
});

describe('lifetime', () => {
  it('idle: warning endingWarning ms before the end, activity brings it back, then the end without activity', async () => {
    const loggedOut: unknown[] = [];
    const { session, status } = start({ idleTimeout: 15 * 60_000, endingWarning: 60_000, onLoggedOut: (r) => loggedOut.push(r) });
    session.login(pair(1, 3_600));
    await vi.advanceTimersByTimeAsync(14 * 60_000 - 1);
    expect(session.getSnapshot().ending).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(session.getSnapshot().ending).toEqual({ reason: 'idle', at: Date.now() + 60_000 });
    session.touch();
    expect(session.getSnapshot().ending).toBeNull();
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(status()).toBe('loggedOut');
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'idle-timeout' })]);
  });

  it('activity after the end has passed (a laptop that slept) ends the session, in active and in ending', () => {
    const active = start({ idleTimeout: 15 * 60_000, endingWarning: 60_000 });
    active.session.login(pair(1, 3_600));
    vi.setSystemTime(Date.now() + 20 * 60_000); // no timer ran
    active.session.touch();
    expect(active.session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'idle-timeout' } });

    const ending = start({ maxSessionAge: 60_000, endingWarning: 60_000 });
    ending.session.login(pair(1, 3_600));
    expect(ending.session.getSnapshot().ending).toMatchObject({ reason: 'max-age' });
    vi.setSystemTime(Date.now() + 90_000);
    ending.session.touch();
    expect(ending.session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
  });

  it('while the warning shows, pointer activity does not answer it; touch() does', () => {
    let poke = () => {};
    const { session } = start({ idleTimeout: 60_000, endingWarning: 60_000, activity: (notify) => ((poke = notify), () => {}) });
    session.login(pair(1, 3_600));
    expect(session.getSnapshot().ending).toMatchObject({ reason: 'idle' });
    poke();
    expect(session.getSnapshot().ending).toMatchObject({ reason: 'idle' });
    session.touch();
    expect(session.getSnapshot().ending).toMatchObject({ reason: 'idle', at: Date.now() + 60_000 });
  });

  it('a session already past its warning when it arrives goes straight to ending', () => {
    const { session } = start({ maxSessionAge: 60_000, endingWarning: 60_000 });
    session.login(pair(1, 3_600));
    expect(session.getSnapshot().ending).toEqual({ reason: 'max-age', at: Date.now() + 60_000 });
  });
});

describe('other tabs', () => {
  it('a logout in another tab ends this login here, without a second revocation', async () => {
    const tabs = handSync();
    const revoked: string[] = [];
    const { session, status } = start({ sync: tabs.sync, revoke: async ({ refreshToken }) => void revoked.push(String(refreshToken)) });
    session.login(pair(1));
    const loginId = (tabs.published[0] as { tokens: { loginId: string } }).tokens.loginId;
    tabs.deliver({ type: 'logout', loginId: 'an-older-login' });
    expect(status()).toBe('authenticated');
    tabs.deliver({ type: 'logout', loginId });
    expect(status()).toBe('loggedOut');
    await flush();
    expect(revoked).toEqual([]);
  });
});

describe('a caller asks (TOKEN_REQUESTED): the state answers', () => {
  it('loggedOut: the error; authenticated: the token', async () => {
    const { session } = start();
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'logged-out' });
    session.login(pair(1));
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
  });

  it('expiringSoon, the token expired by the caller\'s clock before its timer fired: a wait for the refresh in flight', async () => {
    const { session, refresh, status } = start({ lead: 60_000 });
    session.login(pair(1, 300));
    await vi.advanceTimersByTimeAsync(240_000);
    expect(status()).toBe('expiringSoon');
    vi.setSystemTime(Date.now() + 61_000); // no timer ran
    const token = session.getAccessToken();
    expect(status()).toBe('refreshing');
    (await refresh.next()).resolve(pair(2));
    await expect(token).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(1);
  });

  it('expiringSoon and refreshFailed past the session\'s end: the session ends, the caller gets why', async () => {
    const soon = start({ lead: 60_000, maxSessionAge: 250_000, endingWarning: 0 });
    soon.session.login(pair(1, 300));
    await vi.advanceTimersByTimeAsync(240_000);
    expect(soon.status()).toBe('expiringSoon');
    vi.setSystemTime(Date.now() + 20_000); // past the maximum age; no timer ran
    await expect(soon.session.getAccessToken()).rejects.toMatchObject({ kind: 'session-expired' });
    expect(soon.status()).toBe('loggedOut');

    const failed = start({ maxSessionAge: 250_000, endingWarning: 0 });
    failed.session.login(pair(1, 300));
    void failed.session.refresh().catch(() => {});
    (await failed.refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(failed.status()).toBe('refreshFailed');
    vi.setSystemTime(Date.now() + 260_000);
    await expect(failed.session.getAccessToken()).rejects.toMatchObject({ kind: 'session-expired' });
    expect(failed.status()).toBe('loggedOut');
    expect(failed.refresh.calls).toHaveLength(1);
  });
});

describe('WAKE re-reads the clock', () => {
  it('authenticated past the expiry: refreshing; refreshFailed past the expiry: refreshing; refreshFailed without tokens: checks the session again', async () => {
    let wake: (reason: 'visible') => void = () => {};
    const wiring = { wake: (notify: (reason: 'visible') => void) => ((wake = notify), () => {}) };
    const a = start(wiring);
    a.session.login(pair(1, 300));
    vi.setSystemTime(Date.now() + 301_000);
    wake('visible');
    expect(a.status()).toBe('refreshing');
    (await a.refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(a.status()).toBe('refreshFailed');
    wake('visible'); // the cooldown is still on: nothing
    expect(a.status()).toBe('refreshFailed');
    await vi.advanceTimersByTimeAsync(1_000);
    wake('visible');
    expect(a.status()).toBe('refreshing');
    a.session.stop();

    const b = start({ ...wiring, checkSession: true });
    (await b.refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    expect(b.status()).toBe('refreshFailed');
    await vi.advanceTimersByTimeAsync(1_000);
    wake('visible');
    expect(b.status()).toBe('restoring');
    expect((await b.refresh.nth(2)).refreshToken).toBeUndefined();
  });

  it('past an idle end the timers slept through: the wake-up ends the session', () => {
    let wake: (reason: 'focus') => void = () => {};
    const { session } = start({ idleTimeout: 60_000, endingWarning: 10_000, wake: (notify) => ((wake = notify), () => {}) });
    session.login(pair(1, 3_600));
    vi.setSystemTime(Date.now() + 120_000);
    wake('focus');
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'idle-timeout' } });
  });
});

describe('the refresh attempt\'s own safety net', () => {
  it('a refresh started (actor.send) past the refresh token\'s expiry is not sent: the session ends with session-expired', async () => {
    const { session, refresh, status } = start({ endingWarning: 0 });
    session.login({ ...pair(1, 3_600), refreshExpiresIn: 100 });
    vi.setSystemTime(Date.now() + 200_000); // the end's timer has not fired
    session.actor.send({ type: 'REFRESH' });
    await flush();
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    expect(refresh.calls).toHaveLength(0);
  });
});

describe('storing: the write is the state\'s work, a skipped write its own outcome', () => {
  /** A lock another tab holds until the test lets go, after `meanwhile` ran (another tab's work). */
  function heldLock(meanwhile: () => void): RefreshLock {
    return {
      async withLock(fn, opts) {
        opts?.onWait?.();
        await flush();
        meanwhile();
        return fn({ contended: true });
      },
    };
  }
  const otherLogin = () => ({ ...pair('other'), expiresAt: Date.now() + 300_000, loginId: 'login-other', loginAt: Date.now() });

  it('checkSession: another tab logged in while this one waited for the lock: its tokens, no request', async () => {
    const storage = memoryStorage();
    const { session, refresh, status } = start({ checkSession: true, storage, lock: heldLock(() => storage.save(otherLogin())) });
    await expect(session.getAccessToken()).resolves.toBe(pair('other').accessToken);
    expect(status()).toBe('authenticated');
    expect(refresh.calls).toHaveLength(0);
  });

  it('a renewal: another tab refreshed while this one waited for the lock: its tokens, no request', async () => {
    const storage = memoryStorage();
    let other = () => {};
    const { session, refresh } = start({ storage, lock: heldLock(() => other()) });
    session.login(pair(1));
    const { loginId, loginAt } = storage.load() as { loginId: string; loginAt: number };
    other = () => storage.save({ ...pair(2), expiresAt: Date.now() + 600_000, loginId, loginAt });
    await expect(session.refresh()).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(0);
  });

  it('checkSession and a renewal: a newer login stored while the request was out: the write is skipped, that login used', async () => {
    const storage = memoryStorage();
    const checked = start({ checkSession: true, storage });
    const asked = checked.session.getAccessToken();
    const call = await checked.refresh.next();
    vi.advanceTimersByTime(10);
    storage.save(otherLogin());
    call.resolve(pair('cookie'));
    await expect(asked).resolves.toBe(pair('other').accessToken);
    expect(storage.load()).toMatchObject({ accessToken: pair('other').accessToken });

    const shared = memoryStorage();
    const renewing = start({ storage: shared });
    renewing.session.login(pair(1));
    const renewed = renewing.session.refresh();
    const out = await renewing.refresh.next();
    vi.advanceTimersByTime(10);
    shared.save(otherLogin());
    out.resolve(pair(2));
    await expect(renewed).resolves.toBe(pair('other').accessToken);
    expect(shared.load()).toMatchObject({ accessToken: pair('other').accessToken });
  });

  it('a storeAnswer that fails (an implementation other than the session\'s, which never does): refreshFailed with its error', async () => {
    const tokens = { accessToken: 'answer-access-abcdefgh', refreshToken: 'answer-refresh-abcdefgh', expiresAt: Date.now() + 300_000, lifetime: 300_000, claims: null, refreshExpiresAt: null, login: null };
    const machine = sessionMachine.provide({
      actors: {
        refreshAttempt: fromCallback(({ sendBack }) => {
          sendBack({ type: 'REQUEST_SENT' });
          sendBack({ type: 'ANSWER_RECEIVED', tokens });
        }),
        storeAnswer: fromPromise(async () => Promise.reject(new Error('disk gone'))),
      },
    });
    for (const checkSession of [false, true]) {
      const config = { now: () => Date.now(), leadTime: 60_000, retries: 0, backoff: () => 0, restoreTimeout: 1_000, checkSession, idleTimeout: null, maxSessionAge: null, endingWarning: 0, cooldown: () => 1_000 };
      const stored = checkSession ? null : { ...tokens, accessToken: 'stored-access-abcdefgh', expiresAt: Date.now() - 1 };
      const actor = createActor(machine, { input: { tokens: stored, loadsAsync: false, config }, inspect: recorder.inspect }).start();
      await flush();
      expect(actor.getSnapshot().matches({ session: 'refreshFailed' })).toBe(true);
      expect(actor.getSnapshot().context.error).toMatchObject({ message: expect.stringMatching(/disk gone/) });
      actor.stop();
    }
  });
});

describe('backoff across cycles: the schedule every tab keeps to (rule 15)', () => {
  /** Two tabs of one login over one storage (no lock, no messages: storage alone carries the schedule). */
  async function twoTabs(retries: number) {
    const storage = memoryStorage();
    const a = start({ storage, retry: { attempts: retries, backoff: () => 5_000 } });
    a.session.login(pair(1));
    vi.advanceTimersByTime(10);
    const b = start({ storage, retry: { attempts: retries, backoff: () => 5_000 } });
    expect(b.session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    vi.advanceTimersByTime(10);
    void a.session.tokenRejected(pair(1).accessToken).catch(() => {});
    (await a.refresh.next()).reject(new SessionError('http', 'unavailable', { status: 503 }));
    await flush();
    return { a, b, storage };
  }

  it('a tab whose refresh finds another tab\'s failed cycle in storage cools down with it, sending nothing', async () => {
    const { a, b } = await twoTabs(0);
    expect(a.status()).toBe('refreshFailed');
    const asked = b.session.tokenRejected(pair(1).accessToken);
    await expect(asked).rejects.toMatchObject({ kind: 'http', status: 503 });
    expect(b.session.getSnapshot()).toMatchObject({ status: 'refreshFailed', retryAt: a.session.getSnapshot().retryAt });
    expect(b.refresh.calls).toHaveLength(0);
  });

  it('a tab whose refresh finds another tab\'s retry scheduled waits for it (backingOff), then tries', async () => {
    const { a, b } = await twoTabs(1);
    expect(a.session.actor.getSnapshot().matches({ session: { renewing: { attempt: 'backingOff' } } })).toBe(true);
    const asked = b.session.tokenRejected(pair(1).accessToken);
    await flush();
    expect(b.session.actor.getSnapshot().matches({ session: { renewing: { attempt: 'backingOff' } } })).toBe(true);
    expect(b.refresh.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5_000);
    // both try at the scheduled time (without a lock, each sends its own request)
    (await a.refresh.nth(2)).resolve(pair(2));
    (await b.refresh.next()).resolve(pair(3));
    // b's answer came second: a stored its own first, which b's write does not overwrite (storedElsewhere)
    await expect(asked).resolves.toBe(pair(2).accessToken);
    expect([a.refresh.calls.length, b.refresh.calls.length]).toEqual([2, 1]);
  });

  it('focus after the cooldown tries again, without forgetting the failures; online forgets them', async () => {
    let wake: (reason: 'focus' | 'online') => void = () => {};
    const { session, refresh, status } = start({ wake: (notify) => ((wake = notify), () => {}) });
    session.login(pair(1));
    void session.refresh().catch(() => {});
    (await refresh.next()).reject(new SessionError('network', 'offline'));
    await flush();
    wake('focus'); // cooling down: holds
    expect(status()).toBe('refreshFailed');
    await vi.advanceTimersByTimeAsync(1_000);
    wake('focus');
    expect(status()).toBe('expiringSoon');
    (await refresh.nth(2)).reject(new SessionError('network', 'offline'));
    await flush();
    expect(session.actor.getSnapshot().context.failures).toBe(2);
    wake('online');
    expect(session.actor.getSnapshot().context.failures).toBe(0);
    (await refresh.nth(3)).resolve(pair(2));
    await flush();
    expect(status()).toBe('authenticated');
  });

});

afterAll(() => {
  const { edges } = machineGraph(sessionMachine);
  const missed = edges.filter((e) => !recorder.taken.has(e.id)).map((e) => e.id);
  // Reported as a test failure, not a thrown hook error, so the message names the edges.
  expect(missed, `transitions never exercised: ${missed.join(', ')}`).toEqual([]);
});
