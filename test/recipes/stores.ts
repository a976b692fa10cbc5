import axios, { type AxiosInstance } from 'axios';
import { onTestFinished } from 'vitest';
import { createSession, jsonRefresh, memoryStorage, webStorage, type Session } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { inMemoryWebStorage, STORAGE_KEY, type InMemoryWebStorage } from '../helpers/integration.js';
import { authServer, jumpClock } from '../helpers/server.js';

// What the store and router recipes' tests share: a real auth server, a page (a session over
// the page's storage, an axios client attached to it) that can be opened again over the same
// storage, as a reload does.

export type AuthServer = Awaited<ReturnType<typeof authServer>>;

/** The real auth server with a clock the test can jump, and the page's localStorage. */
export async function backend() {
  const clock = jumpClock();
  const server = await authServer({ accessTtl: 60, now: clock.now });
  const web = inMemoryWebStorage();
  return { clock, server, web };
}

export interface Page {
  session: Session;
  api: AxiosInstance;
  /** GET /api/me through the app's axios client: the status, or the kind of the SessionError. */
  me(): Promise<number | string>;
}

/**
 * A page load: a session over the page's storage (`webStorage`, as the recipes persist it; or
 * `memory`, as a port that kept its own persisted token does) and an axios client attached to
 * it. `close()` the page before opening it again: a reload.
 */
export function openPage(
  { server, web, clock }: { server: AuthServer; web: InMemoryWebStorage; clock: { now: () => number } },
  options: { persistence?: 'webStorage' | 'memory' } = {},
): Page & { close(): void } {
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    storage: options.persistence === 'memory' ? memoryStorage() : webStorage(web.storage, { key: STORAGE_KEY }),
    retry: { attempts: 0 },
    wake: false,
    activity: false,
    now: clock.now,
    onWarning: () => {},
  });
  onTestFinished(() => session.stop());
  const api = axios.create({ baseURL: server.url });
  attachSession(api, session);
  const me = () =>
    api.get('/api/me').then(
      (res) => res.status,
      (error: { response?: { status: number }; kind?: string }) => error.response?.status ?? error.kind ?? 'unknown',
    );
  return { session, api, me, close: () => session.stop() };
}

/** Keys in `storage` whose value holds `token` whole. */
export function keysHolding(storage: { data: Map<string, string> }, token: string | null): string[] {
  if (token === null) return [];
  return [...storage.data].filter(([, value]) => value.includes(token)).map(([key]) => key);
}

