import { createMemoryRouter, type DataRouter, type RouteObject } from 'react-router';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Session } from '../../src/index.js';
import { followSession, requireSession } from './reactRouterGuard.js';
import { browser, heldCookieRestore, openTab } from './routing.js';

// The React Router recipe (docs/recipes/routing.md), on a data router (createMemoryRouter):
// a layout route's loader waits while the session restores, and the session's end moves a
// protected page to the login page at once. Every location the router commits is recorded.

function app(session: Session, initial: string) {
  const routes: RouteObject[] = [
    { path: '/login', loader: () => null },
    { path: '/about', loader: () => null },
    { loader: requireSession(session), handle: { requiresAuth: true }, children: [{ path: '/dashboard', loader: () => null }] },
  ];
  const router = createMemoryRouter(routes, { initialEntries: [initial] });
  onTestFinished(() => router.dispose());
  followSession(router, session);
  const shown: string[] = [];
  const record = (state: DataRouter['state']) => {
    const at = state.location.pathname + state.location.search;
    if (state.initialized && shown.at(-1) !== at) shown.push(at);
  };
  record(router.state);
  router.subscribe(record);
  /** Resolves once the router shows `pathname` with nothing in flight. */
  const arrives = (pathname: string) =>
    new Promise<string>((resolve) => {
      const check = (state: DataRouter['state']) => {
        if (!state.initialized || state.navigation.state !== 'idle' || state.location.pathname !== pathname) return;
        stop();
        resolve(state.location.pathname + state.location.search);
      };
      const stop = router.subscribe(check);
      check(router.state);
    });
  return { router, shown, arrives };
}

describe('React Router loaders', () => {
  it('a reload while the session restores (cookie mode) shows nothing until it knows, then the protected page', async () => {
    const { session, open, server } = await heldCookieRestore();
    const { router, shown, arrives } = app(session, '/dashboard');
    expect(router.state.initialized).toBe(false); // nothing to render yet, not the login page
    open();
    expect(await arrives('/dashboard')).toBe('/dashboard');
    expect(shown).toEqual(['/dashboard']);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a reload whose stored session the server refuses goes straight to the login page, saying why', async () => {
    const b = await browser();
    const before = openTab(b);
    before.session.login(await b.server.login('ann'));
    before.session.stop();
    b.clock.advance(120_000);
    b.server.revokeAll();

    const { shown, arrives } = app(openTab(b).session, '/dashboard');
    expect(await arrives('/login')).toBe('/login?redirect=%2Fdashboard&why=rejected');
    expect(shown).toEqual(['/login?redirect=%2Fdashboard&why=rejected']);
  });

  it('another tab’s logout moves this tab to /login at once, with no error to show (no why)', async () => {
    const b = await browser();
    const tab = openTab(b);
    tab.session.login(await b.server.login('ann'));
    const other = openTab(b);
    const { shown, arrives } = app(tab.session, '/dashboard');
    await arrives('/dashboard');
    const arrived = arrives('/login');
    void other.session.logout();
    expect(await arrived).toBe('/login?redirect=%2Fdashboard');
    expect(shown).toEqual(['/dashboard', '/login?redirect=%2Fdashboard']);
  });

  it('a refused refresh moves it to /login with why=rejected and the way back', async () => {
    const b = await browser();
    const tab = openTab(b);
    tab.session.login(await b.server.login('ann'));
    const { arrives } = app(tab.session, '/dashboard');
    await arrives('/dashboard');
    b.server.revokeAll();
    const arrived = arrives('/login');
    await tab.session.refresh().catch(() => {});
    expect(await arrived).toBe('/login?redirect=%2Fdashboard&why=rejected');
  });

  it('the maximum age moves it to /login with why=session-expired as soon as the page sees the time', async () => {
    const b = await browser();
    const tab = openTab(b, { maxSessionAge: 30 * 60_000, loginRecord: false });
    tab.session.login(await b.server.login('ann'));
    const { arrives } = app(tab.session, '/dashboard');
    await arrives('/dashboard');
    const arrived = arrives('/login');
    b.clock.advance(31 * 60_000);
    tab.wakeUp();
    expect(await arrived).toBe('/login?redirect=%2Fdashboard&why=session-expired');
  });

  it('on a public page the end changes nothing', async () => {
    const b = await browser();
    const tab = openTab(b);
    tab.session.login(await b.server.login('ann'));
    const { router, shown, arrives } = app(tab.session, '/about');
    await arrives('/about');
    await tab.session.logout();
    expect(router.state.location.pathname).toBe('/about');
    await router.navigate('/dashboard');
    expect(shown).toEqual(['/about', '/login?redirect=%2Fdashboard']);
  });
});
