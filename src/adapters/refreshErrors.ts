import { errorStatus, isSessionError } from '../machine/errors.js';
import type { RefreshFunction } from '../machine/types.js';

// An app's own refresh function often goes through its request wrapper, and many wrappers throw
// the response body (`error.response.data`, e.g. `{ code: -1, message: 'Forbidden Exception' }`)
// instead of the client's error. Without a status the session cannot tell "refused" from "the
// network failed": it retries and keeps the user signed in, and `onLoggedOut` is never called.
// That is the safe reading (DESIGN rule 6), but it must not be silent (issue 20 item 1).

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,23}$/;
const NETWORK_FAILURE = /^(fetch failed|failed to fetch|networkerror when attempting to fetch resource\.?|load failed|network request failed)$/i;

/** Errors that are plainly a failed transport, not an answer: nothing to warn about. */
function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  const e = error as Error & { isAxiosError?: unknown; response?: unknown; code?: unknown; cause?: { code?: unknown } };
  if (e.isAxiosError === true && e.response == null) return true; // axios: no answer came
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|ERR_[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(code)) return true; // Node, undici
  // fetch's own network failure, as undici, Chromium, Firefox, Safari and React Native word it
  return error.name === 'TypeError' && NETWORK_FAILURE.test(error.message);
}

/** What was thrown, in words that hold no value from it (only its type and key names). */
function describe(value: unknown): string {
  if (value instanceof Error) return `an error (${IDENTIFIER.test(value.name) ? value.name : 'Error'})`;
  if (typeof value !== 'object' || value === null) return `a ${value === null ? 'null' : typeof value}`;
  const keys = Object.keys(value).filter((k) => IDENTIFIER.test(k)).slice(0, 6);
  return keys.length > 0 ? `an object { ${keys.join(', ')} } (a response body?)` : 'an object';
}

/**
 * Wraps an app's refresh function: when it fails with something that carries no HTTP status and
 * is not plainly a network failure, says once, through `warn`, that the session reads it as a
 * transient failure, and how to say "rejected". What it threw is passed on unchanged.
 */
export function warnStatuslessFailures(refresh: RefreshFunction, warn: (message: string) => void): RefreshFunction {
  let warned = false;
  const check = (error: unknown, signal: AbortSignal) => {
    if (warned || signal.aborted || isSessionError(error) || errorStatus(error) !== undefined || isTransportFailure(error)) return;
    warned = true;
    try {
      warn(
        `the refresh function failed with ${describe(error)} that carries no HTTP status: it counts as a network failure, is retried, and never signs the user out. ` +
          "If the server refused the refresh token, throw new SessionError('rejected', …) from the refresh function (or let the HTTP client's own error through: axios and ky errors, a Response or { status } carry the status)",
      );
    } catch {
      // a throwing onWarning must not change what the refresh failed with
    }
  };
  return (context) => {
    let pending: ReturnType<RefreshFunction>;
    try {
      pending = refresh(context);
    } catch (error) {
      check(error, context.signal);
      throw error;
    }
    return Promise.resolve(pending).catch((error: unknown) => {
      check(error, context.signal);
      throw error;
    });
  };
}
