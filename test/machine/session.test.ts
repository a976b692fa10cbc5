import { describe, expect, it, vi } from 'vitest';
import { createSession, isSessionError, memoryStorage, SessionError, type SessionOptions, type SessionSnapshot } from '../../src/index.js';
import { flush, pair, scriptedRefresh } from '../helpers/refreshStub.js';

function start(extra: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const session = createSession({ refresh: refresh.fn, wake: false, retry: { attempts: 0 }, ...extra });
  return { session, refresh };
}

describe('getAccessToken', () => {
  it('answers at once with the current token, without a refresh', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    await expect(session.getAccessToken()).resolves.toBe(pair(1).accessToken);
    expect(refresh.calls).toHaveLength(0);
  });

  it('rejects with kind logged-out when nobody is logged in', async () => {
    const { session } = start();
    await expect(session.getAccessToken()).rejects.toMatchObject({ name: 'SessionError', kind: 'logged-out' });
    await expect(session.tokenRejected('anything')).rejects.toMatchObject({ kind: 'logged-out' });
    await expect(session.refresh()).rejects.toMatchObject({ kind: 'logged-out' });
  });

  it('queues callers during a refresh and counts them in the snapshot', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    void session.refresh();
    const waiting = Array.from({ length: 25 }, () => session.getAccessToken());
    expect(session.getSnapshot().pending).toBe(26);
    (await refresh.next()).resolve(pair(2));
    expect(new Set(await Promise.all(waiting))).toEqual(new Set([pair(2).accessToken]));
    expect(session.getSnapshot().pending).toBe(0);
    expect(refresh.calls).toHaveLength(1);
  });

  it('drops an aborted caller at once with kind aborted; the others still get the token', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    void session.refresh();
    const controller = new AbortController();
    const aborted = session.getAccessToken({ signal: controller.signal });
    const other = session.getAccessToken();
    expect(session.getSnapshot().pending).toBe(3);
    controller.abort(new Error('user navigated away'));
    await expect(aborted).rejects.toMatchObject({ kind: 'aborted', cause: new Error('user navigated away') });
    expect(session.getSnapshot().pending).toBe(2);
    (await refresh.next()).resolve(pair(2));
    await expect(other).resolves.toBe(pair(2).accessToken);
  });

  it('settles the callers of each refresh with that refresh’s outcome, with or without a signal', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    void session.refresh();
    const first = [session.getAccessToken(), session.getAccessToken({ signal: new AbortController().signal }), session.getAccessToken()];
    (await refresh.next()).resolve(pair(2));
    expect(await Promise.all(first)).toEqual(Array(3).fill(pair(2).accessToken));

    void session.refresh().catch(() => {});
    const second = [session.getAccessToken(), session.getAccessToken({ signal: new AbortController().signal })];
    expect(session.getSnapshot().pending).toBe(3);
    (await refresh.next()).reject(new SessionError('network', 'offline'));
    for (const p of second) await expect(p).rejects.toMatchObject({ kind: 'network' });
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', pending: 0 });

    void session.refresh();
    const third = session.getAccessToken();
    (await refresh.next()).resolve(pair(3));
    await expect(third).resolves.toBe(pair(3).accessToken);
  });

  it('rejects at once for a signal that is already aborted', async () => {
    const { session } = start();
    session.login(pair(1));
    void session.refresh();
    await expect(session.getAccessToken({ signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: 'aborted' });
  });
});

describe('tokenRejected', () => {
  it('answers a stale 401 with the current token and no new refresh', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    void session.refresh();
    (await refresh.next()).resolve(pair(2));
    await flush();
    await expect(session.tokenRejected(pair(1).accessToken)).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(1);
  });

  it('lets a stale 401 that arrives mid-refresh wait for that refresh instead of starting one', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    void session.tokenRejected(pair(1).accessToken);
    const stale = session.tokenRejected('some-older-token');
    (await refresh.next()).resolve(pair(2));
    await expect(stale).resolves.toBe(pair(2).accessToken);
    expect(refresh.calls).toHaveLength(1);
  });

  it('starts exactly one refresh for a burst of 401s carrying the same token', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    const retries = Array.from({ length: 50 }, () => session.tokenRejected(pair(1).accessToken));
    (await refresh.next()).resolve(pair(2));
    expect(new Set(await Promise.all(retries))).toEqual(new Set([pair(2).accessToken]));
    expect(refresh.calls).toHaveLength(1);
  });
});

describe('refresh()', () => {
  it('is single-flight: ten concurrent calls make one request', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    const all = Array.from({ length: 10 }, () => session.refresh());
    (await refresh.next()).resolve(pair(2));
    expect(await Promise.all(all)).toEqual(Array(10).fill(pair(2).accessToken));
    expect(refresh.calls).toHaveLength(1);
    expect(refresh.maxInFlight).toBe(1);
  });

  it('sends the current refresh token, and keeps it when the server does not rotate', async () => {
    const { session, refresh } = start();
    session.login(pair(1));
    void session.refresh();
    const call = await refresh.next();
    expect(call.refreshToken).toBe(pair(1).refreshToken);
    call.resolve({ accessToken: 'new-access-0001', expiresIn: 300 });
    await flush();
    void session.refresh();
    expect((await refresh.next()).refreshToken).toBe(pair(1).refreshToken);
  });
});

