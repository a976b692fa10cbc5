// The adapters' side of refreshCalls.ts, kept apart so that an adapter bundle carries only this.

// A registered symbol: adapters from another copy of the library find the tracker too.
export const TRACKER = Symbol.for('silent-session.refreshCalls');

/** What an adapter asks a session's refresh-call tracker. */
export interface RefreshCallsLookup {
  /**
   * True for a token request that certainly comes from the refresh function: made while it is
   * being called (before its first await), or with the very signal the session gave it.
   * Warns once.
   */
  fromRefresh(signal: AbortSignal | null | undefined): boolean;
}

/**
 * For the adapters: true when a request with `signal` certainly comes from `session`'s own
 * refresh function; it must then go out bare (DESIGN rule 4).
 */
export function fromRefresh(session: object, signal: AbortSignal | null | undefined): boolean {
  const tracker = (session as { [TRACKER]?: RefreshCallsLookup })[TRACKER];
  return tracker !== undefined && tracker.fromRefresh(signal);
}
