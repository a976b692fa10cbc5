// @vitest-environment jsdom
// The React bindings: what a demanding React user relies on (memoized consumers, hydration,
// swapping sessions, the live log), beyond
// useSession.test.tsx / statechart.test.tsx / ssr.test.tsx.
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { memo, startTransition, StrictMode, useState, type ReactNode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSession, SessionError, type Session, type TokenSet } from '../../src/index.js';
import { SessionPanel, SessionStatechart } from '../../src/devtools.js';
import { SessionProvider, useSession, useSessionSelector } from '../../src/react.js';
import { scriptedRefresh } from '../helpers/refreshStub.js';

afterEach(cleanup);

const ACCESS = 'opaque-access-token-that-must-never-show-A1B2';
const ACCESS2 = 'opaque-access-token-number-two-never-show-C3D4';
const REFRESH = 'opaque-refresh-token-must-never-show-R9S8';

function start(extra: Partial<Parameters<typeof createSession>[0]> = {}) {
  const refresh = scriptedRefresh();
  const session = createSession({ refresh: refresh.fn, wake: false, retry: { attempts: 0 }, onWarning: () => {}, ...extra });
  return { session, refresh };
}

const login = (session: Session, accessToken = ACCESS): TokenSet => {
  const tokens = { accessToken, refreshToken: REFRESH, expiresIn: 600 };
  session.login(tokens);
  return tokens;
};

/** Counts the session's live subscriptions (as useSession.test.tsx does). */
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

/** Runs `fn` with console.error captured; returns what was logged. */
async function capturingConsoleError(fn: () => unknown): Promise<string[]> {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await fn();
    return spy.mock.calls.map((c) => c.map(String).join(' '));
  } finally {
    spy.mockRestore();
  }
}

/** Every text node and every attribute value under `root`. */
function everything(root: Element): string {
  const parts: string[] = [root.textContent ?? ''];
  for (const el of [root, ...root.querySelectorAll('*')]) for (const a of el.attributes) parts.push(`${a.name}=${a.value}`);
  return parts.join('\n');
}

describe('useSessionSelector / useSession: provider', () => {
  it('useSessionSelector() outside a provider throws a clear error naming the hook', async () => {
    function Orphan() {
      useSessionSelector((s) => s.status);
      return null;
    }
    const swallow = (e: ErrorEvent) => e.preventDefault();
    window.addEventListener('error', swallow);
    try {
      await capturingConsoleError(() => {
        expect(() => render(<Orphan />)).toThrowError(/useSessionSelector\(\) must be used inside <SessionProvider/);
      });
    } finally {
      window.removeEventListener('error', swallow);
    }
  });

  it('swapping the session prop moves every subscription to the new session and shows its state at once', () => {
    const a = start().session;
    const b = start().session;
    const liveA = countSubscriptions(a);
    const liveB = countSubscriptions(b);
    login(a);
    let renders = 0;
    function Status() {
      renders++;
      const { status } = useSession();
      const sub = useSessionSelector((s) => s.accessToken?.slice(-4) ?? 'none');
      return <p data-testid="s">{`${status} ${sub}`}</p>;
    }
    const view = render(
      <SessionProvider session={a}>
        <Status />
      </SessionProvider>,
    );
    expect(screen.getByTestId('s').textContent).toBe('authenticated A1B2');
    expect(liveA()).toBe(2);
    view.rerender(
      <SessionProvider session={b}>
        <Status />
      </SessionProvider>,
    );
    expect(screen.getByTestId('s').textContent).toBe('loggedOut none');
    expect(liveA()).toBe(0);
    expect(liveB()).toBe(2);
    // the old session no longer drives the component
    const before = renders;
    act(() => void a.logout());
    expect(renders).toBe(before);
    act(() => void login(b, ACCESS2));
    expect(screen.getByTestId('s').textContent).toBe('authenticated C3D4');
    view.unmount();
    expect(liveB()).toBe(0);
    a.stop();
    b.stop();
  });

  it('the actions of useSession() keep their identity across renders and status changes, and change with the session', () => {
    const a = start().session;
    const b = start().session;
    const seen: Array<Pick<ReturnType<typeof useSession>, 'login' | 'logout' | 'refresh' | 'getAccessToken' | 'touch'>> = [];
    function Probe() {
      const { login: l, logout, refresh, getAccessToken, touch } = useSession();
      seen.push({ login: l, logout, refresh, getAccessToken, touch });
      return null;
    }
    const view = render(
      <SessionProvider session={a}>
        <Probe />
      </SessionProvider>,
    );
    act(() => void login(a));
    act(() => void a.logout());
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const key of ['login', 'logout', 'refresh', 'getAccessToken', 'touch'] as const) expect(new Set(seen.map((s) => s[key])).size).toBe(1);
    view.rerender(
      <SessionProvider session={b}>
        <Probe />
      </SessionProvider>,
    );
    expect(seen.at(-1)?.logout).not.toBe(seen[0]?.logout);
    a.stop();
    b.stop();
  });

  it('a memoized consumer does not re-render when the provider re-renders with the same session', () => {
    const { session } = start();
    let consumerRenders = 0;
    const Consumer = memo(function Consumer() {
      consumerRenders++;
      return <p>{useSessionSelector((s) => s.status)}</p>;
    });
    let bump: () => void = () => {};
    function App({ children }: { children?: ReactNode }) {
      const [n, setN] = useState(0);
      bump = () => setN((x) => x + 1);
      return (
        <SessionProvider session={session}>
          <span>{n}</span>
          {children}
        </SessionProvider>
      );
    }
    render(
      <App>
        <Consumer />
      </App>,
    );
    expect(consumerRenders).toBe(1);
    act(() => bump());
    act(() => bump());
    // nothing the consumer reads changed: same session, same snapshot, same selection
    expect(consumerRenders).toBe(1);
    session.stop();
  });

  it('useSession() returns the same object while nothing it exposes changed', () => {
    const { session } = start();
    login(session);
    const seen: unknown[] = [];
    let bump: () => void = () => {};
    function Probe() {
      const [, setN] = useState(0);
      bump = () => setN((x) => x + 1);
      seen.push(useSession());
      return null;
    }
    render(
      <SessionProvider session={session}>
        <Probe />
      </SessionProvider>,
    );
    act(() => bump());
    act(() => bump());
    expect(seen.length).toBe(3);
    expect(new Set(seen).size).toBe(1);
    session.stop();
  });
});

