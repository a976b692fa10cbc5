// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { StrictMode, useEffect, version, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, type Session, type SessionStatus, type WakeReason } from '../../src/index.js';
import { SessionProvider, useSession, useSessionSelector } from '../../src/react.js';
import { authServer, jumpClock } from '../helpers/server.js';

afterEach(cleanup);

async function setup(options: { accessTtl?: number; lead?: number } = {}) {
  const clock = jumpClock();
  const server = await authServer({ accessTtl: options.accessTtl ?? 60, now: clock.now });
  let wake: (reason: WakeReason) => void = () => {};
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    now: clock.now,
    refreshLeadTime: options.lead ?? 10_000,
    retry: { attempts: 0 },
    maxRefreshesPerMinute: 50,
    wake: (notify) => ((wake = notify), () => {}),
  });
  return { clock, server, session, wake: (reason: WakeReason = 'visible') => act(() => wake(reason)) };
}

const wrap =
  (session: Session) =>
  ({ children }: { children: ReactNode }) => <SessionProvider session={session}>{children}</SessionProvider>;

async function until(condition: () => boolean, ms = 3_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await act(() => new Promise((r) => setTimeout(r, 10)));
  }
}

/** Counts the session's live subscriptions. */
function countSubscriptions(session: Session) {
  let live = 0;
  const subscribe = session.subscribe.bind(session);
  session.subscribe = (listener) => {
    live++;
    const off = subscribe(listener);
    return () => {
      live--;
      off();
    };
  };
  return () => live;
}

describe('useSession', () => {
  it('runs on the React version its test project names (19, and 18 in the react18 project)', ({ task }) => {
    expect(version.split('.')[0]).toBe(task.file.projectName === 'react18' ? '18' : '19');
  });

  it('follows a whole cycle against the real server: loggedOut → authenticated → expiringSoon → refreshing → authenticated', async () => {
    const { clock, server, session, wake } = await setup({ accessTtl: 60, lead: 10_000 });
    const seen: SessionStatus[] = [];
    function Status() {
      const { status, isAuthenticated, claims } = useSession();
      if (seen.at(-1) !== status) seen.push(status);
      return <p data-testid="status">{`${status} ${String(isAuthenticated)} ${String(claims?.sub ?? '')}`}</p>;
    }
    render(<Status />, { wrapper: wrap(session) });
    expect(screen.getByTestId('status').textContent).toBe('loggedOut false ');

    const tokens = await server.login('alice');
    act(() => session.login(tokens));
    expect(screen.getByTestId('status').textContent).toBe('authenticated true alice');

    server.setFault({ type: 'delay', ms: 400 }, 1); // a slow refresh, so every step can be seen
    clock.advance(51_000); // 9 s left: inside the 10 s lead time
    await wake();
    expect(screen.getByTestId('status').textContent).toMatch(/^expiringSoon true/);
    clock.advance(10_000); // the token expires while the refresh is in flight
    await wake();
    expect(screen.getByTestId('status').textContent).toMatch(/^refreshing true/);
    await until(() => session.getSnapshot().status === 'authenticated');
    expect(seen).toEqual(['loggedOut', 'authenticated', 'expiringSoon', 'refreshing', 'authenticated']);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });

  it('shows refreshFailed with its error kind, then recovers when the user retries', async () => {
    const { server, session } = await setup();
    function Panel() {
      const { status, error, refresh } = useSession();
      return (
        <>
          <p data-testid="status">{status}</p>
          <p data-testid="error">{error?.kind ?? 'none'}</p>
          <button onClick={() => void refresh().catch(() => {})}>retry</button>
        </>
      );
    }
    render(<Panel />, { wrapper: wrap(session) });
    const tokens = await server.login();
    act(() => session.login(tokens));
    server.setFault({ type: 'status', status: 503 }, 1);
    fireEvent.click(screen.getByText('retry'));
    await until(() => screen.getByTestId('status').textContent === 'refreshFailed');
    expect(screen.getByTestId('error').textContent).toBe('http');
    fireEvent.click(screen.getByText('retry'));
    await until(() => screen.getByTestId('status').textContent === 'authenticated');
    expect(screen.getByTestId('error').textContent).toBe('none');
    expect(server.counters.refreshCalls).toBe(2);
    session.stop();
  });

  it('never hands the raw token to components', async () => {
    const { server, session } = await setup();
    const tokens = await server.login();
    session.login(tokens);
    let result: unknown = null;
    function Probe() {
      result = useSession();
      return null;
    }
    render(<Probe />, { wrapper: wrap(session) });
    // Every string reachable from what the hook returns (values, not names), however deep.
    const strings: string[] = [];
    const seen = new Set<unknown>();
    const walk = (value: unknown) => {
      if (typeof value === 'string') strings.push(value);
      if (typeof value !== 'object' || value === null || seen.has(value)) return;
      seen.add(value);
      for (const key of Reflect.ownKeys(value)) walk((value as Record<PropertyKey, unknown>)[key]);
    };
    walk(result);
    expect(strings).toContain('authenticated'); // the walk reaches the values
    expect(strings.filter((s) => s.includes(tokens.accessToken) || s.includes(tokens.refreshToken as string))).toEqual([]);
    // while the session itself does hold the token
    await expect(session.getAccessToken()).resolves.toBe(tokens.accessToken);
    session.stop();
  });

  it('throws a clear error outside a SessionProvider', () => {
    function Orphan() {
      useSession();
      return null;
    }
    const quiet = console.error;
    const swallow = (e: ErrorEvent) => e.preventDefault(); // React 18 reports it to window too
    console.error = () => {};
    window.addEventListener('error', swallow);
    try {
      expect(() => render(<Orphan />)).toThrowError(/useSession\(\) must be used inside <SessionProvider/);
    } finally {
      console.error = quiet;
      window.removeEventListener('error', swallow);
    }
  });
});

