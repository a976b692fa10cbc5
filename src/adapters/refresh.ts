import { SessionError, httpError } from '../machine/errors.js';
import { redact } from '../machine/tokens.js';
import { after } from '../machine/timer.js';
import type { RefreshFunction, TokenSet } from '../machine/types.js';
import { refuseAuthorizedFetch } from './authorizedFetch.js';

/** Options of {@link jsonRefresh}. */
export interface JsonRefreshOptions {
  /** The refresh endpoint; it receives a POST. */
  url: string | URL;
  fetch?: typeof fetch;
  /** Send the refresh token in this header (e.g. `X-Refresh-Token`) instead of the JSON body. */
  header?: string;
  /** JSON body field that carries the refresh token (default `refreshToken`). */
  field?: string;
  /** `'include'` for cookie mode, where an httpOnly cookie carries the refresh token. */
  credentials?: RequestCredentials;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * Hard cap in ms on one request, after which it is aborted (default 30 000). The session's
   * `refreshTimeout` already bounds how long callers wait; this bounds a hung socket.
   */
  timeout?: number;
  /** Maps a parsed 2xx body to tokens; throw a SessionError to refuse it. */
  parse?: (body: unknown, response: Response) => TokenSet;
}

/**
 * A refresh function for JSON endpoints. It never sends the refresh token as
 * `Authorization: Bearer`, and it reads the body rather than trusting `res.ok`: a 200 whose
 * body says `{ code: 401 }`, lacks an access token or is not JSON is `invalid-response`.
 * 400/401/403 and `invalid_grant` are `rejected` (the user must log in again); 5xx, 408 and
 * 429 are transient `http` errors. Accepts `{ accessToken, refreshToken, expiresIn }`, the
 * OAuth `{ access_token, refresh_token, expires_in }`, and either wrapped in `{ data }`.
 *
 * @example
 * createSession({ refresh: jsonRefresh({ url: '/auth/refresh' }) })
 * createSession({ refresh: jsonRefresh({ url: '/auth/refresh', credentials: 'include' }) }) // cookie mode
 */
export function jsonRefresh(options: JsonRefreshOptions): RefreshFunction {
  refuseAuthorizedFetch(options.fetch, 'jsonRefresh');
  const { url, header, field = 'refreshToken', credentials, timeout = 30_000 } = options;
  return async ({ refreshToken, signal }) => {
    if (refreshToken === undefined && credentials !== 'include') {
      throw new SessionError('rejected', 'there is no refresh token to send (cookie mode needs credentials: "include")');
    }
    // Headers, so that a caller's `Content-Type` replaces the default whatever its case
    const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    const body: Record<string, string> = {};
    if (refreshToken !== undefined) {
      if (header) {
        try {
          headers.set(header, refreshToken);
        } catch {
          throw new SessionError('invalid-response', `the refresh token (${redact(refreshToken)}) cannot be sent in the ${header} header`);
        }
      } else body[field] = refreshToken;
    }
    const capped = withTimeout(signal, timeout);
    let response: Response;
    let text: string;
    try {
      response = await (options.fetch ?? fetch)(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: capped.signal,
        ...(credentials ? { credentials } : {}),
      });
      text = await response.text();
    } catch (cause) {
      if (signal.aborted) throw new SessionError('aborted', 'the refresh request was aborted', { cause });
      if (capped.timedOut()) throw new SessionError('timeout', `the refresh request took longer than ${timeout} ms`, { cause });
      throw new SessionError('network', `the refresh request failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    } finally {
      capped.done();
    }
    const json = parseJson(text);
    if (!response.ok) {
      const detail = describeError(json);
      if (detail === 'invalid_grant') throw new SessionError('rejected', `refresh endpoint answered ${response.status} (invalid_grant)`, { status: response.status });
      throw httpError(response.status, detail);
    }
    if (json === undefined) throw invalid(`the refresh endpoint answered ${response.status} without a JSON body`);
    const tokens = options.parse ? options.parse(json, response) : toTokenSet(json, response.status);
    const date = Date.parse(response.headers.get('date') ?? '');
    return Number.isNaN(date) || tokens.serverDate !== undefined ? tokens : { ...tokens, serverDate: date };
  };
}

const invalid = (message: string) => new SessionError('invalid-response', message);

function toTokenSet(json: unknown, status: number): TokenSet {
  if (typeof json !== 'object' || json === null) throw invalid('the refresh answer is not a JSON object');
  const outer = json as Record<string, unknown>;
  const { code } = outer;
  if ((code !== undefined && code !== 0 && code !== '0' && code !== 200 && code !== '200') || outer.success === false || (outer.error != null && outer.error !== false)) {
    const detail = describeError(outer);
    throw invalid(`the refresh endpoint answered ${status} but its body says it failed (${detail ?? `code ${String(code)}`})`);
  }
  const hasToken = (o: Record<string, unknown>) => o.accessToken !== undefined || o.access_token !== undefined;
  const data = outer.data;
  const b = !hasToken(outer) && typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : outer;
  const accessToken = b.accessToken ?? b.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw invalid('the refresh answer has no access token');
  const refreshToken = b.refreshToken ?? b.refresh_token;
  if (refreshToken !== undefined && refreshToken !== null && typeof refreshToken !== 'string') {
    throw invalid('the refresh answer has a refresh token that is not a string');
  }
  const set: TokenSet = { accessToken };
  if (typeof refreshToken === 'string') set.refreshToken = refreshToken;
  // a number, or a numeric string; null, '' and the like mean "not given"
  const given = b.expiresIn ?? b.expires_in;
  const expiresIn = typeof given === 'number' || (typeof given === 'string' && given.trim() !== '') ? Number(given) : NaN;
  if (Number.isFinite(expiresIn)) set.expiresIn = expiresIn;
  if (typeof b.expiresAt === 'number') set.expiresAt = b.expiresAt;
  return set;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeError(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  for (const k of ['error', 'msg', 'message', 'error_description']) {
    if (typeof o[k] === 'string') return (o[k] as string).slice(0, 120);
  }
  return undefined;
}

function withTimeout(signal: AbortSignal, ms: number) {
  const controller = new AbortController();
  let timedOut = false;
  const abort = () => controller.abort(signal.reason);
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  const cancel = after(ms, () => {
    timedOut = true;
    controller.abort(new SessionError('timeout', `refresh took longer than ${ms} ms`));
  });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      cancel();
      signal.removeEventListener('abort', abort);
    },
  };
}
