// @vitest-environment jsdom
// useSessionEnding(): the "You'll be signed out in N s" dialog, driven by fake timers (the
// session's clock and its timers move together). The session, its statechart and its timers are
// the real ones; only the refresh endpoint is scripted.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browserActivity, createSession, type Session, type SessionError, type SessionOptions } from '../../src/index.js';
import { SessionProvider, useSessionEnding } from '../../src/react.js';
import { pair, scriptedRefresh } from '../helpers/refreshStub.js';

const MIN = 60_000;
const START = Date.UTC(2026, 0, 15, 9, 0, 0);

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function start(options: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const loggedOut: Array<SessionError | null> = [];
  const revoked: Array<string | undefined> = [];
  const session = createSession({
    refresh: refresh.fn,
    wake: false,
    activity: false,
    retry: { attempts: 0 },
    onWarning: () => {},
    onLoggedOut: (reason) => loggedOut.push(reason),
    revoke: async ({ refreshToken }) => void revoked.push(refreshToken),
    ...options,
  });
  return { session, refresh, loggedOut, revoked };
}

let renders = 0;

/** A sign-out warning as an app would write it. */
function Warning() {
  renders++;
  const ending = useSessionEnding();
  if (ending === null) return null;
  return (
    <div role="alertdialog" aria-label="Signing out">
      <p data-testid="left">{`You'll be signed out in ${ending.secondsLeft} s (${ending.reason})`}</p>
      {ending.stayActive && <button onClick={ending.stayActive}>Stay signed in</button>}
      <button onClick={() => void ending.logout()}>Sign out</button>
    </div>
  );
}

function show(session: Session, strict = false) {
  renders = 0;
  const tree: ReactNode = (
    <SessionProvider session={session}>
      <Warning />
    </SessionProvider>
  );
  return render(strict ? <StrictMode>{tree}</StrictMode> : tree);
}

/** Moves the clock (and the timers with it) to `ms` after the start. */
const at = (ms: number) => act(() => vi.advanceTimersByTimeAsync(START + ms - Date.now()));
const dialogText = () => screen.queryByTestId('left')?.textContent ?? null;

describe('useSessionEnding: nothing ending', () => {
  it('returns null, adds no timer, and does not re-render while the session refreshes underneath', async () => {
    const { session, refresh } = start({ idleTimeout: 15 * MIN, endingWarning: MIN });
    refresh.answerWith((n) => pair(n + 1, 120));
    session.login(pair(1, 120));
    const timersWithout = vi.getTimerCount();
    const view = show(session);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(vi.getTimerCount()).toBe(timersWithout);
    expect(renders).toBe(1);

    // two background refreshes: authenticated → expiringSoon → authenticated, twice
    await at(2 * MIN + 30_000);
    expect(refresh.calls).toHaveLength(2);
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(renders).toBe(1);
    view.unmount();
    session.stop();
  });

  it('returns null for a session with no lifetime limit, and while logged out', async () => {
    const { session } = start();
    show(session);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    act(() => session.login(pair(1, 3_600)));
    await at(60 * MIN);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(renders).toBe(1);
    session.stop();
  });
});

describe('useSessionEnding: server rendering', () => {
  it('renders the server snapshot (no warning), even while the session it wraps is ending', async () => {
    const { session } = start({ idleTimeout: 15 * MIN, endingWarning: MIN });
    session.login(pair(1, 3_600));
    await at(14 * MIN);
    expect(session.getSnapshot().ending).not.toBeNull();
    const html = renderToString(
      <SessionProvider session={session}>
        <p>page</p>
        <Warning />
      </SessionProvider>,
    );
    expect(html).toBe('<p>page</p>');
    session.stop();
  });
});

