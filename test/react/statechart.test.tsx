// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { createSession, machineGraph, SessionError, sessionMachine } from '../../src/index.js';
import { SessionStatechart } from '../../src/react.js';
import { scriptedRefresh } from '../helpers/refreshStub.js';

afterEach(cleanup);

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
    // root-level transitions start from an "any state" box
    expect(drawn).toContain('*');
    // every transition of the machine is drawn, parallel ones merged into one arrow
    const arrows = [...container.querySelectorAll('[data-transition]')].map((e) => e.getAttribute('data-transition'));
    expect(arrows).toContain('authenticated->renewing.expiringSoon');
    expect(arrows).toContain('*->loggedOut');
    expect(container.textContent).toContain('TOKEN_REJECTED [isCurrentToken]');
    session.stop();
  });

  it('marks exactly the active state, following the session', async () => {
    const { session, refresh } = start();
    const { container } = render(<SessionStatechart session={session} />);
    expect(current(container)).toEqual(['loggedOut']);
    act(() => session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 }));
    expect(current(container)).toEqual(['authenticated']);
    let pending: Promise<unknown> = Promise.resolve();
    act(() => {
      pending = session.refresh().catch(() => {});
    });
    expect(current(container)).toEqual(['renewing.refreshing']);
    expect(container.querySelector('[data-state="renewing"]')?.getAttribute('data-active')).toBe('true');
    const call = await refresh.next();
    await act(async () => {
      call.reject(new SessionError('network', 'offline'));
      await pending;
    });
    expect(current(container)).toEqual(['refreshFailed']);
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
    expect(log.getByText(/TOKEN_REJECTED …W1X2/)).toBeTruthy();
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
    const loggedOut = states.find((s) => s.getAttribute('data-state') === 'loggedOut');
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
});
