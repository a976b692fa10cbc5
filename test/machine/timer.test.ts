import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession } from '../../src/index.js';
import { after, setDeadline } from '../../src/machine/timer.js';
import { scriptedRefresh } from '../helpers/refreshStub.js';

const DAY = 86_400_000;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('setDeadline', () => {
  it('waits out a 40-day delay instead of firing at once (setTimeout overflows past 2^31-1 ms)', async () => {
    const fired = vi.fn();
    setDeadline(Date.now() + 40 * DAY, () => Date.now(), fired);
    await vi.advanceTimersByTimeAsync(24 * DAY);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(16 * DAY - 1);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never fires before the clock says so, even when the timer runs early', async () => {
    let skew = 0;
    const fired = vi.fn();
    setDeadline(Date.now() + 1_000, () => Date.now() - skew, fired);
    skew = 300; // the clock the deadline is measured on now lags the timers
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(300);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('can be cancelled', async () => {
    const fired = vi.fn();
    const cancel = setDeadline(Date.now() + 10, () => Date.now(), fired);
    cancel();
    await vi.advanceTimersByTimeAsync(100);
    expect(fired).not.toHaveBeenCalled();
  });
});

describe('after', () => {
  it('waits a delay past setTimeout\'s 2^31-1 ms limit to the millisecond, never firing early', async () => {
    const fired = vi.fn();
    after(2 ** 31 + 1_000, fired);
    await vi.advanceTimersByTimeAsync(2 ** 31 + 999);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never fires for Infinity, and not once cancelled', async () => {
    const fired = vi.fn();
    after(Infinity, fired);
    after(10, fired)();
    await vi.advanceTimersByTimeAsync(60 * DAY);
    expect(fired).not.toHaveBeenCalled();
  });
});

describe('a session with a 40-day token', () => {
  it('stays authenticated for 40 days minus the lead time, then refreshes once', async () => {
    const refresh = scriptedRefresh();
    const session = createSession({ refresh: refresh.fn, wake: false });
    session.login({ accessToken: 'long-lived', refreshToken: 'r', expiresIn: 40 * 86_400 });
    await vi.advanceTimersByTimeAsync(30 * DAY);
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(refresh.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10 * DAY - 60_000);
    expect(session.getSnapshot().status).toBe('expiringSoon');
    expect(refresh.calls).toHaveLength(1);
    session.stop();
  });
});
