import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createSession, jsonRefresh, oauthRefresh, SessionError, type SessionOptions } from '../../src/index.js';
import { cooldownAfter, readBackoff } from '../../src/machine/backoff.js';
import { retryAfterMs } from '../../src/machine/retryAfter.js';
import { flush, pair, scriptedRefresh } from '../helpers/refreshStub.js';

// DESIGN rule 15, the pieces: the cooldown schedule, Retry-After read from every source a
// refresh failure comes from (jsonRefresh, oauthRefresh, an HTTP client's error, the app's own
// SessionError), and what resets the backoff. The whole, against the real server and five tabs,
// is test/integration/outage.test.ts.

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function start(extra: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const session = createSession({ refresh: refresh.fn, wake: false, activity: false, retry: { attempts: 0 }, onWarning: () => {}, ...extra });
  onTestFinished(() => session.stop());
  session.login(pair(1, 3_600));
  return { session, refresh, context: () => session.actor.getSnapshot().context };
}

describe('the cooldown after n failed cycles in a row', () => {
  it('is 1 s doubling to a 60 s cap, each jittered into its upper half', () => {
    const low = (n: number) => cooldownAfter(n, () => 0);
    const high = (n: number) => cooldownAfter(n, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 30, 1_000].map(high)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
    expect([1, 2, 7].map(low)).toEqual([500, 1_000, 30_000]);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates (against the response\'s own Date), and ignores the past, garbage and absurd waits', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:01:00 GMT', 'Thu, 01 Jan 2026 00:00:30 GMT')).toBe(30_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:01:00 GMT')).toBe(60_000); // against this clock
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT')).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('-5')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('999999999')).toBe(3_600_000); // at most an hour
  });

  /** A fetch that answers 503 with Retry-After, as a stand-in auth server for the adapters. */
  const unavailable = (retryAfter: string): typeof fetch => async () =>
    new Response(JSON.stringify({ error: 'temporarily_unavailable' }), { status: 503, headers: { 'content-type': 'application/json', 'retry-after': retryAfter } });

  it.each([
    ['jsonRefresh', () => jsonRefresh({ url: 'https://auth.example/refresh', fetch: unavailable('45') })],
    ['oauthRefresh', () => oauthRefresh({ tokenEndpoint: 'https://auth.example/token', clientId: 'spa', fetch: unavailable('45') })],
    ['a custom refresh whose HTTP client (axios) threw', () => async () => Promise.reject(Object.assign(new Error('Request failed with status code 503'), { response: { status: 503, headers: { 'retry-after': '45' } } }))],
    ['a custom refresh whose HTTP client (ky) threw', () => async () => Promise.reject(Object.assign(new Error('Service Unavailable'), { name: 'HTTPError', response: new Response(null, { status: 503, headers: { 'retry-after': '45' } }) }))],
    ['a custom refresh that threw a SessionError with retryAfter', () => async () => Promise.reject(new SessionError('http', 'busy', { status: 503, retryAfter: 45_000 }))],
  ])('%s: the error carries it and the session waits exactly that long before the next refresh', async (_, refresh) => {
    let calls = 0;
    const fn = refresh();
    const session = createSession({ refresh: (ctx) => (calls++, fn(ctx)), wake: false, activity: false, retry: { attempts: 2 }, onWarning: () => {} });
    onTestFinished(() => session.stop());
    session.login(pair(1, 3_600));
    const error = await session.refresh().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'http', status: 503, retryAfter: 45_000 });
    expect(calls).toBe(1); // the server said when: no retry inside the cycle
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', retryAt: Date.now() + 45_000 });
    await vi.advanceTimersByTimeAsync(44_999);
    await session.getAccessToken(); // the still-valid token, no refresh
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await session.getAccessToken(); // the wait is over: the token, and a refresh in the background
    await flush();
    expect(calls).toBe(2);
  });
});