describe('useSessionEnding: idle', () => {
  it('appears endingWarning before the idle end, at the exact second, and counts down once a second', async () => {
    const { session } = start({ idleTimeout: 15 * MIN, endingWarning: MIN });
    session.login(pair(1, 3_600));
    show(session);

    await at(14 * MIN - 1);
    expect(dialogText()).toBeNull();
    expect(renders).toBe(1);
    await at(14 * MIN);
    expect(dialogText()).toBe("You'll be signed out in 60 s (idle)");
    expect(renders).toBe(2);

    await at(14 * MIN + 999);
    expect(dialogText()).toBe("You'll be signed out in 60 s (idle)");
    await at(14 * MIN + 1_000);
    expect(dialogText()).toBe("You'll be signed out in 59 s (idle)");
    // each second shown once: one render a second, no more
    const shown: string[] = [];
    for (let s = 2; s <= 10; s++) {
      await at(14 * MIN + s * 1_000);
      shown.push(dialogText() ?? '');
    }
    expect(shown.at(-1)).toBe("You'll be signed out in 50 s (idle)");
    expect(new Set(shown).size).toBe(9);
    expect(renders).toBe(2 + 10);
    session.stop();
  });

  it('Stay signed in: the warning goes, the session stays authenticated, and the idle timer starts again from the click', async () => {
    const { session, loggedOut, revoked } = start({ idleTimeout: 15 * MIN, endingWarning: MIN });
    session.login(pair(1, 3_600));
    show(session);
    await at(14 * MIN + 30_000);
    expect(dialogText()).toBe("You'll be signed out in 30 s (idle)");

    fireEvent.click(screen.getByRole('button', { name: 'Stay signed in' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', ending: null });

    // the old end passes without effect; the next warning comes 14 min after the click
    await at(28 * MIN + 29_999);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    await at(28 * MIN + 30_000);
    expect(dialogText()).toBe("You'll be signed out in 60 s (idle)");
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(loggedOut).toEqual([]);
    expect(revoked).toEqual([]);
    session.stop();
  });

  it('no answer: at the end the user is signed out with kind idle-timeout, onLoggedOut and revoke once, and the dialog goes', async () => {
    const { session, loggedOut, revoked, refresh } = start({ idleTimeout: 15 * MIN, endingWarning: MIN });
    session.login(pair(1, 3_600));
    show(session);
    await at(14 * MIN + 59_000);
    expect(dialogText()).toBe("You'll be signed out in 1 s (idle)");

    await at(15 * MIN);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', ending: null, error: { kind: 'idle-timeout' } });
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'idle-timeout' })]);
    await at(16 * MIN); // the revocation runs after the local end
    expect(revoked).toEqual([pair(1).refreshToken]);
    expect(refresh.calls).toHaveLength(0);
    session.stop();
  });

  it('Sign out: signs out at once, and logout() resolves once the revocation settled', async () => {
    let answer: () => void = () => {};
    const revokes: string[] = [];
    const { session, loggedOut } = start({
      idleTimeout: 15 * MIN,
      endingWarning: MIN,
      revoke: ({ refreshToken }) => new Promise<void>((resolve) => ((answer = resolve), revokes.push(String(refreshToken)))),
    });
    session.login(pair(1, 3_600));
    show(session);
    await at(14 * MIN);
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: null });
    expect(loggedOut).toEqual([null]);
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(revokes).toEqual([pair(1).refreshToken]);
    answer();
    session.stop();
  });

  it('the countdown reads the session’s own clock (its `now` option), not Date.now', async () => {
    const ahead = 3 * 365 * 24 * 60 * MIN; // a clock three years ahead of the fake system time
    const { session } = start({ idleTimeout: 15 * MIN, endingWarning: MIN, now: () => Date.now() + ahead });
    session.login(pair(1, 3_600));
    show(session);
    await at(14 * MIN + 15_000);
    expect(session.getSnapshot().ending).toEqual({ reason: 'idle', at: START + ahead + 15 * MIN });
    expect(dialogText()).toBe("You'll be signed out in 45 s (idle)");
    await at(14 * MIN + 16_000);
    expect(dialogText()).toBe("You'll be signed out in 44 s (idle)");
    session.stop();
  });

  it('ticks on the second with one timer of its own, and leaves none behind when unmounted (in StrictMode)', async () => {
    const { session } = start({ idleTimeout: 15 * MIN, endingWarning: MIN });
    session.login(pair(1, 3_600));
    await at(14 * MIN + 300); // mounted mid-second: the count still changes on the second
    const timersWithout = vi.getTimerCount();
    const view = show(session, true);
    expect(dialogText()).toBe("You'll be signed out in 60 s (idle)");
    expect(vi.getTimerCount()).toBe(timersWithout + 1);
    await at(14 * MIN + 999);
    expect(dialogText()).toBe("You'll be signed out in 60 s (idle)");
    await at(14 * MIN + 1_000);
    expect(dialogText()).toBe("You'll be signed out in 59 s (idle)");
    await at(14 * MIN + 5_000);
    expect(dialogText()).toBe("You'll be signed out in 55 s (idle)");
    expect(vi.getTimerCount()).toBe(timersWithout + 1);
    view.unmount();
    expect(vi.getTimerCount()).toBe(timersWithout);
    session.stop();
  });
});

