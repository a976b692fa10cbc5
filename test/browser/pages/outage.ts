import { createSession, isSessionError, jsonRefresh, webStorage } from '../../../src/index.js';
import { createAuthFetch } from '../../../src/fetch.js';

// One "tab" of the outage test (DESIGN rule 15): wired as the quick start wires it —
// `webStorage(localStorage)` and nothing else, so BroadcastChannel and Web Locks on the storage
// key are the defaults — polling its API through createAuthFetch. The test drives time with
// playwright's clock (setInterval, setTimeout and Date are the clock's); the network is real.
// Both fetches are counted, so the test can tell when every request out has been answered.
const warnings: string[] = [];
const busy = { api: 0, refresh: 0, refreshesSent: 0 };
const outcomes: Record<string, number> = {};
/** When this tab called fetch for a refresh (the page's clock): what the library sent, before the browser. */
const fetchedAt: number[] = [];
let idleWaiters: Array<() => void> = [];

const counted = (kind: 'api' | 'refresh'): typeof fetch => (input, init) => {
  busy[kind]++;
  if (kind === 'refresh') {
    busy.refreshesSent++;
    fetchedAt.push(Date.now());
  }
  return fetch(input, init).finally(() => {
    busy[kind]--;
    if (busy.api === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  });
};

// `?credentials=omit`: the refresh goes without cookies, so on connections of its own (see the test)
const credentials = new URLSearchParams(location.search).get('credentials') === 'omit' ? { credentials: 'omit' as const } : {};
const session = createSession({
  refresh: jsonRefresh({ url: '/refresh', fetch: counted('refresh'), ...credentials }),
  storage: webStorage(localStorage, { key: 'app.session' }),
  onWarning: (m) => warnings.push(m),
});
const authFetch = createAuthFetch(session, { fetch: counted('api') });
const status = document.getElementById('status') as HTMLElement;
session.subscribe((s) => (status.textContent = s.status));

const count = (outcome: string) => void (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1);
/** One request of the app: its outcome is an HTTP status or a SessionError kind. */
const request = (i: number) =>
  authFetch(`/api/item?i=${i}`).then(
    (r) => count(String(r.status)),
    (e: unknown) => count(isSessionError(e) ? e.kind : 'other'),
  );

let poll: ReturnType<typeof setInterval> | undefined;
let sent = 0;

const tab = {
  async login(username: string) {
    const res = await fetch('/login', { method: 'POST', body: JSON.stringify({ username }) });
    session.login(await res.json());
  },
  /** Every `every` ms (the page's clock), `burst` requests at once (a dashboard's widgets). */
  poll(every: number, burst = 1) {
    clearInterval(poll);
    poll = setInterval(() => {
      for (let i = 0; i < burst; i++) void request(sent++);
    }, every);
  },
  stop: () => clearInterval(poll),
  status: () => session.getSnapshot().status,
  retryAt: () => session.getSnapshot().retryAt,
  /** The innermost states the chart is in (e.g. `coolingDown`). */
  states(): string[] {
    const leaves: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (typeof value === 'string') leaves.push(value);
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    };
    walk(session.actor.getSnapshot().value, '');
    return leaves;
  },
  user: () => {
    const token = session.getSnapshot().accessToken;
    return token ? (JSON.parse(atob(token.split('.')[1] as string)) as { sub: string }).sub : null;
  },
  /** Once no API request of this tab is on the wire (real events, not the clock): what is still out. */
  settled: () => (busy.api === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))).then(() => ({ ...busy })),
  outcomes: () => ({ ...outcomes }),
  refreshFetches: () => [...fetchedAt],
  resetOutcomes: () => {
    for (const k of Object.keys(outcomes)) delete outcomes[k];
  },
  warnings: () => warnings,
};
Object.assign(window, { tab });
