import { SessionError, isSessionError } from '../machine/errors.js';
import { sanitizeCause } from '../machine/cause.js';
import { cleanText } from '../machine/redact.js';
import { after } from '../machine/timer.js';
import { errorMessage } from '../machine/util.js';
import { BARE, endpointUrl, refuseRedirect } from './endpoint.js';

// The one place the I/O adapters (jsonRefresh, oauthRefresh, jsonRevoke, oauthRevoke, discovery)
// talk HTTP: a request with a hard timeout, its body read and parsed, and error text made safe.

/**
 * What every I/O adapter's options (jsonRefresh, oauthRefresh, jsonRevoke, oauthRevoke) say
 * about their requests.
 *
 * @example
 * jsonRefresh({ url: '/auth/refresh', fetch: myFetch, timeout: 15_000 })
 */
export interface HttpOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch | undefined;
  /**
   * Hard cap in ms on one request, its body included, after which it is aborted (default
   * 30 000; `Infinity` for none). The session's `refreshTimeout` already bounds how long callers
   * wait; this bounds a hung socket.
   */
  timeout?: number | undefined;
}

/** A response and its body: `json` is undefined when the body is empty or not JSON; `text` is the body as read. */
export interface HttpAnswer {
  response: Response;
  json: unknown;
  text: string;
}

type Secrets = ReadonlyArray<string | undefined>;

/** The SessionError for an answer that cannot be used. */
export const invalid = (message: string) => new SessionError('invalid-response', message);

/**
 * Sends one request and reads its body, within `options.timeout`. Fails with a SessionError:
 * `aborted` when the caller's `signal` aborted, `timeout` when the cap ended it, `network`
 * otherwise. `what` names the request in messages; the message and the `cause` chain hold no
 * credential (the `secrets`, a URL's query): the cause is an allow-list copy of what fetch
 * threw, never the thrown object itself.
 */
export async function request(
  what: string,
  url: string | URL,
  init: RequestInit,
  signal: AbortSignal,
  options: HttpOptions,
  secrets: Secrets = [],
): Promise<HttpAnswer> {
  const { timeout = 30_000 } = options;
  // Resolved against the page, never a <base>; an error before anything is sent (rule 5).
  const target = endpointUrl(url, what);
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  let timedOut = false;
  const cancel = after(timeout, () => {
    timedOut = true;
    controller.abort(new SessionError('timeout', `${what} took longer than ${timeout} ms`));
  });
  try {
    // `session: false`: an adapter's fetch the app passed here sends it bare (rule 4).
    const sent: RequestInit = { ...init, ...BARE, redirect: 'manual', signal: controller.signal };
    const response = await (options.fetch ?? fetch)(target.href, sent);
    refuseRedirect(response, what);
    const text = await response.text();
    return { response, json: parseJson(text), text };
  } catch (error) {
    if (isSessionError(error) && error.kind === 'invalid-response') throw error;
    // an allow-list copy of the error and its causes: a custom fetch's error may carry the request
    const cause = sanitizeCause(error, secrets);
    if (signal.aborted) throw new SessionError('aborted', `${what} was aborted`, { cause });
    if (timedOut) throw new SessionError('timeout', `${what} took longer than ${timeout} ms`, { cause });
    throw new SessionError('network', `${what} failed: ${cleanText(errorMessage(error), secrets)}`, { cause });
  } finally {
    cancel();
    signal.removeEventListener('abort', abort);
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `value` as a record when it is a JSON object (not an array), else undefined. */
export const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** The OAuth-style `error` code of a body (`invalid_grant`), when it has one. */
export function errorCode(json: unknown): string | undefined {
  const code = asObject(json)?.error;
  return typeof code === 'string' ? code.slice(0, 60) : undefined;
}

/**
 * What an error body says, fit for a message: its `error` code and the first of
 * `error_description`, `message`, `msg`, with the secrets and anything that looks like a token
 * replaced by their last four characters. Undefined when the body says nothing readable.
 */
export function describeBody(json: unknown, secrets: Secrets): string | undefined {
  const o = asObject(json);
  if (!o) return undefined;
  const code = errorCode(o);
  const text = [o.error_description, o.message, o.msg].find((v): v is string => typeof v === 'string' && v !== '');
  const said = code !== undefined && text !== undefined ? `${code}: ${text}` : (code ?? text);
  return said === undefined ? undefined : cleanText(said, secrets).slice(0, 160);
}
