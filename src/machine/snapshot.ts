import type { SessionContext } from './sessionMachine.js';
import type { SessionSnapshot, SessionStatus } from './types.js';

/** The public status for a machine state value: the active leaf. */
export function statusOf(value: unknown): SessionStatus {
  if (typeof value === 'object' && value !== null) return (value as { renewing: SessionStatus }).renewing;
  return value as SessionStatus;
}

/** The public snapshot of a machine snapshot plus the number of waiting callers. */
export function toSnapshot(value: unknown, context: SessionContext, pending: number): SessionSnapshot {
  const tokens = context.tokens;
  const status = statusOf(value);
  return {
    status,
    accessToken: tokens?.accessToken ?? null,
    claims: tokens?.claims ?? null,
    expiresAt: tokens?.expiresAt ?? null,
    error: context.error,
    pending,
    ending: null,
    isAuthenticated: status !== 'loggedOut' && status !== 'restoring',
    isRestoring: status === 'restoring',
  };
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
      const prev = current;
      const same =
        next.status === prev.status &&
        next.accessToken === prev.accessToken &&
        next.expiresAt === prev.expiresAt &&
        next.error === prev.error &&
        next.pending === prev.pending;
      if (same) return;
      current = next;
      for (const listener of [...listeners]) {
        try {
          listener(next);
        } catch (error) {
          warn(`a session listener threw: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    },
    clear: () => listeners.clear(),
  };
}
