import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter, type RouteRecordRaw, type Router } from 'vue-router';
import { whenRestored, type Session } from '../../src/index.js';
import { browser, heldCookieRestore, openTab } from './routing.js';
import { guardRoutes } from './vueRouterGuard.js';

// The vue-router recipe (docs/recipes/routing.md): guards wait while the session restores, and
// the session's end moves a protected page to the login page at once. Every route the router
// commits is recorded: what the user would have seen.

const Page = { render: () => null };
const routes: RouteRecordRaw[] = [
  { path: '/login', component: Page },
  { path: '/about', component: Page },
  { path: '/dashboard', component: Page, meta: { requiresAuth: true } },
];

function app(session: Session, guard: (router: Router, session: Session) => unknown = guardRoutes) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  guard(router, session);
  const shown: string[] = [];
  router.afterEach((to, _from, failure) => {
    if (failure === undefined) shown.push(to.fullPath);
  });
  /** Resolves when the router next shows `path` (by itself: no push from the test). */
  const arrives = (path: string) =>
    new Promise<string>((resolve) => {
      const remove = router.afterEach((to) => {
        if (to.path !== path) return;
        remove();
        resolve(to.fullPath);
      });
    });
  return { router, shown, arrives };
}

describe('vue-router guards', () => {
  it('a reload while the session restores (cookie mode) waits and shows the protected page, never the login page', async () => {
    const { session, open, server } = await heldCookieRestore();
    const { router, shown } = app(session);
    const landing = router.push('/dashboard');
    expect(session.getSnapshot().status).toBe('restoring');
    open();
    await landing;
    expect(shown).toEqual(['/dashboard']);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('without waiting (a guard that reads the status at once) the same reload shows the login page first', async () => {
    const { session, open } = await heldCookieRestore();
    const naive = (router: Router, s: Session) =>
      router.beforeEach((to) => !to.meta.requiresAuth || s.getSnapshot().isAuthenticated || { path: '/login', query: { redirect: to.fullPath } });
    const { router, shown } = app(session, naive);
    await router.push('/dashboard');
    open();
    await whenRestored(session);
    expect(shown).toEqual(['/login?redirect=/dashboard']);
  });

  it('a reload whose stored session the server refuses goes straight to the login page, never the protected one, saying why', async () => {
    const b = await browser();
    const before = openTab(b);
    before.session.login(await b.server.login('ann'));
    before.session.stop();
    b.clock.advance(120_000);
    b.server.revokeAll();

    const { router, shown } = app(openTab(b).session);
    await router.push('/dashboard');
    expect(shown).toEqual(['/login?redirect=/dashboard&why=rejected']);
  });

  it('another tab’s logout moves this tab from the protected page to /login at once, with no error to show (no why)', async () => {
    const b = await browser();
    const tab = openTab(b);
    tab.session.login(await b.server.login('ann'));
    const other = openTab(b);
    const { router, shown, arrives } = app(tab.session);
    await router.push('/dashboard');

    const arrived = arrives('/login');
    void other.session.logout();
    expect(await arrived).toBe('/login?redirect=/dashboard');
    expect(shown).toEqual(['/dashboard', '/login?redirect=/dashboard']);
  });

  it('a refused refresh moves it to /login with why=rejected and the way back', async () => {
    const b = await browser();
    const tab = openTab(b);
    tab.session.login(await b.server.login('ann'));
    const { router, arrives } = app(tab.session);
    await router.push('/dashboard');
    b.server.revokeAll();
    const arrived = arrives('/login');
    await tab.session.refresh().catch(() => {});
    expect(await arrived).toBe('/login?redirect=/dashboard&why=rejected');
  });

  it('the idle timeout moves it to /login with why=idle-timeout as soon as the page sees the time', async () => {
    const b = await browser();
    const tab = openTab(b, { idleTimeout: 15 * 60_000 });
    tab.session.login(await b.server.login('ann'));
    const { router, arrives } = app(tab.session);
    await router.push('/dashboard');
    const arrived = arrives('/login');
    b.clock.advance(16 * 60_000);
    tab.wakeUp();
    expect(await arrived).toBe('/login?redirect=/dashboard&why=idle-timeout');
  });

  it('on a public page the end changes nothing; the next protected navigation goes to the login page', async () => {
    const b = await browser();
    const tab = openTab(b);
    tab.session.login(await b.server.login('ann'));
    const { router, shown } = app(tab.session);
    await router.push('/about');
    await tab.session.logout();
    expect(router.currentRoute.value.fullPath).toBe('/about');
    await router.push('/dashboard');
    expect(shown).toEqual(['/about', '/login?redirect=/dashboard']);
  });
});
