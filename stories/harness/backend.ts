import { HttpResponse, http, type HttpHandler } from 'msw';
import { createAuthBackend, type AuthBackend, type BackendRequest } from '../../src/msw.js';
import type { Clock } from './clock.js';
import { createStore, type Store } from './store.js';

/** The fake server's origin. Nothing leaves the page: MSW's service worker answers it. */
export const API_ORIGIN = 'https://api.example.test';

/** One line of the request log, as the server saw it. */
export interface LoggedRequest {
  id: number;
  method: string;
  path: string;
  /** What the request carried, by the number of the pair it belongs to (`access …A001`). */
  credential: string;
  /** `waiting`, the HTTP status (`200`, `401`), `network error` or `aborted`. */
  outcome: string;
}

/** The server's switches and counters, as the story shows them. */
export interface BackendState {
  networkDown: boolean;
  /** `code-401`: the refresh endpoint answers 200 with `{ code: 401 }` (seed 003's server). */
  refreshAnswer: 'rotate' | 'code-401';
  /** Refresh answers are held until released (a slow refresh). */
  holdRefresh: boolean;
  /** API answers are held until released (slow requests, for the stale 401). */
  holdApi: boolean;
  /** POSTs to /auth/refresh the client made, whether or not they reached the server. */
  refreshCalls: number;
  /** POSTs to /auth/revoke (the session's revocation) the server answered. */
  revocations: number;
  log: readonly LoggedRequest[];
}

/** The story's server: the silent-session/msw kit plus the switches the page shows. */
export interface StoryBackend {
  readonly kit: AuthBackend;
  /** The kit's handlers, after one of the app's own: GET /api/always-401. */
  readonly handlers: HttpHandler[];
  readonly store: Store<BackendState>;
  setNetworkDown(down: boolean): void;
  setRefreshAnswer(answer: BackendState['refreshAnswer']): void;
  /** Turns holding on, or off and releases everything held. */
  setHold(what: 'refresh' | 'api', hold: boolean): void;
  /** Revokes every session: its access tokens and refresh tokens stop working. */
  revokeAll(): void;
}

/**
 * The fake auth server of the stories, built on `createAuthBackend` from silent-session/msw:
 * POST /auth/login, POST /auth/refresh (rotation; a refresh token used twice revokes its
 * family), GET /api/data, and the app's own GET /api/always-401 behind the kit's token check.
 * Tokens are real JWTs; the log names them by the pair they belong to: the first login's
 * access token is A001 and its refresh token R001, the first refresh's A002 / R002.
 */
export function createStoryBackend(clock: Clock, options: { accessTtl?: number; refreshMaxAge?: number } = {}): StoryBackend {
  const kit = createAuthBackend({
    baseUrl: API_ORIGIN,
    accessTtl: options.accessTtl ?? 60,
    ...(options.refreshMaxAge ? { refreshMaxAge: options.refreshMaxAge } : {}),
    now: clock.now,
    claims: () => ({ name: 'Alice' }),
  });
  const alwaysRefused = http.get(`${API_ORIGIN}/api/always-401`, kit.protect(() => HttpResponse.json({ error: 'invalid_token' }, { status: 401 })));
  const switches = { networkDown: false, refreshAnswer: 'rotate' as BackendState['refreshAnswer'], holdRefresh: false, holdApi: false };
  const read = (): BackendState => ({ ...switches, refreshCalls: kit.counters.refreshes, revocations: kit.counters.logouts, log: kit.requests.map((r) => line(kit, r)) });
  const store = createStore(read());
  kit.subscribe(() => store.update(read));
  const set = (change: Partial<typeof switches>, apply: () => void) => {
    Object.assign(switches, change);
    apply(); // the kit reports the change, and the store re-reads
  };

  return {
    kit,
    handlers: [alwaysRefused, ...kit.handlers],
    store,
    setNetworkDown: (networkDown) => set({ networkDown }, () => kit.setOffline(networkDown)),
    setRefreshAnswer: (refreshAnswer) =>
      set({ refreshAnswer }, () => kit.failNextRefresh(refreshAnswer === 'code-401' ? 'error-body' : null, Infinity)),
    setHold(what, hold) {
      const route = what === 'api' ? 'resource' : 'refresh';
      set(what === 'api' ? { holdApi: hold } : { holdRefresh: hold }, () => (hold ? kit.hold(route) : kit.release(route)));
    },
    revokeAll: () => kit.revokeSessions(),
  };
}

/** `A001`: the access token of the first pair the kit issued; R for refresh tokens. */
export function tokenLabel(kit: AuthBackend, token: string): string {
  const index = kit.issued.findIndex((pair) => pair.accessToken === token || pair.refreshToken === token);
  if (index < 0) return `…${token.slice(-4)}`;
  const kind = kit.issued[index]?.accessToken === token ? 'A' : 'R';
  return `…${kind}${String(index + 1).padStart(3, '0')}`;
}

const OUTCOMES: Record<string, string> = { pending: 'waiting', 'network-error': 'network error', aborted: 'aborted' };

function line(kit: AuthBackend, r: BackendRequest): LoggedRequest {
  // A refresh that also carried the access token as a Bearer would show it here (and fail the
  // stories' exact log lines): rule 4 of the design, visible.
  const access = r.accessToken === null ? null : `access ${tokenLabel(kit, r.accessToken)}`;
  const credential =
    r.route === 'refresh' || r.route === 'logout'
      ? [`refresh ${r.refreshToken === null ? '—' : tokenLabel(kit, r.refreshToken)}`, access].filter(Boolean).join(', ')
      : (access ?? 'no token');
  return { id: r.id, method: r.method, path: r.path, credential, outcome: OUTCOMES[String(r.outcome)] ?? String(r.outcome) };
}
