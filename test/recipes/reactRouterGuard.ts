// routes.ts — React Router (data routers) loaders that wait for the restore and follow the session's end.
import { redirect, type DataRouter, type LoaderFunctionArgs } from 'react-router';
import { onSessionEnd, whenRestored, type Session, type SessionError } from '../../src/index.js';

/** The login page, the way back, and `why` only when something ended the session (a plain logout shows no error). */
const toLogin = (back: string, reason: SessionError | null) =>
  `/login?${new URLSearchParams(reason === null ? { redirect: back } : { redirect: back, why: reason.kind })}`;

/**
 * The loader of a layout route above every protected page: `{ loader: requireSession(session),
 * handle: { requiresAuth: true }, children: [...] }`. Loaders run before anything renders, so
 * on a reload nothing shows until the session knows, and the login page never flashes.
 */
export function requireSession(session: Session) {
  return async ({ request }: LoaderFunctionArgs) => {
    const { isAuthenticated, error } = await whenRestored(session);
    if (isAuthenticated) return null;
    const { pathname, search } = new URL(request.url);
    return redirect(toLogin(pathname + search, error));
  };
}

/**
 * When the session ends — a logout in any tab, a refused refresh, the idle timeout — a
 * protected page leaves for the login page at once, not at the next click. Returns the unsubscribe.
 */
export function followSession(router: DataRouter, session: Session): () => void {
  return onSessionEnd(session, (reason) => {
    const { matches, location } = router.state;
    if (!matches.some((m) => (m.route.handle as { requiresAuth?: boolean } | undefined)?.requiresAuth)) return;
    void router.navigate(toLogin(location.pathname + location.search, reason), { replace: true });
  });
}
