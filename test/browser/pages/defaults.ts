import { createSession, isSessionError, jsonRefresh, webStorage } from '../../../src/index.js';
import { createAuthFetch } from '../../../src/fetch.js';

// One "tab" wired as the quick start wires it: webStorage(localStorage) and nothing else. No
// `sync`, no `lock`: the defaults (broadcastSync and webLocks on the storage key) keep the tabs
// safe (issue 20 item 10).
let skew = Number(new URLSearchParams(location.search).get('skew') ?? 0);
const warnings: string[] = [];

const session = createSession({
  refresh: jsonRefresh({ url: '/refresh' }),
  storage: webStorage(localStorage, { key: 'app.session' }),
  retry: { attempts: 0 },
  now: () => Date.now() + skew,
  onWarning: (m) => warnings.push(m),
});
const authFetch = createAuthFetch(session);
const status = document.getElementById('status') as HTMLElement;
session.subscribe((s) => (status.textContent = s.status));
status.textContent = session.getSnapshot().status;

/** The `sub` of an access token (who it is for), or null. */
const subOf = (token: string | null | undefined) => (token ? (JSON.parse(atob(token.split('.')[1] as string)) as { sub: string }).sub : null);

const tab = {
  async login(username: string) {
    const res = await fetch('/login', { method: 'POST', body: JSON.stringify({ username }) });
    session.login(await res.json());
  },
  logout: () => void session.logout(),
  status: () => session.getSnapshot().status,
  user: () => subOf(session.getSnapshot().accessToken),
  storedUser: () => subOf((JSON.parse(localStorage.getItem('app.session') ?? 'null') as { accessToken?: string } | null)?.accessToken),
  skew(ms: number) {
    skew += ms;
  },
  refresh: () => session.refresh().then(
    (t) => t.slice(-4),
    (e: unknown) => (isSessionError(e) ? e.kind : String(e)),
  ),
  async fire(n: number) {
    const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => authFetch(`/api/item?i=${i}`).then((r) => r.status)));
    return results.map((r) => (r.status === 'fulfilled' ? r.value : isSessionError(r.reason) ? r.reason.kind : String(r.reason)));
  },
  warnings: () => warnings,
};
Object.assign(window, { tab });
