import { SessionError } from '../machine/errors.js';
import type { Session } from '../machine/session.js';
import type { SessionSnapshot, SessionStatus } from '../machine/types.js';

// Statuses in which the session cannot yet say whether there is a usable session: it is still
// looking (`restoring`), or the token it has is dead and the refresh deciding its fate is in
// flight (`refreshing`, e.g. a stored token that expired while the tab was closed).
const UNDECIDED: ReadonlySet<SessionStatus> = new Set(['restoring', 'refreshing']);

/**
 * Resolves with the first snapshot in which the session knows whether the user is signed in:
 * not while `restoring` (an asynchronous storage loading, `checkSession`'s refresh), nor while a
 * refresh it needs is in flight (a stored token that had expired). So a route guard that awaits
 * it never shows the login page for a session that is being restored, nor a protected page for
 * one that the server is about to refuse. Resolves at once when the session already knows.
 * Starts nothing (no refresh, no waiting caller): ten guards awaiting it cost the server
 * nothing. Never hangs: a stopped session rejects it with a `SessionError` of kind `aborted`.
 *
 * @example
 * router.beforeEach(async (to) => {
 *   const { isAuthenticated } = await whenRestored(session)
 *   if (to.meta.requiresAuth && !isAuthenticated) return { path: '/login', query: { redirect: to.fullPath } }
 * })
 */
export function whenRestored<Claims extends Record<string, unknown> = Record<string, unknown>>(
  session: Session<Claims>,
): Promise<SessionSnapshot<Claims>> {
  return new Promise((resolve, reject) => {
    // null: the session was stopped (stop() tells the actor's observers; snapshot listeners are dropped)
    const settle = (snapshot: SessionSnapshot<Claims> | null) => {
      if (snapshot !== null && UNDECIDED.has(snapshot.status)) return;
      unsubscribe();
      ended.unsubscribe();
      if (snapshot === null) reject(new SessionError('aborted', 'the session was stopped'));
      else resolve(snapshot);
    };
    const unsubscribe = session.subscribe(settle);
    const ended = session.actor.subscribe({ complete: () => settle(null), error: () => settle(null) });
    settle(session.actor.getSnapshot().status === 'stopped' ? null : session.getSnapshot());
  });
}
