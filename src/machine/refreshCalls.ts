import type { SessionError } from './errors.js';
import type { RefreshFunction } from './types.js';

// DESIGN rule 4 (v3): the refresh never carries the access token and never waits on itself,
// however it is wired. A refresh function that sends its request through the session's own
// client (the same axios or ky instance, a closure around createAuthFetch's fetch) would wait
// for the refresh it is part of. This module tells the adapters when a token request comes from
// the refresh function itself, where that can be known for certain, and names the mistake in a
// warning once, where it can only be seen afterwards.

// A registered symbol: adapters from another copy of the library find the tracker too.
const TRACKER = Symbol.for('silent-session.refreshCalls');

/** The warning's remedy, in one place. */
const REMEDY = 'mark that request `session: false` (axios request config, ky options, fetch init) or send it with a client the session is not attached to';

/** What the session and its adapters know about the refresh function's calls. */
export interface RefreshCalls {
  /** `refresh`, watched: its synchronous run and its signal are known while it is in flight. */
  wrap(refresh: RefreshFunction): RefreshFunction;
  /**
   * True for a token request that certainly comes from the refresh function: made while it is
   * being called (before its first await), or with the very signal the session gave it.
   * Warns once.
   */
  fromRefresh(signal: AbortSignal | null | undefined): boolean;
  /** An error this session hands to the callers waiting for a token. */
  gave(error: SessionError): void;
}

/** Creates the tracker of one session. */
export function createRefreshCalls(warn: (message: string) => void): RefreshCalls {
  let calling = 0;
  const signals = new Set<AbortSignal>();
  const given = new WeakSet<object>();
  let warned = false;
  const once = (message: string) => {
    if (warned) return;
    warned = true;
    warn(message);
  };
  // The error itself or one of its causes (a client may wrap it): at most a few levels deep.
  const fromWaiters = (error: unknown): boolean => {
    let e: unknown = error;
    for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
      if (given.has(e)) return true;
      e = (e as { cause?: unknown }).cause;
    }
    return false;
  };

  return {
    wrap: (refresh) => (context) => {
      signals.add(context.signal);
      calling++;
      let pending: ReturnType<RefreshFunction>;
      try {
        pending = refresh(context);
      } catch (error) {
        signals.delete(context.signal);
        throw error;
      } finally {
        calling--;
      }
      return Promise.resolve(pending).then(
        (tokens) => {
          signals.delete(context.signal);
          return tokens;
        },
        (error: unknown) => {
          signals.delete(context.signal);
          // Only a request that waited for this session's token can have been given this error:
          // the refresh sent its own request through the session's client and waited for itself.
          if (fromWaiters(error)) {
            once(`the refresh function failed with the error this session gave the requests waiting for a token: its own request went through a client attached to this session and waited for the refresh it is part of until refreshTimeout; ${REMEDY}`);
          }
          throw error;
        },
      );
    },
    fromRefresh(signal) {
      if (calling === 0 && (!signal || !signals.has(signal))) return false;
      once(`a request made by the refresh function went through a client attached to this session; it was sent without the token (the refresh must never carry it, nor wait for itself), but ${REMEDY}`);
      return true;
    },
    gave(error) {
      given.add(error);
    },
  };
}

/** Makes `tracker` findable from `session` by the adapters. */
export function exposeRefreshCalls<S extends object>(session: S, tracker: RefreshCalls): S {
  Object.defineProperty(session, TRACKER, { value: tracker });
  return session;
}

/**
 * For the adapters: true when a request with `signal` certainly comes from `session`'s own
 * refresh function (see {@link RefreshCalls.fromRefresh}); it must then go out bare.
 */
export function fromRefresh(session: object, signal: AbortSignal | null | undefined): boolean {
  const tracker = (session as { [TRACKER]?: RefreshCalls })[TRACKER];
  return tracker !== undefined && tracker.fromRefresh(signal);
}
