import { broadcastSync, createSession, jsonRefresh, jsonRevoke, webLocks, webStorage } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';

/** The sign-out warning's marker (for the page's styles and tests). */
export const WARNING = 'data-session-warning';

/**
 * The lifetime settings, from the page's URL: `?idle=60&warning=20` (seconds; the defaults),
 * `?idle=off` for no idle timeout. The form on the page changes them (the session is created
 * once per page load, so it reloads).
 */
function lifetimeFromUrl() {
  const params = new URLSearchParams(globalThis.location?.search ?? '');
  const seconds = (name: string, fallback: number) => {
    const value = Number(params.get(name) ?? fallback);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return { idle: params.get('idle') === 'off' ? null : seconds('idle', 60), warning: seconds('warning', 20) };
}
export const lifetime = lifetimeFromUrl();

/**
 * The demo's one session: localStorage, shared with other tabs through sync and a lock; signed
 * out after `lifetime.idle` seconds without activity in any tab, warned `lifetime.warning`
 * seconds before; the refresh token revoked at the server (POST /revoke) at every end.
 */
export const session = createSession({
  refresh: jsonRefresh({ url: '/refresh' }),
  revoke: jsonRevoke({ url: '/revoke' }),
  storage: webStorage(globalThis.localStorage, { key: 'silent-session-demo' }),
  sync: broadcastSync('demo'),
  lock: webLocks('demo'),
  refreshLeadTime: 5_000,
  ...(lifetime.idle === null ? {} : { idleTimeout: lifetime.idle * 1000 }),
  endingWarning: lifetime.warning * 1000, // activity: browserActivity, the default
});

/** fetch with the session's token, waiting while a refresh runs, replaying a 401 once. */
export const authFetch = createAuthFetch(session);

export async function login(username: string) {
  const res = await fetch('/login', { method: 'POST', body: JSON.stringify({ username }) });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  const { refresh_expires_in: refreshExpiresIn, ...tokens } = (await res.json()) as { accessToken: string; refreshToken?: string; expiresIn: number; refresh_expires_in?: number };
  session.login(refreshExpiresIn === undefined ? tokens : { ...tokens, refreshExpiresIn });
}

export const admin = (path: string) => fetch(`/admin/${path}`, { method: 'POST' });