describe('login and logout', () => {
  it('refuses unusable tokens with a SessionError and leaves the session as it was', () => {
    const { session } = start();
    session.login(pair(1));
    const before = session.getSnapshot();
    for (const bad of [{}, { accessToken: '' }, { accessToken: 'eyJhbGciOiJIUzI1NiJ9.x!.y' }, null]) {
      expect(() => session.login(bad as never)).toThrowError(expect.objectContaining({ kind: 'invalid-response' }));
    }
    expect(session.getSnapshot()).toBe(before);
  });

  it('fires onLoggedOut once per logout, with a null reason for a user logout', () => {
    const onLoggedOut = vi.fn();
    const { session } = start({ onLoggedOut });
    session.login(pair(1));
    session.logout();
    session.logout();
    expect(onLoggedOut).toHaveBeenCalledTimes(1);
    expect(onLoggedOut).toHaveBeenCalledWith(null);
  });

  it('clears the storage on logout', async () => {
    const storage = memoryStorage();
    const { session } = start({ storage });
    session.login(pair(1));
    expect(storage.load()).toMatchObject({ accessToken: pair(1).accessToken });
    session.logout();
    expect(storage.load()).toBeNull();
  });
});

describe('tokensRenewed (sliding expiration)', () => {
  it('adopts a later-expiring access token and keeps the refresh token', async () => {
    const storage = memoryStorage();
    const { session } = start({ storage });
    session.login(pair(1, 300));
    session.tokensRenewed({ accessToken: 'renewed-token-0001', expiresIn: 600 });
    expect(session.getSnapshot().accessToken).toBe('renewed-token-0001');
    expect(storage.load()).toMatchObject({ accessToken: 'renewed-token-0001', refreshToken: pair(1).refreshToken });
  });

  it('ignores an older token, and anything while logged out', () => {
    const warnings: string[] = [];
    const { session } = start({ onWarning: (m) => warnings.push(m) });
    session.tokensRenewed({ accessToken: 'while-logged-out', expiresIn: 600 });
    expect(session.getSnapshot().status).toBe('loggedOut');
    session.login(pair(1, 300));
    session.tokensRenewed({ accessToken: 'older-token-0001', expiresIn: 100 });
    expect(session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    session.tokensRenewed({ accessToken: 'eyJhbGciOiJIUzI1NiJ9.broken!.jwt-7777' });
    expect(session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('eyJhbGciOiJIUzI1NiJ9.broken!.jwt-7777');
  });
});

describe('snapshots', () => {
  it('returns the same object until something changes, then a new one to every subscriber', async () => {
    const { session, refresh } = start();
    const seen: SessionSnapshot[] = [];
    const unsubscribe = session.subscribe((s) => seen.push(s));
    const first = session.getSnapshot();
    expect(session.getSnapshot()).toBe(first);
    session.login(pair(1));
    expect(session.getSnapshot()).not.toBe(first);
    expect(seen.at(-1)).toBe(session.getSnapshot());
    const stable = session.getSnapshot();
    await session.getAccessToken();
    expect(session.getSnapshot()).toBe(stable);
    void session.refresh();
    (await refresh.next()).resolve(pair(2));
    await flush();
    expect(seen.map((s) => [s.status, s.pending])).toEqual([
      ['authenticated', 0],
      ['refreshing', 0],
      ['refreshing', 1],
      ['authenticated', 0],
    ]);
    unsubscribe();
    session.logout();
    expect(seen).toHaveLength(4);
  });

  it('keeps notifying the other listeners when one throws, and warns', () => {
    const warnings: string[] = [];
    const { session } = start({ onWarning: (m) => warnings.push(m) });
    const good = vi.fn();
    session.subscribe(() => {
      throw new Error('listener bug');
    });
    session.subscribe(good);
    session.login(pair(1));
    expect(good).toHaveBeenCalledTimes(1);
    expect(warnings.join()).toMatch(/listener bug/);
  });
});

describe('stop()', () => {
  it('rejects waiting callers with kind aborted, disconnects wake-up signals and ignores late answers', async () => {
    const disconnect = vi.fn();
    const refresh = scriptedRefresh();
    const session = createSession({ refresh: refresh.fn, wake: () => disconnect });
    session.login(pair(1));
    const waiting = session.refresh();
    const call = await refresh.next();
    session.stop();
    await expect(waiting).rejects.toMatchObject({ kind: 'aborted' });
    expect(call.signal.aborted).toBe(true);
    expect(disconnect).toHaveBeenCalledTimes(1);
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'aborted' });
    expect(() => session.login(pair(3))).not.toThrow();
    expect(session.actor.getSnapshot().status).toBe('stopped');
  });
});

describe('options', () => {
  it.each([
    [{ refresh: 'nope' }, /refresh/],
    [{ refreshTimeout: 0 }, /refreshTimeout/],
    [{ refreshLeadTime: -1 }, /refreshLeadTime/],
    [{ retry: { attempts: -1 } }, /retry\.attempts/],
    [{ maxRefreshesPerMinute: 0 }, /maxRefreshesPerMinute/],
  ])('refuses %o with a TypeError naming the option', (bad, message) => {
    expect(() => createSession({ refresh: async () => pair(1), ...(bad as object) } as SessionOptions)).toThrowError(message);
  });

  it('makes SessionError recognisable across bundles by name and kind', () => {
    const foreign = Object.assign(new Error('x'), { name: 'SessionError', kind: 'network' });
    expect(isSessionError(foreign)).toBe(true);
    expect(isSessionError(new Error('x'))).toBe(false);
    expect(isSessionError(new SessionError('timeout', 'slow'))).toBe(true);
  });
});
