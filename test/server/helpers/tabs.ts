import { createSession, jsonRefresh, broadcastSync, webStorage, type RefreshLock, type Session, type SessionError, type TokenSet } from '../../../src/index.js';
import { inMemoryWebStorage } from '../../helpers/integration.js';

/** An in-process RefreshLock shared by one user's tabs (Node has no navigator.locks). */
export function tabLock(): RefreshLock {
  let tail: Promise<unknown> = Promise.resolve();
  let held = false;
  return {
    withLock(fn, options) {
      const contended = held;
      if (contended) options?.onWait?.();
      const run = tail.then(async () => {
        if (options?.signal?.aborted) throw options.signal.reason;
        held = true;
        try {
          return await fn({ contended });
        } finally {
          held = false;
        }
      });
      tail = run.catch(() => {});
      return run;
    },
  };
}

export interface UserOptions {
  id: number;
  run: string;
  fetch: typeof fetch;
  /** Tabs share a lock (a browser with Web Locks) or not (they race; the grace window settles it). */
  lock: boolean;
  tabs?: number;
  /** Ms between one tab's requests for a token (its app's API calls). */
  every?: number;
}

/**
 * One user: a login over the balancer, then `tabs` sessions (silent-session itself: jsonRefresh,
 * webStorage on one shared storage, broadcastSync, and the lock when `lock`), each asking for a
 * token every `every` ms as an app's API calls would.
 */
export async function startUser(options: UserOptions) {
  const { id, run, tabs = 2, every = 150 } = options;
  const res = await options.fetch('http://balancer/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `user${id}` }) });
  const tokens = (await res.json()) as TokenSet;
  const web = inMemoryWebStorage();
  const lock = options.lock ? tabLock() : undefined;
  const loggedOut: Array<SessionError | null> = [];
  const failures: string[] = [];
  let served = 0;
  const sessions: Session[] = [];
  for (let t = 0; t < tabs; t++) {
    const session = createSession({
      refresh: jsonRefresh({ url: 'http://balancer/auth/refresh', fetch: options.fetch, timeout: 5_000 }),
      storage: webStorage(web.storage, { key: 'app.session' }),
      sync: broadcastSync(`${run}-user${id}`),
      ...(lock ? { lock } : {}),
      wake: false,
      refreshTimeout: 5_000,
      retry: { attempts: 3, backoff: (attempt) => 100 * attempt },
      onWarning: () => {},
      onLoggedOut: (reason) => loggedOut.push(reason),
    });
    if (t === 0) session.login(tokens);
    sessions.push(session);
  }
  let running = true;
  const loops = sessions.map(async (session, t) => {
    await new Promise((resolve) => setTimeout(resolve, (every / tabs) * t));
    while (running) {
      try {
        await session.getAccessToken();
        served++;
      } catch (error) {
        failures.push(String((error as Error).message).slice(0, 120));
      }
      await new Promise((resolve) => setTimeout(resolve, every));
    }
  });
  return {
    id,
    sessions,
    loggedOut,
    failures,
    get served() {
      return served;
    },
    statuses: () => sessions.map((s) => s.getSnapshot().status),
    /** Ends the app's requests (the sessions stay, e.g. for a last refresh). */
    async quiet() {
      running = false;
      await Promise.all(loops);
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const s of sessions) s.stop();
    },
  };
}

export type User = Awaited<ReturnType<typeof startUser>>;
