import type { SessionError } from '../machine/errors.js';
import type { Session } from '../machine/session.js';
import type { SessionSnapshot } from '../machine/types.js';

/**
 * What {@link onSessionEnd} calls: `reason` is null for a plain logout (`logout()` here or in
 * another tab), else the `SessionError` that ended the session — kind `rejected` (the server
 * refused the refresh token, here or in another tab), `idle-timeout`, or `session-expired`
 * (`maxSessionAge`, or the refresh token's own lifetime).
 *
 * @example
 * const listener: SessionEndListener = (reason) => showLogin(reason === null ? null : reason.kind)
 */
export type SessionEndListener<Claims extends Record<string, unknown> = Record<string, unknown>> = (
  reason: SessionError | null,
  snapshot: SessionSnapshot<Claims>,
) => void;

/**
 * Calls `listener` the moment a session that had a token ends, whatever ended it: `logout()`,
 * another tab's logout, a refused refresh, the idle timeout, the maximum age. The app's router
 * or store reacts at once, not at the next navigation or request. A plain logout has reason
 * null (show no error); a restore that finds no session is not an end (nobody was signed in).
 * Unlike the `onLoggedOut` option it can be added at any time, by any number of parts of the
 * app. Returns the function that stops listening. A listener that throws is reported through
 * `onWarning` and does not stop the others.
 *
 * @example
 * const stop = onSessionEnd(session, (reason) => {
 *   router.replace(reason === null ? '/login' : `/login?why=${reason.kind}`)
 * })
 */
export function onSessionEnd<Claims extends Record<string, unknown> = Record<string, unknown>>(
  session: Session<Claims>,
  listener: SessionEndListener<Claims>,
): () => void {
  let hadToken = session.getSnapshot().accessToken !== null;
  return session.subscribe((snapshot) => {
    const ended = hadToken && snapshot.status === 'loggedOut';
    hadToken = snapshot.accessToken !== null;
    if (ended) listener(snapshot.error, snapshot);
  });
}
