import {
  broadcastSync,
  browserWake,
  createSession,
  jsonRefresh,
  jsonRevoke,
  webLocks,
  webStorage,
  type Session,
  type SessionOptions,
  type SessionStatus,
  type WakeReason,
} from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';
import { createClock, type Clock } from './clock.js';
import { API_ORIGIN, createStoryBackend, type StoryBackend } from './backend.js';
import { createStore, type Store } from './store.js';

/** Access tokens live 60 s; the background refresh starts 15 s before that, at +45 s. */
export const ACCESS_TTL_S = 60;
export const LEAD_TIME_MS = 15_000;

export interface ScenarioOptions {
  /** Two sessions ("tabs") sharing storage, BroadcastChannel sync and the Web Lock. */
  tabs?: 1 | 2;
  /** Also listen to the browser's own visibilitychange / focus / online (the default wake). */
  browserWake?: boolean;
  /** Story-unique name for the shared storage key, channel and lock (two tabs only). */
  name?: string;
  /** Session lifetime options (ms). With `idleTimeout`, user activity is a click or key in the tab. */
  lifetime?: Pick<SessionOptions, 'idleTimeout' | 'maxSessionAge' | 'endingWarning'>;
  /** Revoke at every end of a session: `jsonRevoke` against the fake server's POST /auth/revoke. */
  revoke?: boolean;
  /** Seconds after a login that none of its refresh tokens outlives (the server's `refreshMaxAge`). */
  refreshMaxAge?: number;
}

/** One app instance: its session, its fetch, and how often its onLoggedOut ran. */
export interface Tab {
  label: string;
  session: Session;
  authFetch: typeof fetch;
  loggedOutCalls: Store<number>;
  /** What the session reported through onWarning, oldest first. */
  warnings: Store<readonly string[]>;
  /** The user clicked or typed in this tab (the session's activity source; see ScenarioOptions.lifetime). */
  userActivity(): void;
}

/**
 * Everything one story runs against; React renders it, play() drives it through the UI. The
 * backend's MSW handlers answer the page's fetch calls once the story's loader registered them.
 */
export interface Scenario {
  clock: Clock;
  backend: StoryBackend;
  tabs: Tab[];
  /** The sessions listen to the browser's visibilitychange / focus / online. */
  browserWake: boolean;
  /** The sessions have lifetime options (the page shows the sign-out warning) and revoke at the end. */
  lifetime: boolean;
  /** Time passes normally: the clock moves and the sessions' deadline timers fire on time. */
  advance(ms: number): void;
  /** The machine sleeps: the clock jumps and no timer fires (a laptop lid closed). */
  sleep(ms: number): void;
  /** Sends a wake-up signal, as the browser would (`online` when the network returns). */
  wake(reason: WakeReason): void;
  /** POST /auth/login, then `session.login()` with the answer. */
  login(tab: Tab): Promise<void>;
  stop(): void;
}

// The states whose deadline timer is running: `authenticated` (until the lead time) and
// `expiringSoon` (until expiry). Advancing the fake clock fires that timer, nothing else.
const timed: SessionStatus[] = ['authenticated', 'expiringSoon'];

export function createScenario(options: ScenarioOptions = {}): Scenario {
  const clock = createClock();
  const backend = createStoryBackend(clock, { accessTtl: ACCESS_TTL_S, ...(options.refreshMaxAge ? { refreshMaxAge: options.refreshMaxAge } : {}) });
  const count = options.tabs ?? 1;
  const name = options.name ?? `story-${Math.random().toString(36).slice(2)}`;
  const key = `silent-session-story:${name}`;
  const notifiers = new Map<Session, (reason: WakeReason) => void>();
  if (count === 2) localStorage.removeItem(key);

  const tabs = Array.from({ length: count }, (_, i): Tab => {
    const loggedOutCalls = createStore(0);
    const warnings = createStore<readonly string[]>([]);
    let notify: (reason: WakeReason) => void = () => {};
    let active: () => void = () => {};
    const shared: Partial<SessionOptions> =
      count === 2 ? { storage: webStorage(localStorage, { key }), sync: broadcastSync(name), lock: webLocks(name) } : {};
    const session = createSession({
      refresh: jsonRefresh({ url: `${API_ORIGIN}/auth/refresh` }),
      now: clock.now,
      refreshLeadTime: LEAD_TIME_MS,
      retry: { attempts: 1, backoff: () => 0 },
      onLoggedOut: () => loggedOutCalls.update((n) => n + 1),
      onWarning: (message) => warnings.update((all) => [...all, message]),
      // The story's own buttons (the clock, the server's switches) are not the user's activity:
      // only a click or a key inside the tab's app is.
      activity: (report) => ((active = report), () => (active = () => {})),
      ...options.lifetime,
      ...(options.revoke ? { revoke: jsonRevoke({ url: `${API_ORIGIN}/auth/revoke` }) } : {}),
      wake: (send) => {
        notify = send;
        return options.browserWake ? browserWake(send) : () => {};
      },
      ...shared,
    });
    notifiers.set(session, (reason) => notify(reason));
    const authFetch = createAuthFetch(session, { baseUrl: API_ORIGIN });
    return { label: count === 1 ? 'App' : `Tab ${'AB'[i] as string}`, session, authFetch, loggedOutCalls, warnings, userActivity: () => active() };
  });

  const wake = (reason: WakeReason, only?: (session: Session) => boolean) => {
    for (const [session, notify] of notifiers) if (!only || only(session)) notify(reason);
  };

  return {
    clock,
    backend,
    tabs,
    browserWake: options.browserWake === true,
    lifetime: options.lifetime !== undefined || options.revoke === true,
    advance(ms) {
      clock.advance(ms);
      wake('timer', (session) => timed.includes(session.getSnapshot().status));
    },
    sleep: (ms) => clock.advance(ms),
    wake: (reason) => wake(reason),
    async login(tab) {
      const response = await fetch(`${API_ORIGIN}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
      });
      tab.session.login(await response.json());
    },
    stop() {
      for (const tab of tabs) tab.session.stop();
      if (count === 2) localStorage.removeItem(key);
    },
  };
}

/** Resolves once the tab's session shows `status` (for loaders that set a state up). */
export function reached(tab: Tab, status: SessionStatus, timeout = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (tab.session.getSnapshot().status === status) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`the session never reached ${status}; it is ${tab.session.getSnapshot().status}`));
    }, timeout);
    const stop = tab.session.subscribe((s) => {
      if (s.status !== status) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}
