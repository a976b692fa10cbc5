import { browserWake } from './adapters/wake.js';
import { createSessionCore, type Session } from './machine/session.js';
import type { SessionOptions } from './machine/types.js';

/**
 * Creates a session: the statechart running, the stored tokens restored, and (in a browser)
 * visibility, focus and online wired to re-check expiry.
 *
 * @example
 * const session = createSession({
 *   refresh: jsonRefresh({ url: '/auth/refresh' }),
 *   storage: webStorage(localStorage, { key: 'app.session' }),
 * })
 * session.login(await (await fetch('/auth/login', { method: 'POST', body })).json())
 * const token = await session.getAccessToken()
 */
export function createSession(options: SessionOptions): Session {
  return createSessionCore(options.wake === undefined ? { ...options, wake: browserWake } : options);
}