describe('useSessionSelector', () => {
  it('does not re-render a component that selects only status when pending or expiresAt change', async () => {
    const { clock, server, session } = await setup();
    let statusRenders = 0;
    let fullRenders = 0;
    function StatusOnly() {
      statusRenders++;
      return <p>{useSessionSelector((s) => s.status)}</p>;
    }
    function Everything() {
      fullRenders++;
      const { pending, expiresAt } = useSession();
      return <p>{`${pending} ${String(expiresAt)}`}</p>;
    }
    render(
      <>
        <StatusOnly />
        <Everything />
      </>,
      { wrapper: wrap(session) },
    );
    const tokens = await server.login();
    act(() => session.login(tokens));
    const counts = () => [statusRenders, fullRenders];
    let before = counts();
    const delta = () => {
      const now = counts();
      const d = [now[0]! - before[0]!, now[1]! - before[1]!];
      before = now;
      return d;
    };

    // only expiresAt changes: a renewed token from a response
    clock.advance(5_000);
    const renewed = await server.issuePair();
    act(() => session.tokensRenewed({ accessToken: renewed.accessToken }));
    expect(session.getSnapshot().accessToken).toBe(renewed.accessToken);
    expect(delta()).toEqual([0, 1]);

    // status changes (and pending becomes 1)
    server.setFault({ type: 'delay', ms: 100 }, 1);
    let first: Promise<string> = Promise.resolve('');
    act(() => {
      first = session.refresh();
    });
    expect(delta()).toEqual([1, 1]);

    // only pending changes
    let second: Promise<string> = Promise.resolve('');
    act(() => {
      second = session.getAccessToken();
    });
    expect(session.getSnapshot().pending).toBe(2);
    expect(delta()).toEqual([0, 1]);

    // status changes back (and pending drops to 0)
    await act(() => Promise.all([first, second]));
    expect(delta()).toEqual([1, 1]);
    session.stop();
  });

  it('keeps the identity of an equal selection (custom isEqual)', async () => {
    const { server, session } = await setup();
    const seen: unknown[] = [];
    function Claims() {
      const claims = useSessionSelector(
        (s) => ({ sub: s.claims?.sub }),
        (a, b) => a.sub === b.sub,
      );
      seen.push(claims);
      return null;
    }
    const tokens = await server.login('bob');
    session.login(tokens);
    render(<Claims />, { wrapper: wrap(session) });
    await act(() => session.refresh());
    // a new token, the same sub: the equal selection keeps its identity
    expect(new Set(seen).size).toBe(1);
    // the control: a live subscription does deliver a selection that changed
    await act(async () => session.login(await server.login('alice')));
    expect(seen.at(-1)).toEqual({ sub: 'alice' });
    expect(new Set(seen).size).toBe(2);
    session.stop();
  });
});

describe('StrictMode', () => {
  it('makes exactly 1 refresh with three components asking at mount, and leaks no subscription', async () => {
    const { clock, server, session } = await setup();
    const live = countSubscriptions(session);
    const tokens = await server.login();
    session.login(tokens);
    clock.advance(61_000); // expired
    const results: string[] = [];
    function Consumer() {
      const { getAccessToken, status } = useSession();
      useEffect(() => {
        void getAccessToken().then((t) => results.push(t));
      }, [getAccessToken]);
      return <p>{status}</p>;
    }
    const view = render(
      <StrictMode>
        <SessionProvider session={session}>
          <Consumer />
          <Consumer />
          <Consumer />
        </SessionProvider>
      </StrictMode>,
    );
    await until(() => results.length === 6); // each effect ran twice under StrictMode
    expect(new Set(results).size).toBe(1);
    expect(server.counters.refreshCalls).toBe(1);
    expect(live()).toBe(3);
    view.unmount();
    expect(live()).toBe(0);
    session.stop();
  });
});
