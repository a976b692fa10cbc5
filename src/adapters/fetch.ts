import type { Session } from '../machine/session.js';
import { markAuthorizedFetch } from './authorizedFetch.js';
import { authFetchCore, type AuthFetch, type AuthFetchOptions } from './fetchCore.js';

export type { AuthFetch, AuthFetchOptions, AuthRequestInit } from './fetchCore.js';

/**
 * Wraps fetch: attaches the session's token to requests for allowed origins, waits while a
 * refresh is in flight, and after a 401 replays the request once with the new token. Returns
 * a function with fetch's exact signature; a second 401 is returned as the Response it is.
 * A one-shot stream body cannot be replayed: its 401 is returned as is. While the session is
 * logged out, requests go out exactly as fetch sends them (log in through it, too).
 *
 * Do not give the result to `jsonRefresh` / `oauthRefresh` as their `fetch`: the refresh must
 * not wait for the token it renews (they throw a TypeError when it is created).
 *
 * @example
 * ```ts
 * import { createSession, jsonRefresh } from 'silent-session';
 * import { createAuthFetch } from 'silent-session/fetch';
 *
 * const session = createSession({ refresh: jsonRefresh({ url: 'https://api.example.com/auth/refresh' }) });
 * const authFetch = createAuthFetch(session, { baseUrl: 'https://api.example.com' });
 * const res = await authFetch('/me');
 * ```
 */
export function createAuthFetch(session: Session, options: AuthFetchOptions = {}): AuthFetch {
  return markAuthorizedFetch(authFetchCore(session, options, false));
}