describe('useSessionSelector: selectors', () => {
  it('an inline selector returning a new object each call (default Object.is) neither loops nor warns', async () => {
    const { session } = start();
    let renders = 0;
    const errors = await capturingConsoleError(() => {
      function Probe() {
        renders++;
        const v = useSessionSelector((s) => ({ status: s.status, pending: s.pending }));
        return <p data-testid="v">{`${v.status} ${v.pending}`}</p>;
      }
      render(
        <StrictMode>
          <SessionProvider session={session}>
            <Probe />
          </SessionProvider>
        </StrictMode>,
      );
      act(() => void login(session));
      act(() => void session.getAccessToken());
    });
    expect(screen.getByTestId('v').textContent).toBe('authenticated 0');
    expect(renders).toBeLessThan(20);
    expect(errors.filter((e) => /getSnapshot|infinite loop|Maximum update depth/.test(e))).toEqual([]);
    session.stop();
  });

  it('a selector that depends on a prop answers with the new prop at once, without a session change', () => {
    const { session } = start();
    login(session);
    function Probe({ digits }: { digits: number }) {
      return <p data-testid="v">{useSessionSelector((s) => s.accessToken?.slice(-digits) ?? '')}</p>;
    }
    const view = render(
      <SessionProvider session={session}>
        <Probe digits={2} />
      </SessionProvider>,
    );
    expect(screen.getByTestId('v').textContent).toBe('B2');
    view.rerender(
      <SessionProvider session={session}>
        <Probe digits={3} />
      </SessionProvider>,
    );
    expect(screen.getByTestId('v').textContent).toBe('1B2');
    session.stop();
  });

  it('a session stopped while mounted: components stay rendered, no error, unmount releases everything', async () => {
    const { session } = start();
    const live = countSubscriptions(session);
    login(session);
    function Probe() {
      const { status, pending } = useSession();
      return <p data-testid="v">{`${status} ${pending}`}</p>;
    }
    const errors = await capturingConsoleError(async () => {
      const view = render(
        <SessionProvider session={session}>
          <Probe />
          <SessionStatechart session={session} />
        </SessionProvider>,
      );
      act(() => session.stop());
      await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'aborted' });
      expect(screen.getByTestId('v').textContent).toBe('authenticated 0');
      view.unmount();
    });
    expect(errors).toEqual([]);
    expect(live()).toBe(0);
  });

  it('unmounting during a refresh: the refresh still completes, nothing is logged, no subscription leaks', async () => {
    const { session, refresh } = start();
    const live = countSubscriptions(session);
    login(session);
    function Probe() {
      const { status, pending } = useSession();
      return <p data-testid="v">{`${status} ${pending}`}</p>;
    }
    const errors = await capturingConsoleError(async () => {
      const view = render(
        <SessionProvider session={session}>
          <Probe />
          <SessionStatechart session={session} />
        </SessionProvider>,
      );
      let pending: Promise<string> = Promise.resolve('');
      act(() => {
        pending = session.refresh();
      });
      expect(screen.getByTestId('v').textContent).toBe('refreshing 1');
      view.unmount();
      const call = await refresh.next();
      call.resolve({ accessToken: ACCESS2, refreshToken: REFRESH, expiresIn: 600 });
      await expect(pending).resolves.toBe(ACCESS2);
    });
    expect(errors).toEqual([]);
    expect(live()).toBe(0);
    session.stop();
  });

  it('does not tear in a concurrent render: a change during a transition render is seen by every consumer', async () => {
    const { session } = start();
    let changed = false;
    function Reader({ id }: { id: number }) {
      const status = useSessionSelector((s) => s.status);
      if (id === 0 && !changed) {
        changed = true;
        login(session); // the store changes while the transition is rendering
      }
      return <li data-testid="r">{status}</li>;
    }
    function List({ show }: { show: boolean }) {
      return show ? <ul>{[0, 1, 2, 3, 4].map((i) => <Reader key={i} id={i} />)}</ul> : null;
    }
    const errors = await capturingConsoleError(async () => {
      const view = render(
        <SessionProvider session={session}>
          <List show={false} />
        </SessionProvider>,
      );
      await act(async () => {
        startTransition(() => {
          view.rerender(
            <SessionProvider session={session}>
              <List show />
            </SessionProvider>,
          );
        });
      });
    });
    void errors; // a "cannot update a component while rendering" warning is acceptable here
    const shown = screen.getAllByTestId('r').map((e) => e.textContent);
    expect(new Set(shown)).toEqual(new Set(['authenticated']));
    session.stop();
  });
});

