import { sanitizeCause } from './cause.js';
import { cleanText, type Secrets } from './redact.js';
import { RETRY_AFTER_CAP_MS, retryAfterOf } from './retryAfter.js';
import { errorMessage } from './util.js';
/** What went wrong, as one word a program can switch on. */
export type SessionErrorKind =
  | 'network'
  | 'timeout'
  | 'http'
  | 'rejected'
  | 'invalid-response'
  | 'rate-limited'
  | 'logged-out'
  | 'aborted'
  /** `idleTimeout` passed without activity. */
  | 'idle-timeout'
  /** `maxSessionAge` or the refresh token's lifetime passed. */
  | 'session-expired';

/**
 * Options for {@link SessionError}.
 *
 * @example
 * throw new SessionError('http', 'the auth server is busy', { status: 503, retryAfter: 30_000 })
 */
export interface SessionErrorOptions {
  status?: number | undefined;
  cause?: unknown;
  /** Ms the server asked to wait before the next try (its `Retry-After`). */
  retryAfter?: number | undefined;
}

/**
 * The one error type silent-session produces. Switch on `kind`; `status` is the HTTP status
 * when there was one, `cause` the underlying error (in what the session surfaces, a copy of it
 * with an allow-list of fields that holds no credential).
 *
 * @example
 * try { await session.getAccessToken() }
 * catch (e) { if (isSessionError(e) && e.kind === 'logged-out') showLogin() }
 */
export class SessionError extends Error {
  override readonly name = 'SessionError' as const;
  readonly kind: SessionErrorKind;
  readonly status?: number;
  /** Ms the server asked to wait before the next try (`Retry-After` on a 429 or 503): the session's backoff honours it. */
  readonly retryAfter?: number;

  constructor(kind: SessionErrorKind, message: string, options: SessionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/**
 * True for a {@link SessionError}, also one made by another copy of the library (another
 * bundle or realm): the check is by name and shape, not `instanceof`.
 *
 * @example
 * if (isSessionError(e) && e.kind === 'rejected') redirectToLogin()
 */
export function isSessionError(value: unknown): value is SessionError {
  return (
    value instanceof Error &&
    value.name === 'SessionError' &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}

/** Failures worth another attempt: the network, a timeout, a 5xx, 408 or 429. */
export function isTransient(error: SessionError): boolean {
  if (error.kind === 'network' || error.kind === 'timeout') return true;
  if (error.kind !== 'http') return false;
  const status = error.status;
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

/**
 * Turns whatever a refresh function threw into a SessionError. HTTP-client errors that carry
 * a status (axios, ky) are classified by it: 400/401/403 mean the refresh token was refused.
 */
export function toSessionError(error: unknown): SessionError {
  if (isSessionError(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new SessionError('aborted', 'the refresh was aborted', { cause: error });
  }
  const status = errorStatus(error);
  if (status !== undefined) return httpError(status, undefined, error, retryAfterOf((error as { response?: { headers?: unknown } }).response?.headers ?? (error as { headers?: unknown }).headers));
  const message = errorMessage(error);
  return new SessionError('network', `refresh failed: ${message}`, { cause: error });
}

/**
 * The one door by which a refresh failure enters the session (rule 11): classified as
 * {@link toSessionError} does — the status of an axios or ky error, a Response or a `{ status }`
 * is read first — then rebuilt, so that what the session keeps and shows (snapshot.error, the
 * errors waiting callers get, onLoggedOut's reason, the inspector) holds no credential: the
 * message through `cleanText` (the `secrets` cut however spelled, URLs without query or user
 * info, token-like text cut) and the cause chain as an allow-list copy ({@link sanitizeCause}),
 * never the HTTP client's live objects.
 */
export function admitError(error: unknown, secrets: Secrets): SessionError {
  const e = toSessionError(error);
  const cause = (e as { cause?: unknown }).cause;
  const options: SessionErrorOptions = {};
  if (typeof e.status === 'number') options.status = e.status;
  if (typeof e.retryAfter === 'number' && e.retryAfter > 0) options.retryAfter = Math.min(e.retryAfter, RETRY_AFTER_CAP_MS);
  if (cause !== undefined) options.cause = sanitizeCause(cause, secrets);
  return new SessionError(e.kind, cleanText(e.message, secrets), options);
}

/** The SessionError for an HTTP status from a refresh endpoint (`retryAfter`: its Retry-After, in ms). */
export function httpError(status: number, detail?: string, cause?: unknown, retryAfter?: number): SessionError {
  const rejected = status === 400 || status === 401 || status === 403;
  const text = `refresh endpoint answered ${status}${detail ? ` (${detail})` : ''}`;
  return new SessionError(rejected ? 'rejected' : 'http', text, { status, cause, retryAfter: rejected ? undefined : retryAfter });
}

/**
 * The HTTP status a thrown value carries, where HTTP clients put it: `status` (axios, a fetch
 * Response, `{ status }`), `response.status` (axios, ky's HTTPError), `statusCode` and
 * `response.statusCode` (got, Node). Undefined when it carries none (a body a wrapper threw).
 */
export function errorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown; statusCode?: unknown } | null };
  const status = [e.status, e.response?.status, e.statusCode, e.response?.statusCode].find((s) => Number.isInteger(s) && (s as number) >= 100 && (s as number) < 600);
  return status as number | undefined;
}
