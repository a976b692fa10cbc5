import { onTestFinished } from 'vitest';
import { broadcastSync, createSession, jsonRefresh, webStorage, type Session, type SessionOptions, type WakeReason } from '../../src/index.js';
import { STORAGE_KEY, inMemoryWebStorage, type InMemoryWebStorage } from '../helpers/integration.js';
import { authServer, cookieFetch, jumpClock } from '../helpers/server.js';
import type { AuthServer } from './stores.js';

// What the router and auth-provider recipes' tests share: tabs of one browser (sessions over one
// localStorage and one BroadcastChannel) on the real auth server, a restore the test can hold.

let channels = 0;

/** The real auth server, the page's storage, a clock to jump, and a channel name for the tabs. */
export async function browser(serverOptions: Parameters<typeof authServer>[0] = {}) {
  const clock = jumpClock();
  const server = await authServer({ accessTtl: 60, refreshTtl: 3_600, now: clock.now, ...serverOptions });
  return { clock, server, web: inMemoryWebStorage(), channel: `routing-${++channels}` };
}

export interface Tab {
  session: Session;
  /** The page becomes visible again (the session re-reads the clock). */
  wakeUp(): void;
}

/** A tab: a session over the browser's storage and channel. Stopped when the test ends. */
export function openTab(b: { server: AuthServer; web: InMemoryWebStorage; clock: { now: () => number }; channel: string }, extra: Partial<SessionOptions> = {}): Tab {
  let wake: ((reason: WakeReason) => void) | undefined;
  const session = createSession({
    refresh: jsonRefresh({ url: `${b.server.url}/refresh` }),
    storage: webStorage(b.web.storage, { key: STORAGE_KEY }),
    sync: broadcastSync(b.channel),
    retry: { attempts: 0 },
    wake: (notify) => {
      wake = notify;
      return () => {};
    },
    activity: false,
    now: b.clock.now,
    onWarning: () => {},
    ...extra,
  });
  onTestFinished(() => session.stop());
  return { session, wakeUp: () => wake?.('visible') };
}

/**
 * A reload in cookie mode: the server holds the checkSession refresh until `open()`, so the
 * session stays `restoring` as long as the test wants.
 */
export async function heldCookieRestore() {
  const server = await authServer({ cookie: true, refreshTtl: 3_600 });
  const fetch = cookieFetch();
  await fetch(`${server.url}/login`, { method: 'POST', body: JSON.stringify({ username: 'ann' }) });
  server.resetCounters();
  let open!: () => void;
  server.setFault({ type: 'gate', open: new Promise<void>((resolve) => (open = resolve)) }, 1);
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh`, credentials: 'include', fetch }),
    checkSession: true,
    wake: false,
    activity: false,
    onWarning: () => {},
  });
  onTestFinished(() => session.stop());
  return { server, session, open: () => open() };
}

/** Resolves with the first snapshot (the current one or a later one) that `ready` accepts. */
export function until(session: Session, ready: (snapshot: ReturnType<Session['getSnapshot']>) => boolean) {
  return new Promise<ReturnType<Session['getSnapshot']>>((resolve) => {
    if (ready(session.getSnapshot())) return resolve(session.getSnapshot());
    const stop = session.subscribe((snapshot) => {
      if (!ready(snapshot)) return;
      stop();
      resolve(snapshot);
    });
  });
}

export type { Session };