describe('server rendering and hydration', () => {
  function App() {
    const { status, isAuthenticated } = useSession();
    return <p>{`${status} ${String(isAuthenticated)}`}</p>;
  }

  /** Renders `server` to HTML, hydrates it with `client`; returns the hydration problems. */
  async function hydrate(server: ReactNode, client: ReactNode) {
    const html = renderToString(server);
    const container = document.createElement('div');
    container.innerHTML = html;
    document.body.appendChild(container);
    const recoverable: string[] = [];
    let root: ReturnType<typeof hydrateRoot> | undefined;
    try {
      const errors = await capturingConsoleError(async () => {
        await act(async () => {
          root = hydrateRoot(container, client, { onRecoverableError: (e) => void recoverable.push(String(e).split('\n')[0] as string) });
        });
      });
      const text = container.textContent;
      return { html, text, problems: [...recoverable, ...errors.filter((e) => /hydrat|did not match|didn't match/i.test(e))] };
    } finally {
      act(() => root?.unmount());
      container.remove();
    }
  }

  it('a logged-in browser session hydrates the logged-out server HTML without a mismatch, then shows its state', async () => {
    const server = start().session; // the server knows nobody
    const client = start().session;
    login(client); // restored from storage in the browser before hydration
    const tree = (session: Session) => (
      <SessionProvider session={session}>
        <App />
      </SessionProvider>
    );
    const { html, text, problems } = await hydrate(tree(server), tree(client));
    expect(html).toContain('loggedOut false');
    expect(problems).toEqual([]);
    expect(text).toBe('authenticated true');
    server.stop();
    client.stop();
  });

  it('SessionStatechart server HTML keeps its <title> (the svg accessible name) and hydrates when nothing changed', async () => {
    const session = start().session; // same session, same state on both sides
    const now = () => 1_000_000;
    const tree = <SessionStatechart session={session} now={now} diagramOnly />;
    const { html, problems } = await hydrate(tree, tree);
    expect(html).toMatch(/<title id="[^"]+">Session statechart, current state: (<!-- -->)?loggedOut, unbounded<\/title>/);
    expect(problems).toEqual([]);
    session.stop();
  });

  it('SessionPanel inside a provider renders the provider server snapshot on the server side of hydration (no mismatch)', async () => {
    const server = start().session;
    const client = start().session;
    login(client);
    const now = () => 1_000_000;
    const tree = (session: Session) => (
      <SessionProvider session={session}>
        <App />
        <SessionPanel session={session} now={now} />
      </SessionProvider>
    );
    const { problems } = await hydrate(tree(server), tree(client));
    expect(problems).toEqual([]);
    server.stop();
    client.stop();
  });

  it('the server HTML of a logged-in session never contains a whole token (statechart included)', () => {
    const { session } = start();
    login(session);
    const html = renderToString(
      <SessionProvider session={session}>
        <App />
        <SessionStatechart session={session} />
      </SessionProvider>,
    );
    expect(html).not.toContain(ACCESS);
    expect(html).not.toContain(REFRESH);
    expect(html).not.toContain(ACCESS.slice(0, -4));
    session.stop();
  });
});

describe('SessionStatechart / SessionPanel', () => {
  const current = (container: HTMLElement) => [...container.querySelectorAll('[aria-current]')].map((e) => e.getAttribute('data-state'));

  it('marks restoring while an async storage loads, then the restored state; the title follows', async () => {
    let answer: (t: TokenSet | null) => void = () => {};
    const storage = { load: () => new Promise<TokenSet | null>((r) => (answer = r)), save: () => {}, clear: () => {} };
    const { session } = start({ storage });
    const { container } = render(<SessionStatechart session={session} />);
    expect(current(container)).toEqual(['session.restoring.fromStorage.loading', 'lifetime.unbounded']);
    expect(container.querySelector('title')?.textContent).toBe('Session statechart, current state: loading, unbounded');
    await act(async () => {
      answer({ accessToken: ACCESS, refreshToken: REFRESH, expiresAt: Date.now() + 600_000 });
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(current(container)).toEqual(['session.authenticated', 'lifetime.unbounded']);
    expect(container.querySelector('title')?.textContent).toBe('Session statechart, current state: authenticated, unbounded');
    session.stop();
  });

  it('marks exactly one current state per region in every status, expiringSoon and refreshFailed included', async () => {
    const { session, refresh } = start({ refreshLeadTime: 60_000 });
    const { container } = render(<SessionStatechart session={session} diagramOnly />);
    const seen: Array<Array<string | null>> = [current(container)];
    // 30 s left of a 10 min token: inside the 60 s lead, so expiringSoon
    act(() => session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600, expiresAt: Date.now() + 30_000 }));
    seen.push(current(container));
    const first = await refresh.next();
    await act(async () => first.reject(new SessionError('network', 'offline')));
    await act(() => new Promise((r) => setTimeout(r, 0)));
    seen.push(current(container));
    act(() => void session.logout());
    seen.push(current(container));
    const running = 'session.renewing.attempt.running.preparing'; // the background refresh has just started
    expect(seen).toEqual([
      ['session.loggedOut', 'lifetime.unbounded'],
      ['session.renewing.token.expiringSoon', running, 'lifetime.unbounded'],
      ['session.refreshFailed.coolingDown', 'lifetime.unbounded'],
      ['session.loggedOut', 'lifetime.unbounded'],
    ]);
    session.stop();
  });

  it('renders a stopped session without throwing', () => {
    const { session } = start();
    login(session);
    session.stop();
    const { container } = render(<SessionStatechart session={session} />);
    expect(current(container)).toEqual(['session.authenticated', 'lifetime.unbounded']);
    expect(screen.getByTestId('ss-status').textContent).toBe('authenticated');
  });

  it('never shows a whole token in text or any attribute, across login, renewal, rejection and refresh', async () => {
    const { session, refresh } = start();
    const { container } = render(<SessionStatechart session={session} />);
    act(() => void login(session));
    act(() => session.tokensRenewed({ accessToken: ACCESS2, expiresIn: 600 }));
    let pending: Promise<unknown> = Promise.resolve();
    act(() => {
      pending = session.tokenRejected(ACCESS2).catch(() => {});
    });
    const call = await refresh.next();
    await act(async () => {
      call.resolve({ accessToken: `${ACCESS}-rotated-Z9Y8`, refreshToken: `${REFRESH}-rotated`, expiresIn: 600 });
      await pending;
    });
    const all = everything(container);
    for (const secret of [ACCESS, ACCESS2, REFRESH, `${ACCESS}-rotated-Z9Y8`, `${REFRESH}-rotated`]) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(secret.slice(0, -4)); // not even most of it
    }
    expect(screen.getByTestId('ss-token').textContent).toBe('…Z9Y8');
    session.stop();
  });

  it('keeps at most 50 events, newest first', () => {
    const { session } = start();
    render(<SessionPanel session={session} />);
    act(() => {
      for (let i = 0; i < 70; i++) session.actor.send({ type: 'WAKE', reason: i % 2 ? 'focus' : 'online' });
    });
    const items = within(screen.getByRole('list', { name: 'Event log' })).getAllByRole('listitem');
    expect(items).toHaveLength(50);
    expect(items[0]?.textContent).toMatch(/WAKE \(focus\)$/); // the 70th (i = 69)
    session.stop();
  });

  it('a new event adds one list item to the live log, it does not rewrite the others (also once the log is full)', () => {
    const { session } = start();
    render(<SessionPanel session={session} />);
    const log = () => within(screen.getByRole('list', { name: 'Event log' })).queryAllByRole('listitem');
    act(() => {
      for (let i = 0; i < 10; i++) session.actor.send({ type: 'WAKE', reason: 'focus' });
    });
    const partial = log();
    act(() => session.actor.send({ type: 'WAKE', reason: 'focus' }));
    expect(log()[1]).toBe(partial[0]); // holds while the log is not full
    act(() => {
      for (let i = 0; i < 39; i++) session.actor.send({ type: 'WAKE', reason: 'focus' });
    });
    const before = log();
    expect(before).toHaveLength(50);
    act(() => session.actor.send({ type: 'WAKE', reason: 'online' }));
    const after = log();
    expect(after[0]?.textContent).toMatch(/WAKE \(online\)$/);
    // the former newest item is the same DOM node, one place down (an aria-live region
    // announces rewritten items again)
    expect(after[1]).toBe(before[0]);
    session.stop();
  });

  it('swapping the session of the panel does not keep showing the old session events', () => {
    const a = start().session;
    const b = start().session;
    const view = render(<SessionPanel session={a} />);
    act(() => void login(a));
    expect(screen.getByRole('list', { name: 'Event log' }).textContent).toContain('LOGIN …A1B2');
    view.rerender(<SessionPanel session={b} />);
    expect(screen.getByTestId('ss-token').textContent).toBe('—');
    expect(screen.getByRole('list', { name: 'Event log' }).textContent).not.toContain('LOGIN …A1B2');
    a.stop();
    b.stop();
  });

  it('keeps working with a throwing inspect and a throwing onWarning', async () => {
    const { session, refresh } = start({
      inspect: () => {
        throw new Error('inspector down');
      },
      onWarning: () => {
        throw new Error('logger down');
      },
    });
    render(<SessionStatechart session={session} />);
    act(() => void login(session));
    let pending: Promise<unknown> = Promise.resolve();
    act(() => {
      pending = session.refresh();
    });
    const call = await refresh.next();
    await act(async () => {
      call.resolve({ accessToken: ACCESS2, refreshToken: REFRESH, expiresIn: 600 });
      await pending;
    });
    expect(screen.getByTestId('ss-status').textContent).toBe('authenticated');
    expect(screen.getByTestId('ss-token').textContent).toBe('…C3D4');
    expect(screen.getByRole('list', { name: 'Event log' }).textContent).toContain('ANSWER_RECEIVED …C3D4');
    session.stop();
  });

  it('statechart ARIA: one list of focusable states, the current one named in its label, the svg labelled by its title', () => {
    const { session } = start();
    const { container } = render(<SessionStatechart session={session} diagramOnly />);
    act(() => void login(session));
    const svg = container.querySelector('svg') as SVGSVGElement;
    const title = document.getElementById(svg.getAttribute('aria-labelledby') as string);
    expect(title?.textContent).toBe('Session statechart, current state: authenticated, unbounded');
    const states = within(screen.getByRole('list', { name: 'States' })).getAllByRole('listitem');
    const labelled = states.filter((s) => /\(current state\)/.test(s.getAttribute('aria-label') ?? ''));
    expect(labelled.map((s) => s.getAttribute('data-state'))).toEqual(['session.authenticated', 'lifetime.unbounded']);
    // the arrows are decoration for sighted users; the labels carry the transitions
    expect(container.querySelector('[data-transition]')?.closest('[aria-hidden="true"]')).not.toBeNull();
    expect(labelled[0]?.getAttribute('aria-label')).toMatch(/^authenticated \(current state\)\. Leaves on: .*TOKEN_REQUESTED \[rejectsCurrent/);
    // transitions from any state are announced once, on the "any state" item
    expect(states.find((s) => s.getAttribute('data-state') === 'session.*')?.getAttribute('aria-label')).toMatch(/Leaves on: .*LOGOUT/);
    session.stop();
  });
});
