import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession, memoryStorage, SessionError, type RefreshLock, type SessionOptions, type TokenSet } from '../../src/index.js';
import { flush, pair, scriptedRefresh } from '../helpers/refreshStub.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The login stamp the session stored, as another tab of the same login writes it back. */
function sameLogin(storage: { load(): unknown }) {
  const { loginId, loginAt } = storage.load() as TokenSet;
  return { loginId, loginAt };
}

function start(extra: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const session = createSession({ refresh: refresh.fn, wake: false, ...extra });
  session.login(pair(1));
  return { session, refresh, status: () => session.getSnapshot().status };
}

describe('retries', () => {
  it('retries transient failures with the given backoff, then succeeds', async () => {
    const backoff = vi.fn((attempt: number) => attempt * 1_000);
    const { session, refresh, status } = start({ retry: { attempts: 2, backoff } });
    const token = session.refresh();
    (await refresh.nth(1)).reject(new SessionError('http', 'bad gateway', { status: 502 }));
    await flush();
    expect(refresh.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    (await refresh.nth(2)).reject(new TypeError('fetch failed'));
    await vi.advanceTimersByTimeAsync(2_000);
    (await refresh.nth(3)).resolve(pair(2));
    await expect(token).resolves.toBe(pair(2).accessToken);
    expect(backoff.mock.calls.map(([n]) => n)).toEqual([1, 2]);
    expect(status()).toBe('authenticated');
  });

  it('gives up after the last attempt: refreshFailed with the last error, tokens kept', async () => {
    const { session, refresh, status } = start({ retry: { attempts: 1, backoff: () => 10 } });
    const token = session.refresh();
    (await refresh.nth(1)).reject(new SessionError('http', 'unavailable', { status: 503 }));
    await vi.advanceTimersByTimeAsync(10);
    (await refresh.nth(2)).reject(new SessionError('http', 'too many', { status: 429 }));
    await expect(token).rejects.toMatchObject({ kind: 'http', status: 429 });
    expect(status()).toBe('refreshFailed');
    expect(session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    expect(refresh.calls).toHaveLength(2);
  });

  it('does not retry a definitive rejection', async () => {
    const { session, refresh, status } = start({ retry: { attempts: 3, backoff: () => 0 } });
    const token = session.refresh();
    (await refresh.nth(1)).reject(Object.assign(new Error('Request failed with status code 401'), { response: { status: 401 } }));
    await expect(token).rejects.toMatchObject({ kind: 'rejected', status: 401 });
    expect(status()).toBe('loggedOut');
    expect(refresh.calls).toHaveLength(1);
  });

  it('does not retry an invalid response, and does not log out for one', async () => {
    const { session, refresh, status } = start({ retry: { attempts: 3, backoff: () => 0 } });
    const token = session.refresh();
    (await refresh.nth(1)).resolve({ accessToken: '' });
    await expect(token).rejects.toMatchObject({ kind: 'invalid-response' });
    expect(status()).toBe('refreshFailed');
    expect(refresh.calls).toHaveLength(1);
  });

  it('uses exponential backoff with jitter by default', async () => {
    const { session, refresh } = start({ retry: { attempts: 2 } });
    void session.refresh().catch(() => {});
    (await refresh.nth(1)).reject(new SessionError('network', 'down'));
    await vi.advanceTimersByTimeAsync(249);
    expect(refresh.calls).toHaveLength(1); // first delay is 250–500 ms
    await vi.advanceTimersByTimeAsync(251);
    (await refresh.nth(2)).reject(new SessionError('network', 'down'));
    await vi.advanceTimersByTimeAsync(499);
    expect(refresh.calls).toHaveLength(2); // second delay is 500–1000 ms
    await vi.advanceTimersByTimeAsync(501);
    expect(refresh.calls).toHaveLength(3);
  });
});

describe('timeouts and slow answers', () => {
  it('gives up waiting after refreshTimeout per attempt but never sends a second request meanwhile', async () => {
    const { session, refresh, status } = start({ refreshTimeout: 1_000, retry: { attempts: 2, backoff: () => 100 } });
    const outcome = session.refresh().catch((e: unknown) => e);
    await refresh.nth(1);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(await outcome).toMatchObject({ kind: 'timeout' });
    expect(status()).toBe('refreshFailed');
    expect(refresh.calls).toHaveLength(1);
    expect(refresh.calls[0]?.signal.aborted).toBe(false);
  });

  it('still applies a slow rotation answer that arrives after the session gave up on it', async () => {
    const storage = memoryStorage();
    const { session, refresh, status } = start({ storage, refreshTimeout: 1_000, retry: { attempts: 0 } });
    const outcome = session.refresh().catch((e: unknown) => e);
    const slow = await refresh.nth(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toMatchObject({ kind: 'timeout' });
    slow.resolve(pair(2));
    await flush();
    expect(status()).toBe('authenticated');
    expect(storage.load()).toMatchObject({ accessToken: pair(2).accessToken, refreshToken: pair(2).refreshToken });
  });

  it('lets the next cycle join a slow request that is still young', async () => {
    const { session, refresh } = start({ refreshTimeout: 1_000, retry: { attempts: 0 } });
    void session.refresh().catch(() => {});
    const slow = await refresh.nth(1);
    await vi.advanceTimersByTimeAsync(1_000);
    const again = session.refresh();
    await flush();
    expect(refresh.calls).toHaveLength(1);
    slow.resolve(pair(2));
    await expect(again).resolves.toBe(pair(2).accessToken);
  });

  it('never sends a second request while a slow one is still open, however long it takes', async () => {
    const { session, refresh, status } = start({ refreshTimeout: 1_000, retry: { attempts: 1, backoff: () => 100 } });
    void session.refresh().catch(() => {});
    const slow = await refresh.nth(1);
    await vi.advanceTimersByTimeAsync(60_000);
    for (let i = 0; i < 3; i++) {
      const again = session.refresh().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(await again).toMatchObject({ kind: 'timeout' });
    }
    expect(refresh.calls).toHaveLength(1);
    slow.resolve(pair(2));
    await flush();
    expect(status()).toBe('authenticated');
    expect(session.getSnapshot().accessToken).toBe(pair(2).accessToken);
  });

  it('sends a new request once the previous one has failed', async () => {
    const { session, refresh } = start({ refreshTimeout: 1_000, retry: { attempts: 0 } });
    void session.refresh().catch(() => {});
    (await refresh.nth(1)).reject(new SessionError('network', 'socket hang up'));
    await flush();
    const again = session.refresh();
    (await refresh.nth(2)).resolve(pair(2));
    await expect(again).resolves.toBe(pair(2).accessToken);
  });
});

describe('maxRefreshesPerMinute', () => {
  it('refuses the refresh beyond the limit with kind rate-limited, without a request, until a minute has passed', async () => {
    const { session, refresh, status } = start({ maxRefreshesPerMinute: 2, retry: { attempts: 0 } });
    refresh.answerWith((n) => pair(n + 1));
    await session.refresh();
    await session.refresh();
    await expect(session.refresh()).rejects.toMatchObject({ kind: 'rate-limited' });
    expect(refresh.calls).toHaveLength(2);
    expect(status()).toBe('refreshFailed');
    // the still-valid token keeps serving requests meanwhile
    await expect(session.getAccessToken()).resolves.toBe(pair(3).accessToken);
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(session.refresh()).resolves.toBe(pair(4).accessToken);
    expect(refresh.calls).toHaveLength(3);
  });
});

describe('lock and storage re-read', () => {
  it('runs each attempt inside the lock', async () => {
    const order: string[] = [];
    const storage = memoryStorage();
    const lock: RefreshLock = {
      async withLock(fn) {
        order.push('acquire');
        try {
          return await fn({ contended: false });
        } finally {
          // the next tab to take the lock must already find the new tokens stored
          order.push(`release with ${(storage.load() as TokenSet | null)?.accessToken as string} stored`);
        }
      },
    };
    const { session, refresh } = start({ lock, storage });
    const token = session.refresh();
    (await refresh.nth(1)).resolve(pair(2));
    await token;
    await flush(); // the caller has its token as soon as the chart stored it; the lock goes right after
    expect(order).toEqual(['acquire', `release with ${pair(2).accessToken} stored`]);
  });

  it('gives the other tab’s storage write a moment to arrive after waiting for the lock, then adopts it', async () => {
    const inner = memoryStorage();
    let notify = () => {};
    const storage = {
      ...inner,
      waitForChange: (timeout: number) =>
        new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, timeout);
        }),
    };
    const lock: RefreshLock = { withLock: (fn) => fn({ contended: true }) };
    const { session, refresh } = start({ storage, lock });
    const token = session.refresh();
    await flush();
    // the other tab's write reaches this tab's copy of the storage 300 ms after the lock did
    await vi.advanceTimersByTimeAsync(300);
    inner.save({ ...pair('other-tab'), expiresAt: Date.now() + 600_000, ...sameLogin(inner) });
    notify();
    await expect(token).resolves.toBe(pair('other-tab').accessToken);
    expect(refresh.calls).toHaveLength(0);
  });

  it('refreshes itself when nothing arrives within that moment (the other tab’s refresh failed)', async () => {
    const storage = { ...memoryStorage(), waitForChange: (timeout: number) => new Promise<void>((r) => setTimeout(r, timeout)) };
    const lock: RefreshLock = { withLock: (fn) => fn({ contended: true }) };
    const { session, refresh } = start({ storage, lock });
    const token = session.refresh();
    await vi.advanceTimersByTimeAsync(999);
    expect(refresh.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    (await refresh.nth(1)).resolve(pair(2));
    await expect(token).resolves.toBe(pair(2).accessToken);
  });

  it('adopts tokens another tab stored while this one waited for the lock, without a request', async () => {
    const storage = memoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lock: RefreshLock = { withLock: async (fn) => (await gate, fn({ contended: true })) };
    const { session, refresh } = start({ storage, lock });
    const token = session.refresh();
    // another tab refreshes meanwhile and writes the shared storage
    storage.save({ ...pair('other-tab'), expiresAt: Date.now() + 600_000, ...sameLogin(storage) });
    release();
    await expect(token).resolves.toBe(pair('other-tab').accessToken);
    expect(refresh.calls).toHaveLength(0);
  });

  it('uses the newest stored refresh token when the stored access token has expired too', async () => {
    const storage = memoryStorage();
    const { session, refresh } = start({ storage });
    storage.save({ ...pair('rotated'), expiresAt: Date.now() + 400_000, ...sameLogin(storage) });
    vi.setSystemTime(Date.now() + 500_000);
    void session.getAccessToken();
    expect((await refresh.nth(1)).refreshToken).toBe(pair('rotated').refreshToken);
  });

  it('stops waiting for the lock when the session no longer needs the refresh', async () => {
    let seen: AbortSignal | undefined;
    const lock: RefreshLock = {
      withLock: (_fn, options) =>
        new Promise((_, reject) => {
          seen = options?.signal;
          options?.signal?.addEventListener('abort', () => reject(new SessionError('aborted', 'gave up the lock')));
        }),
    };
    const { session, refresh } = start({ lock });
    const token = session.refresh();
    await flush();
    session.logout();
    await expect(token).rejects.toMatchObject({ kind: 'logged-out' });
    expect(seen?.aborted).toBe(true);
    expect(refresh.calls).toHaveLength(0);
  });
});

describe('the one-request path (issue 21 item 6)', () => {
  it('sends the refresh before the chart takes its REQUEST_SENT step: the request does not wait for the chart', async () => {
    const seen: unknown[] = [];
    let session!: ReturnType<typeof createSession>;
    session = createSession({
      refresh: () => {
        seen.push(session.actor.getSnapshot().value);
        return Promise.resolve(pair(2));
      },
      wake: false,
    });
    session.login(pair(1));
    await expect(session.refresh()).resolves.toBe(pair(2).accessToken);
    expect(seen).toEqual([{ session: { renewing: { token: 'refreshing', attempt: { running: 'preparing' } } }, lifetime: 'unbounded' }]);
  });

  it('a refresh function that throws synchronously still fails the attempt with its error, once', async () => {
    const refresh = vi.fn(() => {
      throw new SessionError('rejected', 'refused at once');
    });
    const session = createSession({ refresh, wake: false, onWarning: () => {} });
    session.login(pair(1));
    await expect(session.refresh()).rejects.toMatchObject({ kind: 'rejected' });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(session.getSnapshot().status).toBe('loggedOut');
  });
});
