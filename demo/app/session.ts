import { broadcastSync, createSession, jsonRefresh, webLocks, webStorage } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';

/** The demo's one session: localStorage, shared with other tabs through sync and a lock. */
export const session = createSession({
  refresh: jsonRefresh({ url: '/refresh' }),
  storage: webStorage(globalThis.localStorage, { key: 'silent-session-demo' }),
  sync: broadcastSync('demo'),
  lock: webLocks('demo'),
  refreshLeadTime: 5_000,
});

/** fetch with the session's token, waiting while a refresh runs, replaying a 401 once. */
export const authFetch = createAuthFetch(session);

export async function login(username: string) {
  const res = await fetch('/login', { method: 'POST', body: JSON.stringify({ username }) });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  session.login(await res.json());
}

export const admin = (path: string) => fetch(`/admin/${path}`, { method: 'POST' });
