// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMachine } from 'xstate';
import { createSession, machineGraph, SessionError, sessionMachine, type RefreshLock } from '../../src/index.js';
import { SessionStatechart } from '../../src/devtools.js';
import { pair, scriptedRefresh } from '../helpers/refreshStub.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const ACCESS = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.whole-token-must-not-show-W1X2';
const REFRESH = 'refresh-token-must-not-show-R9S8';

function start() {
  const refresh = scriptedRefresh();
  const session = createSession({ refresh: refresh.fn, wake: false, retry: { attempts: 0 } });
  return { session, refresh };
}

const current = (container: HTMLElement) => [...container.querySelectorAll('[aria-current]')].map((e) => e.getAttribute('data-state'));

describe('SessionStatechart', () => {
  it('draws every state of the machine, read from its definition', () => {
    const { session } = start();
    const { container } = render(<SessionStatechart session={session} />);
    const drawn = [...container.querySelectorAll('[data-state]')].map((e) => e.getAttribute('data-state'));
    for (const state of machineGraph(sessionMachine).states) expect(drawn).toContain(state.path);
    // a region's own transitions start from its "any state" box
    expect(drawn).toContain('session.*');
    // every transition of the machine is drawn, those between the same two states merged into one arrow
    const arrows = [...container.querySelectorAll('[data-transition]')].map((e) => e.getAttribute('data-transition'));
    const { edges } = machineGraph(sessionMachine);
    for (const e of edges) {
      const from = e.source === 'session' || e.source === 'lifetime' ? `${e.source}.*` : e.source;
      expect(arrows, `${e.source} -> ${e.target}`).toContain(`${from}->${e.target}`);
    }
    expect(arrows).toContain('session.authenticated->session.renewing');
    expect(arrows).toContain('session.*->session.loggedOut');
    expect(container.textContent).toContain('TOKEN_REQUESTED [rejectsCurrent | else]'); // one line per event, its guards in order
    expect(container.textContent).toContain('LEAD_TIME_REACHED');
    session.stop();
  });

  it('marks exactly the active state, following the session', async () => {
    const { session, refresh } = start();
    const { container } = render(<SessionStatechart session={session} />);
    expect(current(container)).toEqual(['session.loggedOut', 'lifetime.unbounded']);
    act(() => session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 }));
    expect(current(container)).toEqual(['session.authenticated', 'lifetime.unbounded']);
    let pending: Promise<unknown> = Promise.resolve();
    act(() => {
      pending = session.refresh().catch(() => {});
    });
    // taking the lock and re-reading storage first, then the request
    expect(current(container)).toEqual(['session.renewing.token.refreshing', 'session.renewing.attempt.running.preparing', 'lifetime.unbounded']);
    expect(container.querySelector('[data-state="session.renewing"]')?.getAttribute('data-active')).toBe('true');
    let call!: Awaited<ReturnType<typeof refresh.next>>;
    await act(async () => {
      call = await refresh.next();
    });
    expect(current(container)).toEqual(['session.renewing.token.refreshing', 'session.renewing.attempt.running.requesting', 'lifetime.unbounded']);
    expect(screen.getByTestId('ss-refresh').textContent).toBe('in flight (attempt 1 of 1)');
    await act(async () => {
      call.reject(new SessionError('network', 'offline'));
      await pending;
    });
    expect(current(container)).toEqual(['session.refreshFailed.coolingDown', 'lifetime.unbounded']);
    expect(screen.getByTestId('ss-error').textContent).toBe('network: offline');
    session.stop();
  });

  it('never shows a token whole, only its last four characters', async () => {
    const { session } = start();
    const { container } = render(<SessionStatechart session={session} />);
    act(() => session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 }));
    act(() => void session.tokenRejected(ACCESS).catch(() => {}));
    const html = container.innerHTML;
    expect(html).not.toContain(ACCESS);
    expect(html).not.toContain(REFRESH);
    expect(screen.getByTestId('ss-token').textContent).toBe('…W1X2');
    const log = within(screen.getByRole('list', { name: 'Event log' }));
    expect(log.getByText(/LOGIN …W1X2/)).toBeTruthy();
    expect(log.getByText(/TOKEN_REQUESTED \(401 with …W1X2\)/)).toBeTruthy();
    session.stop();
  });

  it('shows the countdown to expiry and the pending callers', () => {
    const { session } = start();
    const clock = Date.now();
    render(<SessionStatechart session={session} now={() => clock} />);
    act(() => session.login({ accessToken: 'opaque-1234', refreshToken: 'r', expiresAt: clock + 42_000, expiresIn: 600 }));
    expect(screen.getByTestId('ss-pending').textContent).toBe('0');
    expect(screen.getByTestId('ss-expiry').textContent).toMatch(/^in 42 s$/);
    act(() => void session.refresh().catch(() => {}));
    act(() => void session.getAccessToken().catch(() => {}));
    expect(screen.getByTestId('ss-pending').textContent).toBe('2');
    session.stop();
  });

  it('is keyboard focusable and labelled for screen readers', () => {
    const { session } = start();
    render(<SessionStatechart session={session} />);
    const states = within(screen.getByRole('list', { name: 'States' })).getAllByRole('listitem');
    expect(states.length).toBeGreaterThanOrEqual(6);
    for (const state of states) expect(state.getAttribute('tabindex')).toBe('0');
    const loggedOut = states.find((s) => s.getAttribute('data-state') === 'session.loggedOut');
    expect(loggedOut?.getAttribute('aria-label')).toMatch(/^loggedOut \(current state\)/);
    session.stop();
  });

  it('draws whatever machine it is given: a state added to the machine shows up', () => {
    const { session } = start();
    const extended = createMachine({
      id: 'extended',
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: { on: { BACK: 'a', ON: 'added' } }, added: {} },
    });
    const { container } = render(<SessionStatechart session={session} machine={extended} diagramOnly />);
    const drawn = [...container.querySelectorAll('[data-state]')].map((e) => e.getAttribute('data-state'));
    expect(drawn).toEqual(expect.arrayContaining(['a', 'b', 'added']));
    session.stop();
  });

  describe('the live panel, as time passes', () => {
    const row = (name: string) => screen.getByTestId(name).textContent;
    /** Moves the (fake) clock and lets timers and promise callbacks run. */
    const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

    it('shows each failed attempt and the countdown to the next try, then the refresh going through', async () => {
      vi.useFakeTimers({ now: Date.parse('2026-03-01T12:00:00Z') });
      const refresh = scriptedRefresh();
      const session = createSession({ refresh: refresh.fn, wake: false, retry: { attempts: 2, backoff: (attempt) => attempt * 600 } });
      render(<SessionStatechart session={session} />);
      act(() => session.login(pair(1)));
      expect(row('ss-refresh')).toBe('—');
      act(() => void session.refresh().catch(() => {}));
      await act(async () => (await refresh.nth(1)).reject(new SessionError('network', 'offline')));
      expect(row('ss-refresh')).toBe('attempt 1 of 3 failed — next try in 0.6 s');
      await advance(600);
      expect(row('ss-refresh')).toBe('in flight (attempt 2 of 3)');
      await act(async () => (await refresh.nth(2)).reject(new SessionError('network', 'offline')));
      expect(row('ss-refresh')).toBe('attempt 2 of 3 failed — next try in 1.2 s');
      await advance(1_000); // the countdown moves with the clock
      expect(row('ss-refresh')).toBe('attempt 2 of 3 failed — next try in 0.2 s');
      await advance(200);
      expect(row('ss-refresh')).toBe('in flight (attempt 3 of 3)');
      await act(async () => (await refresh.nth(3)).resolve(pair(2)));
      expect(row('ss-refresh')).toBe('—');
      expect(row('ss-status')).toBe('authenticated');
      session.stop();
    });

    it('shows the cooldown after failed cycles, counting down to the next try, and its end', async () => {
      vi.useFakeTimers({ now: Date.parse('2026-03-01T12:00:00Z') });
      const refresh = scriptedRefresh();
      const session = createSession({ refresh: refresh.fn, wake: false, retry: { attempts: 0 } });
      render(<SessionStatechart session={session} />);
      act(() => session.login(pair(1)));
      for (const n of [1, 2, 3, 4, 5]) {
        // the first cycle asked for with refresh(), each later one by a caller once the cooldown is
        // over (refresh() would start the count afresh)
        const retryAt = session.getSnapshot().retryAt;
        if (retryAt !== null) await advance(Math.ceil(retryAt - Date.now()));
        act(() => void (retryAt === null ? session.refresh() : session.getAccessToken()).catch(() => {}));
        await act(async () => (await refresh.nth(n)).reject(new SessionError('http', 'unavailable', { status: 503 })));
      }
      const left = () => (session.getSnapshot().retryAt as number) - Date.now(); // 8–16 s at first
      const inSeconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
      expect(left()).toBeGreaterThanOrEqual(8_000);
      expect(row('ss-refresh')).toBe(`cooling down after 5 failed cycles in a row — next try in ${inSeconds(left())}`);
      await advance(3_000);
      expect(row('ss-refresh')).toBe(`cooling down after 5 failed cycles in a row — next try in ${inSeconds(left())}`);
      await advance(16_000);
      expect(row('ss-refresh')).toBe('5 failed cycles in a row — the next request tries again');
      expect(row('ss-status')).toBe('refreshFailed');
      session.stop();
    });

    it('shows a refresh waiting for another tab’s lock', async () => {
      vi.useFakeTimers({ now: Date.parse('2026-03-01T12:00:00Z') });
      let release!: () => void;
      // another tab holds the lock until the test releases it
      const lock: RefreshLock = {
        async withLock(fn, options) {
          options?.onWait?.();
          await new Promise<void>((resolve) => (release = resolve));
          return fn({ contended: true });
        },
      };
      const refresh = scriptedRefresh();
      const session = createSession({ refresh: refresh.fn, lock, wake: false, retry: { attempts: 0 } });
      render(<SessionStatechart session={session} />);
      act(() => session.login(pair(1)));
      act(() => void session.refresh().catch(() => {}));
      expect(row('ss-refresh')).toBe("waiting for another tab's refresh (attempt 1 of 1)");
      expect(refresh.calls).toHaveLength(0);
      act(() => release());
      await advance(1_000); // a tab that waited gives the other's storage write a moment to arrive
      expect(row('ss-refresh')).toBe('in flight (attempt 1 of 1)');
      await act(async () => (await refresh.next()).resolve(pair(2)));
      expect(row('ss-refresh')).toBe('—');
      session.stop();
    });

    it('shows an idle session’s coming end, puts it off on activity, and the logout when it comes', async () => {
      vi.useFakeTimers({ now: Date.parse('2026-03-01T12:00:00Z') });
      const refresh = scriptedRefresh();
      const session = createSession({ refresh: refresh.fn, wake: false, activity: false, idleTimeout: 10 * 60_000, endingWarning: 60_000 });
      render(<SessionStatechart session={session} />);
      act(() => session.login(pair(1, 3600)));
      expect(row('ss-ending')).toBe('—');
      await advance(9 * 60_000);
      expect(row('ss-ending')).toBe('idle, in 60 s');
      await advance(58_800);
      expect(row('ss-ending')).toBe('idle, in 1.2 s');
      act(() => session.touch());
      expect(row('ss-ending')).toBe('—');
      await advance(9 * 60_000 + 1_000);
      expect(row('ss-ending')).toBe('idle, in 59 s');
      await advance(59_000);
      expect(row('ss-status')).toBe('loggedOut');
      expect(row('ss-ending')).toBe('—');
      expect(row('ss-error')).toMatch(/^idle-timeout: /);
      session.stop();
    });
  });
});
