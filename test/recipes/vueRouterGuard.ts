// router.ts — vue-router guards that wait for the restore and follow the session's end.
import type { RouteLocationRaw, Router } from 'vue-router';
import { onSessionEnd, whenRestored, type Session, type SessionError } from '../../src/index.js';

declare module 'vue-router' {
  interface RouteMeta {
    requiresAuth?: boolean;
  }
}

/** The login page, the way back, and `why` only when something ended the session (a plain logout shows no error). */
const toLogin = (redirect: string, reason: SessionError | null): RouteLocationRaw => ({
  path: '/login',
  query: reason === null ? { redirect } : { redirect, why: reason.kind },
});

/**
 * Protects routes with `meta: { requiresAuth: true }`. On a reload the guard waits while the
 * session restores (no flash of the login page), and when the session ends — a logout in any
 * tab, a refused refresh, the idle timeout — a protected page leaves for the login page at once,
 * not at the next click. Returns the function that removes both.
 */
export function guardRoutes(router: Router, session: Session): () => void {
  const removeGuard = router.beforeEach(async (to) => {
    if (!to.meta.requiresAuth) return true;
    const { isAuthenticated, error } = await whenRestored(session);
    return isAuthenticated || toLogin(to.fullPath, error);
  });
  const stopFollowing = onSessionEnd(session, (reason) => {
    const here = router.currentRoute.value;
    if (here.meta.requiresAuth) void router.replace(toLogin(here.fullPath, reason));
  });
  return () => {
    removeGuard();
    stopFollowing();
  };
}
