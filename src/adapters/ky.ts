import type { Hooks, KyInstance, Options } from 'ky';
import { isSessionError } from '../machine/errors.js';
import type { Session } from '../machine/session.js';
import { createAuthorizer, type AdapterOptions, type Authorizer } from './authorize.js';
import { authFetchCore, fetchGlue } from './fetchCore.js';

declare module 'ky' {
  interface Options {
    /**
     * silent-session: `false` sends this request exactly as the bare ky instance would (no
     * token, no waiting for a refresh, no replay after a 401), e.g. the request a refresh
     * function of your own sends through the instance the session is attached to. Works with
     * `withSession` and `kyHooks`, on ky 1 and ky 2.
     */
    session?: boolean;
  }
}

/** Options of the ky adapter. */
export interface KyAdapterOptions extends AdapterOptions<Response> {
  /** Base for the default allowed origin when the ky instance has no `baseUrl`, `prefix` or `prefixUrl`. */
  baseUrl?: string | URL;
  /**
   * fetch used by `kyHooks` to replay a request after a 401 (default `globalThis.fetch`). The
   * replay is the Request alone: outside ky's timeout, without ky's fetch-only options.
   */
  fetch?: typeof fetch;
}

/**
 * Returns a ky instance (ky 1.7+ or 2) that attaches the session's token, waits while a
 * refresh is in flight and replays a request once after a 401. It wraps the instance's
 * `fetch`, so ky's own retries and timeouts still apply, and successful responses cost no
 * extra clone. While the session is logged out, requests go out as ky sends them.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { createSession, jsonRefresh } from 'silent-session';
 * import { withSession } from 'silent-session/ky';
 *
 * const session = createSession({ refresh: jsonRefresh({ url: 'https://api.example.com/auth/refresh' }) });
 * const api = withSession(ky.create({ baseUrl: 'https://api.example.com/' }), session);
 * const me = await api.get('me').json();
 * ```
 */
export function withSession(instance: KyInstance, session: Session, options: KyAdapterOptions = {}): KyInstance {
  return instance.extend((parent: Options) => ({
    // ky hands fetch a fresh Request per attempt: the header is set on it, and taken off after.
    fetch: authFetchCore(session, { ...options, ...(parent.fetch ? { fetch: parent.fetch } : {}), ...baseOf(options, parent) }, true),
    hooks: { beforeRetry: [noRetryOfSessionErrors] },
  }) as Options);
}

/**
 * The same behaviour as ky `Hooks` (`beforeRequest` attaches, `afterResponse` replays once
 * after a 401, `beforeError` takes the token off the Request in the error), for composing with
 * hooks of your own; works with ky 1 (positional hook arguments) and ky 2 (one state object).
 * `withSession` is cheaper: ky clones every response for `afterResponse` hooks.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { createSession, jsonRefresh } from 'silent-session';
 * import { kyHooks } from 'silent-session/ky';
 *
 * const session = createSession({ refresh: jsonRefresh({ url: 'https://api.example.com/auth/refresh' }) });
 * const api = ky.create({ baseUrl: 'https://api.example.com/', hooks: kyHooks(session) });
 * ```
 */
