import type { SessionError } from './errors.js';
import { TRACKER, type RefreshCallsLookup } from './refreshCallsKey.js';
import type { RefreshFunction } from './types.js';
import { msg } from './dev.js';

// DESIGN rule 4 (v3): the refresh never carries the access token and never waits on itself,
// however it is wired. A refresh function that sends its request through the session's own
// client (the same axios or ky instance, a closure around createAuthFetch's fetch) would wait
// for the refresh it is part of. This module tells the adapters when a token request comes from
// the refresh function itself, where that can be known for certain, and names the mistake in a
// warning once, where it can only be seen afterwards.


/** The warning's remedy, in one place. */
const REMEDY = 'mark it `session: false` (axios config, ky options, fetch init) or use a client the session is not attached to';

/** What the session and its adapters know about the refresh function's calls. */
export interface RefreshCalls extends RefreshCallsLookup {
  /** `refresh`, watched: its synchronous run and its signal are known while it is in flight. */
  wrap(refresh: RefreshFunction): RefreshFunction;
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
            once(process.env.NODE_ENV !== 'production' ? `the refresh function failed with the error given to requests waiting for a token: its own request went through a client attached to this session and waited for itself until refreshTimeout; ${REMEDY}` : msg('refresh-self-wait'));
          }
          throw error;
        },
      );
    },
    fromRefresh(signal) {
      if (calling === 0 && (!signal || !signals.has(signal))) return false;
      once(process.env.NODE_ENV !== 'production' ? `the refresh function sent its request through a client attached to this session; it went out without the token, but ${REMEDY}` : msg('refresh-through-session'));
      return true;
    },
    gave(error) {
      given.add(error);
    },
  };
}

/** Makes `tracker` findable from `session` by the adapters (see refreshCallsKey.ts). */
export function exposeRefreshCalls<S extends object>(session: S, tracker: RefreshCalls): S {
  Object.defineProperty(session, TRACKER, { value: tracker });
  return session;
}
