import type { SnapshotFrom } from 'xstate';
import type { sessionMachine } from './sessionMachine.js';
import type { NonceRetry, SessionSnapshot, SessionStatus } from './types.js';
import { errorMessage } from './util.js';

type MachineSnapshot = SnapshotFrom<typeof sessionMachine>;

// Each state of the session region carries its public status as a tag.
const STATUSES: readonly SessionStatus[] = ['authenticated', 'expiringSoon', 'refreshing', 'refreshFailed', 'restoring', 'loggedOut'];

/** The public status of a machine snapshot: the status tag of its active state. */
export function statusOf(snapshot: MachineSnapshot): SessionStatus {
  for (const status of STATUSES) if (snapshot.hasTag(status)) return status;
  return 'loggedOut'; // a stopped actor
}

/** What the session knows beside the chart: how its token is sent, and the nonce retries (DPoP). */
export interface TokenSending {
  tokenType: 'Bearer' | 'DPoP';
  nonceRetry: NonceRetry | null;
}

const BEARER: TokenSending = { tokenType: 'Bearer', nonceRetry: null };

/** The public snapshot of a machine snapshot plus the number of waiting callers. */
export function toSnapshot(snapshot: MachineSnapshot, pending: number, sending: TokenSending = BEARER): SessionSnapshot {
  const { tokens, error, ending } = snapshot.context;
  const status = statusOf(snapshot);
  const waiting = snapshot.matches({ session: { refreshFailed: 'coolingDown' } }) || snapshot.matches({ session: { renewing: { attempt: 'backingOff' } } });
  return {
    status,
    accessToken: tokens?.accessToken ?? null,
    claims: tokens?.claims ?? null,
    expiresAt: tokens?.expiresAt ?? null,
    error,
    pending,
    ending,
    retryAt: waiting ? snapshot.context.retryAt : null,
    tokenType: sending.tokenType,
    nonceRetry: sending.nonceRetry,
    isAuthenticated: status !== 'loggedOut' && status !== 'restoring',
    isRestoring: status === 'restoring',
  };
}

/** True when two snapshots show the same thing (so the older object can be kept). */
function sameSnapshot(a: SessionSnapshot, b: SessionSnapshot): boolean {
  return (
    a.status === b.status && a.accessToken === b.accessToken && a.expiresAt === b.expiresAt && a.error === b.error &&
    a.pending === b.pending && a.ending?.reason === b.ending?.reason && a.ending?.at === b.ending?.at && a.retryAt === b.retryAt &&
    a.nonceRetry === b.nonceRetry
  );
}

/**
 * Holds the current snapshot and tells listeners when it changes: the same object until a
 * field does (React's `useSyncExternalStore` relies on it). A throwing listener is reported
 * through `warn` and does not stop the others.
 */
export function createSnapshotStore(read: () => SessionSnapshot, warn: (message: string) => void) {
  const listeners = new Set<(snapshot: SessionSnapshot) => void>();
  let current = read();
  return {
    get: () => current,
    subscribe(listener: (snapshot: SessionSnapshot) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    /** Re-reads the snapshot; notifies only if something changed. */
    update() {
      const next = read();
      if (sameSnapshot(next, current)) return;
      current = next;
      for (const listener of [...listeners]) {
        try {
          listener(next);
        } catch (error) {
          warn(`a session listener threw: ${errorMessage(error)}`);
        }
      }
    },
    clear: () => listeners.clear(),
  };
}

/**
 * What a server renders before the browser's session takes over: logged out (React and Vue
 * bindings). The default `serverSnapshot`.
 *
 * @example
 * const snapshot = typeof window === 'undefined' ? LOGGED_OUT_SNAPSHOT : session.getSnapshot()
 */
export const LOGGED_OUT_SNAPSHOT: SessionSnapshot = Object.freeze({
  status: 'loggedOut',
  accessToken: null,
  claims: null,
  expiresAt: null,
  error: null,
  pending: 0,
  ending: null,
  retryAt: null,
  tokenType: 'Bearer',
  nonceRetry: null,
  isAuthenticated: false,
  isRestoring: false,
});
