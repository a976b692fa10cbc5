import { msg } from '../machine/dev.js';
// A registered symbol, so that the mark is seen across bundles and copies of the library.
const MARK = Symbol.for('silent-session.authorizedFetch');

/** Marks a fetch that waits for the session's token (what createAuthFetch returns). */
export function markAuthorizedFetch<F extends typeof fetch>(fetch: F): F {
  Object.defineProperty(fetch, MARK, { value: true });
  return fetch;
}

/**
 * Refuses, when a refresh helper is created, a fetch that waits for the session's token: the
 * refresh would carry the access token as a Bearer and, once it expired, wait for itself.
 * A TypeError, as for other configuration mistakes: no program should handle it at run time.
 */
export function refuseAuthorizedFetch(fetch: unknown, where: string): void {
  if (typeof fetch === 'function' && (fetch as { [MARK]?: unknown })[MARK] === true) {
    throw new TypeError(process.env.NODE_ENV !== 'production' ? `${where}: \`fetch\` is createAuthFetch's fetch; the refresh must not wait for the token it renews: pass the plain fetch` : msg('auth-fetch-in-refresh'));
  }
}