describe('useSessionEnding: ends that cannot be put off', () => {
  it('maximum age: no Stay signed in, activity does not extend it, and it ends with kind session-expired', async () => {
    const { session, loggedOut, revoked } = start({ maxSessionAge: 10 * MIN, endingWarning: MIN });
    session.login(pair(1, 3_600));
    show(session);
    await at(9 * MIN);
    expect(dialogText()).toBe("You'll be signed out in 60 s (max-age)");
    expect(screen.queryByRole('button', { name: 'Stay signed in' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();

    await at(9 * MIN + 20_000);
    act(() => session.touch()); // the user is busy: it changes nothing
    expect(dialogText()).toBe("You'll be signed out in 40 s (max-age)");
    expect(session.getSnapshot().ending).toEqual({ reason: 'max-age', at: START + 10 * MIN });

    await at(10 * MIN);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'session-expired' })]);
    await at(11 * MIN);
    expect(revoked).toEqual([pair(1).refreshToken]);
    session.stop();
  });

  it('refresh-token expiry: reason refresh-expiry, no Stay signed in, and no refresh after the end', async () => {
    const { session, refresh } = start({ endingWarning: MIN });
    session.login({ ...pair(1, 3_600), refreshExpiresIn: 10 * 60 });
    show(session);
    await at(9 * MIN);
    expect(dialogText()).toBe("You'll be signed out in 60 s (refresh-expiry)");
    expect(screen.queryByRole('button', { name: 'Stay signed in' })).toBeNull();
    await at(10 * MIN);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    await at(70 * MIN);
    expect(refresh.calls).toHaveLength(0);
    session.stop();
  });

  it('the earliest end wins: an idle limit later than the maximum age warns as max-age', async () => {
    const { session } = start({ idleTimeout: 30 * MIN, maxSessionAge: 20 * MIN, endingWarning: 2 * MIN });
    session.login(pair(1, 3_600));
    show(session);
    await at(18 * MIN);
    expect(dialogText()).toBe("You'll be signed out in 120 s (max-age)");
    session.stop();
  });
});

describe('useSessionEnding: a clock that jumped (a laptop that slept through the end)', () => {
  it('a page that wakes up after its clock jumped shows the warning at once, with the right seconds', async () => {
    let slept = 0;
    let wake: (reason: 'visible') => void = () => {};
    const { session } = start({
      idleTimeout: 15 * MIN,
      endingWarning: MIN,
      now: () => Date.now() + slept,
      wake: (notify) => ((wake = notify), () => {}),
    });
    session.login(pair(1, 7_200));
    show(session);
    await at(MIN);
    slept = 13 * MIN + 40_000; // the clock is now 20 s before the idle end; no timer has fired
    expect(screen.queryByRole('alertdialog')).toBeNull();
    act(() => wake('visible'));
    expect(dialogText()).toBe("You'll be signed out in 20 s (idle)");
    session.stop();
  });

  // Timers do not run while a laptop sleeps, so the idle deadline fires late; the user's first
  // keypress after waking arrives first. The lifetime region checks the end before it counts
  // the activity.
  it('a keypress after sleeping past the idle end does not sign the user back in', async () => {
    let slept = 0;
    const { session, loggedOut } = start({
      idleTimeout: 15 * MIN,
      endingWarning: MIN,
      activity: (notify) => {
        document.addEventListener('keydown', notify);
        return () => document.removeEventListener('keydown', notify);
      },
      now: () => Date.now() + slept,
    });
    session.login(pair(1, 7_200));
    show(session);
    await at(10 * MIN);
    slept = 60 * MIN; // the lid closes for an hour: the clock moves, no timer fires
    fireEvent.keyDown(document, { key: 'a' }); // the first thing the user does on waking
    await at(10 * MIN + 1); // (a timer due by now would fire here)
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'idle-timeout' } });
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'idle-timeout' })]);
    session.stop();
  });
});

describe('useSessionEnding: the warning and the default activity source (browserActivity)', () => {
  // With the default activity source, the pointerdown of a click on the warning's "Sign out" is
  // pointer activity. While the warning shows, only touch() ("Stay signed in") or another tab's
  // activity answers it, so the dialog stays until the click lands.
  it('a click on Sign out in an idle warning signs the user out', async () => {
    const { session } = start({ idleTimeout: 15 * MIN, endingWarning: MIN, activity: browserActivity });
    session.login(pair(1, 3_600));
    show(session);
    await at(14 * MIN + 30_000);
    const signOut = screen.getByRole('button', { name: 'Sign out' });
    await act(async () => {
      fireEvent.pointerDown(signOut);
      await Promise.resolve();
    });
    fireEvent.pointerUp(signOut);
    fireEvent.click(signOut);
    expect(session.getSnapshot().status).toBe('loggedOut');
    session.stop();
  });
});
