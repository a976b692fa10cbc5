/**
 * Which of the fake backend's routes a request hit (`logout` is the revocation route).
 *
 * @example
 * const refreshes = backend.requests.filter((r) => r.route === 'refresh')
 */
export type BackendRoute = 'login' | 'refresh' | 'logout' | 'resource';

/**
 * One request the fake backend received.
 *
 * @example
 * expect(backend.requests.at(-1)).toMatchObject({ route: 'resource', path: '/api/orders', outcome: 200 })
 */
export interface BackendRequest {
  /** 1, 2, 3… in arrival order. */
  id: number;
  /** Which route answered it. */
  route: BackendRoute;
  /** The HTTP method. */
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The token the `Authorization: Bearer` header carried, or null. */
  accessToken: string | null;
  /** The refresh token a refresh or logout presented, or null. */
  refreshToken: string | null;
  /** `pending` until answered; then the HTTP status, `network-error` or `aborted`. */
  outcome: 'pending' | 'network-error' | 'aborted' | number;
}

/**
 * What the fake backend counted since the last `reset()`.
 *
 * @example
 * expect(backend.counters).toMatchObject({ refreshes: 1, expiredTokenRequests: 0, reuseDetections: 0 })
 */
export interface BackendCounters {
  /** Login requests. */
  logins: number;
  /** Refresh requests received, whatever became of them (offline, held or failed on purpose included). */
  refreshes: number;
  /** Refreshes answered with new tokens (a reuse within the grace window included). */
  refreshesOk: number;
  /** Refreshes answered 401 invalid_grant: unknown, expired, revoked or reused refresh token. */
  refreshesRejected: number;
  /** Refresh tokens presented a second time (outside the grace window): their family is revoked. */
  reuseDetections: number;
  /** Revocation requests (the `logout` route, `POST /auth/revoke` by default). */
  logouts: number;
  /** Requests to protected routes. */
  resourceRequests: number;
  /** Requests to protected routes whose access token was accepted. */
  authorizedRequests: number;
  /** Requests to protected routes that carried an expired access token. */
  expiredTokenRequests: number;
  /** Requests to protected routes refused for any reason (expired included). */
  unauthorizedRequests: number;
}

export const newCounters = (): BackendCounters => ({
  logins: 0,
  refreshes: 0,
  refreshesOk: 0,
  refreshesRejected: 0,
  reuseDetections: 0,
  logouts: 0,
  resourceRequests: 0,
  authorizedRequests: 0,
  expiredTokenRequests: 0,
  unauthorizedRequests: 0,
});

/**
 * The requests received, as an immutable list replaced on every change (so a UI can read it
 * with `useSyncExternalStore`), and the listeners told about each change.
 */
export function createRequestLog() {
  let entries: readonly BackendRequest[] = [];
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  return {
    get entries() {
      return entries;
    },
    add(entry: Omit<BackendRequest, 'id' | 'outcome'>): (outcome: BackendRequest['outcome']) => void {
      const id = entries.length + 1;
      entries = Object.freeze([...entries, Object.freeze({ ...entry, id, outcome: 'pending' as const })]);
      changed();
      return (outcome) => {
        entries = Object.freeze(entries.map((e) => (e.id === id ? Object.freeze({ ...e, outcome }) : e)));
        changed();
      };
    },
    clear() {
      entries = Object.freeze([]);
      changed();
    },
    /** Also told when counters or switches change. */
    changed,
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
