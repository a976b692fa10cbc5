import { browserActivity } from './adapters/activity.js';
import { issuedTokens } from './adapters/issuedTokens.js';
import { warnStatuslessFailures } from './adapters/refreshErrors.js';
import { describeStorage } from './adapters/storage.js';
import { tabWiring } from './adapters/tabDefaults.js';
import { browserWake } from './adapters/wake.js';
import { createSessionCore, type Session } from './machine/session.js';
import type { RefreshLock, SessionOptions, SessionSync, StorageLike } from './machine/types.js';
import { defaultWarn } from './machine/util.js';

/**
 * Options of {@link createSession}: {@link SessionOptions}, where `sync` and `lock` may be
 * `false`, and default to the tabs' wiring when the tokens are in the page's localStorage.
 *
 * @example
 * const options: CreateSessionOptions = {
 *   refresh: jsonRefresh({ url: '/auth/refresh' }),
 *   storage: webStorage(localStorage, { key: 'app.session' }), // sync and lock default to 'app.session'
 * }
 */
export interface CreateSessionOptions extends Omit<SessionOptions, 'sync' | 'lock'> {
  /**
   * Tells the other tabs about new tokens, logins and logouts. Default with
   * `storage: webStorage(localStorage, { key })`: `broadcastSync(key)`; with any other storage,
   * none. `false`: none.
   */
  sync?: SessionSync | false | undefined;
  /**
   * One refresh at a time across tabs. Default with `storage: webStorage(localStorage, { key })`:
   * `webLocks(key)` (where `navigator.locks` is missing it says so once through `onWarning`);
   * with any other storage, none. `false`: none.
   */
  lock?: RefreshLock | false | undefined;
}

/**
 * Creates a session: the statechart running, the stored tokens restored, and (in a browser)
 * visibility, focus and online wired to re-check expiry, with `idleTimeout` a person's pointer,
 * keys, wheel and touch counted as activity, and with `maxSessionAge` the login's stamp kept in
 * localStorage (see `loginRecord`). With `storage: webStorage(localStorage, { key })`, `sync` and
 * `lock` default to `broadcastSync(key)` and `webLocks(key)`: the tabs are safe without wiring.
 *
 * @example
 * const session = createSession({
 *   refresh: jsonRefresh({ url: '/auth/refresh' }),
 *   storage: webStorage(localStorage, { key: 'app.session' }),
 * })
 * session.login(await (await fetch('/auth/login', { method: 'POST', body })).json())
 * const token = await session.getAccessToken()
 *
 * `Claims` declares what the access token's payload holds, for `getSnapshot().claims` (a
 * declaration, not a check: the payload is whatever the server signed). Use a `type`, or an
 * interface that extends `Record<string, unknown>`.
 *
 * @example
 * type Claims = { sub: string; roles: string[] }
 * const session = createSession<Claims>({ refresh: jsonRefresh({ url: '/auth/refresh' }) })
 * session.getSnapshot().claims?.roles // string[] | undefined
 */
export function createSession<Claims extends Record<string, unknown> = Record<string, unknown>>(
  options: CreateSessionOptions,
): Session<Claims> {
  const { sync, lock, ...rest } = options;
  // DPoP: one key per session storage key, in every tab (a `name` given to dpop() wins)
  const key = options.dpop && describeStorage(options.storage)?.key;
  if (key) options.dpop?.attach(key);
  // The one place the declared payload type is attached; the core decodes whatever arrives.
  const session = createSessionCore({
    ...rest,
    ...tabWiring(options.storage, sync, lock, options.onWarning),
    // a failure without a status reads as transient: said once, with how to say "rejected" (a
    // development check: production builds leave the app's function as it is)
    refresh: process.env.NODE_ENV !== 'production' && typeof options.refresh === 'function' ? warnStatuslessFailures(options.refresh, options.onWarning ?? defaultWarn) : options.refresh,
    wake: options.wake === undefined ? browserWake : options.wake,
    activity: options.activity === undefined ? browserActivity : options.activity,
    // maxSessionAge counts from the login across reloads and tabs, cookie mode included
    loginRecord: options.loginRecord === undefined && options.maxSessionAge !== undefined ? { storage: localStorageOf() } : options.loginRecord,
  });
  // From the first login on, the adapters can tell the session's tokens in a header an app set.
  issuedTokens(session);
  return session as Session<Claims>;
}

/** The page's localStorage; null outside a browser or where reading it throws (sandboxed frames). */
function localStorageOf(): StorageLike | null {
  try {
    return (globalThis as { localStorage?: StorageLike }).localStorage ?? null;
  } catch {
    return null;
  }
}