describe('what resets the backoff', () => {
  /**
   * The i-th refresh request fails: the first one asked for with refresh(), each later one the
   * cycle a caller starts once the cooldown is over (refresh() would reset the count).
   */
  async function failCycle(s: ReturnType<typeof start>, i: number) {
    const retryAt = s.session.getSnapshot().retryAt;
    if (retryAt !== null) await vi.advanceTimersByTimeAsync(Math.max(0, Math.ceil(retryAt - Date.now())));
    if (s.refresh.calls.length < i) void (retryAt === null ? s.session.refresh() : s.session.getAccessToken()).catch(() => {});
    (await s.refresh.nth(i)).reject(new SessionError('network', 'offline'));
    await flush();
  }
  async function failTimes(n: number) {
    const s = start();
    for (let i = 1; i <= n; i++) await failCycle(s, i);
    expect(s.context().failures).toBe(n);
    return s;
  }

  it('a success: the next failure waits 1 s again, not 8', async () => {
    const { session, refresh, context } = await failTimes(3);
    const ok = session.refresh();
    (await refresh.nth(4)).resolve(pair(2, 3_600));
    await ok;
    expect(context().failures).toBe(0);
    const failed = session.refresh().catch(() => {});
    (await refresh.nth(5)).reject(new SessionError('network', 'offline'));
    await failed;
    expect((session.getSnapshot().retryAt as number) - Date.now()).toBeLessThanOrEqual(1_000);
  });

  it('refresh(), and a failure after it: the next try waits 1 s again, not the cooldown of the 5th failed cycle (the schedule stored before the reset is not adopted)', async () => {
    const { session, refresh, context } = await failTimes(4);
    const failed = session.refresh().catch(() => {});
    (await refresh.nth(5)).reject(new SessionError('network', 'offline'));
    await failed;
    expect(context().failures).toBe(1);
    expect((session.getSnapshot().retryAt as number) - Date.now()).toBeLessThanOrEqual(1_000);
  });

  it.each(['online', 'visible after the wait'] as const)('%s, and a failure after it: the next try waits 1 s again', async (what) => {
    let wake: (reason: 'online' | 'visible' | 'focus') => void = () => {};
    const s = start({ wake: (notify) => ((wake = notify), () => {}) });
    for (let i = 1; i <= 4; i++) await failCycle(s, i);
    expect(s.context().failures).toBe(4);
    if (what === 'online') wake('online');
    else {
      await vi.advanceTimersByTimeAsync(Math.ceil((s.session.getSnapshot().retryAt as number) - Date.now()));
      wake('visible');
    }
    // the wake-up makes a new attempt at once
    (await s.refresh.nth(5)).reject(new SessionError('network', 'offline'));
    await flush();
    expect(s.context().failures).toBe(1);
    expect((s.session.getSnapshot().retryAt as number) - Date.now()).toBeLessThanOrEqual(1_000);
  });

  it('a login', async () => {
    const { session, context } = await failTimes(3);
    session.login(pair('next', 3_600));
    expect(context().failures).toBe(0);
    expect(session.getSnapshot().retryAt).toBeNull();
  });

  it('refresh() sends at once, cooling down or not', async () => {
    const { session, refresh } = await failTimes(4); // a cooldown of 4–8 s
    expect((session.getSnapshot().retryAt as number) - Date.now()).toBeGreaterThanOrEqual(4_000);
    const now = session.refresh();
    (await refresh.nth(5)).resolve(pair(2, 3_600));
    await expect(now).resolves.toBe(pair(2).accessToken);
  });

  it('online and visible after the wait reset it; focus, and visible during the wait, do not', async () => {
    let wake: (reason: 'online' | 'visible' | 'focus') => void = () => {};
    const s = start({ wake: (notify) => ((wake = notify), () => {}) });
    const fail = (n: number) => failCycle(s, n);
    await fail(1);
    await fail(2);
    wake('visible'); // during the wait: the schedule holds
    wake('focus');
    expect(s.context().failures).toBe(2);
    expect(s.refresh.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_000);
    wake('visible'); // after the wait (a page back from a sleep): afresh, and a new attempt
    expect(s.context().failures).toBe(0);
    await fail(3);
    await fail(4);
    wake('online'); // at once, even during the wait
    expect(s.context().failures).toBe(0);
    expect(s.session.getSnapshot().status).toBe('expiringSoon');
    (await s.refresh.nth(5)).resolve(pair(2, 3_600));
    await flush();
    expect(s.session.getSnapshot().status).toBe('authenticated');
  });
});

describe('a stored schedule is data like any other stored value (rule 10)', () => {
  it('its count of the cycle\'s attempts is read when it is a small whole number, and dropped otherwise (the record stays)', () => {
    const now = Date.now();
    const record = { failures: 0, retryAt: now + 500, at: now, kind: 'network' };
    expect(readBackoff({ ...record, attempts: 2 }, now)?.attempts).toBe(2);
    for (const attempts of ['2', -1, 1.5, 1e9, null]) {
      expect(readBackoff({ ...record, attempts }, now)).toEqual({ failures: 0, retryAt: now + 500, at: now, kind: 'network' });
    }
  });

  it('one that would park refreshes for a day, or claims a time in the future, or is garbage, parks them for at most an hour', async () => {
    const now = Date.now();
    const cases: Array<[string, unknown, number | null]> = [
      ['a day', { failures: 3, retryAt: now + 86_400_000, at: now, kind: 'http', status: 503 }, now + 3_600_000],
      ['written in the future', { failures: 3, retryAt: now + 86_400_000, at: now + 86_000_000, kind: 'http' }, null],
      ['garbage', { failures: 'many', retryAt: 'later' }, null],
      ['an unknown kind', { failures: 1, retryAt: now + 5_000, at: now, kind: 'rejected' }, null],
    ];
    for (const [, backoff, parkedUntil] of cases) {
      let stored: unknown = { ...pair(1, 3_600), expiresAt: now + 3_600_000, loginId: 'l1', loginAt: now, backoff };
      const refresh = scriptedRefresh();
      const session = createSession({
        refresh: refresh.fn,
        storage: { load: () => stored as never, save: (t) => void (stored = t), clear: () => void (stored = null) },
        wake: false,
        activity: false,
        onWarning: () => {},
      });
      onTestFinished(() => session.stop());
      const asked = session.tokenRejected(pair(1).accessToken).catch((e: unknown) => e);
      await flush();
      if (parkedUntil === null) {
        expect((await refresh.next()).refreshToken).toBe(pair(1).refreshToken); // sent: no schedule to keep to
        refresh.last.resolve(pair(2, 3_600));
        await expect(asked).resolves.toBe(pair(2).accessToken);
      } else {
        await expect(asked).resolves.toMatchObject({ kind: 'http', status: 503 });
        expect(session.getSnapshot().retryAt).toBe(parkedUntil);
        expect(refresh.calls).toHaveLength(0);
      }
    }
  });
});
