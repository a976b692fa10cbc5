import { broadcastSync, createSession, isSessionError, jsonRefresh, webLocks, webStorage } from '../../../src/index.js';
import { createAuthFetch } from '../../../src/fetch.js';

// One "tab" of the cross-tab tests: a session on the real auth server (same origin), sharing
// localStorage, a BroadcastChannel and a Web Lock with the other pages of the browser context.
const params = new URLSearchParams(location.search);
if (params.has('nobc')) delete (window as { BroadcastChannel?: unknown }).BroadcastChannel;
let skew = Number(params.get('skew') ?? 0);
const now = () => Date.now() + skew;
const warnings: string[] = [];
const loggedOutAt: number[] = [];

const session = createSession({
  refresh: jsonRefresh({ url: '/refresh' }),
  storage: webStorage(localStorage, { key: 'session' }),
  sync: broadcastSync('tabs'),
  lock: webLocks('tabs', { timeout: Number(params.get('lockTimeout') ?? 3_000) }),
  retry: { attempts: 0 },
  now,
  onWarning: (m) => warnings.push(m),
});
const authFetch = createAuthFetch(session);
const status = document.getElementById('status') as HTMLElement;
session.subscribe((s) => {
  status.textContent = s.status;
  if (s.status === 'loggedOut') loggedOutAt.push(performance.timeOrigin + performance.now());
});
status.textContent = session.getSnapshot().status;

const tab = {
  async login() {
    const res = await fetch('/login', { method: 'POST', body: JSON.stringify({ username: 'alice' }) });
    session.login(await res.json());
    return performance.timeOrigin + performance.now();
  },
  logout() {
    session.logout();
    return performance.timeOrigin + performance.now();
  },
  status: () => session.getSnapshot().status,
  token: () => session.getSnapshot().accessToken,
  stored: () => localStorage.getItem('session'),
  skew(ms: number) {
    skew += ms;
  },
  refresh: () => session.refresh().then(
    (t) => t.slice(-4),
    (e: unknown) => (isSessionError(e) ? e.kind : String(e)),
  ),
  /** Fires n requests at once; each result is a status code or a SessionError kind. */
  async fire(n: number, path = '/api/item') {
    const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => authFetch(`${path}?i=${i}`).then((r) => r.status)));
    return results.map((r) => (r.status === 'fulfilled' ? r.value : isSessionError(r.reason) ? r.reason.kind : String(r.reason)));
  },
  loggedOutAt: () => loggedOutAt.at(-1) ?? null,
  /** Where the refresh attempt is (`waitingForLock`, `requesting`, …), or null when none runs. */
  attempt(): string | null {
    const running = (session.actor.getSnapshot().value as { session?: { renewing?: { attempt?: { running?: string } } } }).session?.renewing?.attempt?.running;
    return running ?? null;
  },
  warnings: () => warnings,
};
Object.assign(window, { tab });