export function kyHooks(session: Session, options: KyAdapterOptions = {}): Hooks {
  const authorizers = new Map<string, Authorizer<Response>>();
  const attached = new Map<string, string>(); // Authorization value we set -> token
  const spares = new WeakMap<Request, Request>();
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));

  const authorizerFor = (opts: KyBase) => {
    const base = baseOf(options, opts).baseUrl;
    const key = String(base ?? '');
    let auth = authorizers.get(key);
    if (!auth) authorizers.set(key, (auth = createAuthorizer(session, options, fetchGlue, base)));
    return auth;
  };
  const ours = (request: Request | undefined) => {
    const value = request?.headers.get('authorization');
    return value != null && attached.has(value);
  };

  const beforeRequest = async (...args: unknown[]): Promise<void> => {
    const { request, options: opts, state } = hookArgs(args);
    const present = request.headers.get('authorization');
    const resent = present !== null && attached.has(present);
    const auth = authorizerFor(opts);
    const copied = present !== null && !resent && auth.issued(present) !== null;
    if (present !== null && !resent && !copied) return; // the app's own credentials
    const { url, signal } = request;
    if (!auth.target(url).allowed || auth.passThrough() || auth.bare(url, opts.session === false, signal)) {
      // A Request sent again may still carry the token (and its proof): it goes only where allowed.
      if (resent) request.headers.delete('authorization'), request.headers.delete('dpop');
      return;
    }
    if (copied) auth.tookOver(); // the app copied the session's token: the current one goes instead
    const token = await auth.token(signal);
    const value = auth.header(token);
    const proof = await auth.proof({ method: request.method, url }, token);
    request.headers.set('authorization', value);
    if (proof !== null) request.headers.set('dpop', proof);
    attached.set(value, token);
    if (attached.size > 16) attached.delete(attached.keys().next().value as string);
    // ky 2 keeps an unread copy of the request only when it may retry; otherwise keep our own
    // (ky 1 always clones before sending and hands afterResponse the unread clone).
    if (state && request.body !== null && retryLimit(opts.retry) === 0) spares.set(request, request.clone());
  };

  // A hook of the app's that runs after ours may have put the session's token back from its
  // store: its 401 is still the session's to handle (a stale one is replayed with the current token).
  const copiedAfterUs = (request: Request, opts: KyBase): string | undefined => {
    const auth = authorizerFor(opts);
    const token = auth.issued(request.headers.get('authorization') ?? '');
    if (token === null || !auth.target(request.url).allowed || auth.passThrough() || auth.bare(request.url, opts.session === false)) return undefined;
    auth.tookOver();
    return token;
  };

  const afterResponse = async (...args: unknown[]): Promise<Response | undefined> => {
    const { request, options: opts, response } = hookArgs(args);
    const token = attached.get(request.headers.get('authorization') ?? '') ?? copiedAfterUs(request, opts);
    if (token === undefined || response === undefined) return undefined;
    const source = spares.get(request) ?? request;
    const replay = source.bodyUsed
      ? null
      : (authorization: string | null, proof: string | null) => {
          const copy = source.clone(); // ky may still retry from `request`; leave it unread
          if (authorization !== null) copy.headers.set('authorization', authorization);
          else copy.headers.delete('authorization');
          if (proof !== null) copy.headers.set('dpop', proof);
          return send(copy);
        };
    const shot = { method: request.method, url: request.url };
    const settled = await authorizerFor(opts).settle(response, token, replay, request.signal, shot);
    return settled === response ? undefined : settled;
  };

  // The error ky throws at the end carries a Request the app may send again: without our token.
  const beforeError = (...args: unknown[]): Error => {
    const first = args[0] as Error | { error: Error; request?: Request };
    const error = first instanceof Error ? first : first.error;
    for (const request of [(error as { request?: Request }).request, first instanceof Error ? undefined : first.request]) {
      if (request && ours(request)) request.headers.delete('authorization'), request.headers.delete('dpop');
    }
    return error; // ky 1 throws what the hook returns
  };

  return {
    beforeRequest: [beforeRequest],
    afterResponse: [afterResponse],
    beforeRetry: [noRetryOfSessionErrors],
    beforeError: [beforeError],
  } as unknown as Hooks;
}

/**
 * ky 1 retries every error an attempt throws, a SessionError too: a request that was waiting
 * when the session ended would go out again, bare, and a failed refresh would be asked again.
 * Throwing from beforeRetry ends the retries with that error (ky 2 never retries these).
 */
function noRetryOfSessionErrors(state: unknown): void {
  const error = (state as { error?: unknown }).error;
  if (isSessionError(error)) throw error;
}

/** The parts of ky options that say where requests go: ky 2 `baseUrl` / `prefix`, ky 1 `prefixUrl`. */
interface KyBase {
  baseUrl?: string | URL | undefined;
  prefix?: string | URL | undefined;
  prefixUrl?: string | URL | undefined;
  retry?: unknown;
  session?: boolean | undefined;
}

/**
 * ky 2 calls a hook with one state object (`{ request, options, response }`), ky 1 with
 * positional arguments (`request, options` and `request, options, response`).
 */
function hookArgs(args: unknown[]): { request: Request; options: KyBase; response?: Response; state: boolean } {
  const first = args[0] as { request?: Request; options?: KyBase; response?: Response };
  if (first !== null && typeof first === 'object' && 'request' in first && first.request !== undefined) {
    return { request: first.request, options: first.options ?? {}, ...(first.response ? { response: first.response } : {}), state: true };
  }
  const response = args[2] as Response | undefined;
  return { request: args[0] as Request, options: (args[1] as KyBase | undefined) ?? {}, ...(response ? { response } : {}), state: false };
}

function baseOf(options: KyAdapterOptions, parent: KyBase): { baseUrl?: string | URL } {
  const base = options.baseUrl ?? parent.baseUrl ?? parent.prefix ?? parent.prefixUrl;
  return base === undefined || base === '' ? {} : { baseUrl: base };
}

function retryLimit(retry: unknown): number {
  if (typeof retry === 'number') return retry;
  const limit = (retry as { limit?: unknown } | undefined)?.limit;
  return typeof limit === 'number' ? limit : 2; // ky's default
}
