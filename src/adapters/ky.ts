import type { Hooks, KyInstance, Options } from 'ky';
import type { Session } from '../machine/session.js';
import { createAuthorizer, type AdapterOptions, type Authorizer } from './authorize.js';
import { createAuthFetch, fetchGlue, OWN_REQUESTS } from './fetch.js';

/** Options of the ky adapter. */
export interface KyAdapterOptions extends AdapterOptions<Response> {
  /** Base for the default allowed origin when the ky instance has neither `baseUrl` nor `prefix`. */
  baseUrl?: string | URL;
  /**
   * fetch used by `kyHooks` to replay a request after a 401 (default `globalThis.fetch`). The
   * replay is the Request alone: outside ky's timeout, without ky's fetch-only options.
   */
  fetch?: typeof fetch;
}

/**
 * Returns a ky instance that attaches the session's token, waits while a refresh is in flight
 * and replays a request once after a 401. It wraps the instance's `fetch`, so ky's own
 * retries and timeouts still apply, and successful responses cost no extra clone.
 *
 * @example
 * const api = withSession(ky.create({ baseUrl: 'https://api.example.com' }), session)
 * const me = await api.get('me').json()
 */
export function withSession(instance: KyInstance, session: Session, options: KyAdapterOptions = {}): KyInstance {
  return instance.extend((parent: Options) => ({
    fetch: createAuthFetch(session, {
      ...options,
      ...(parent.fetch ? { fetch: parent.fetch } : {}),
      ...baseOf(options, parent),
      [OWN_REQUESTS]: true, // ky hands fetch a fresh Request per attempt: set the header on it
    }),
  }));
}

/**
 * The same behaviour as ky `Hooks` (`beforeRequest` attaches, `afterResponse` replays once
 * after a 401), for composing with hooks of your own. `withSession` is cheaper: ky clones
 * every response for `afterResponse` hooks.
 *
 * @example
 * const api = ky.create({ baseUrl: 'https://api.example.com', hooks: kyHooks(session) })
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

  return {
    beforeRequest: [
      async ({ request, options: opts }) => {
        const present = request.headers.get('authorization');
        if (present !== null && !attached.has(present)) return;
        const auth = authorizerFor(opts);
        if (!auth.target(request.url).allowed) return;
        const token = await auth.token(request.signal);
        const value = auth.header(token);
        request.headers.set('authorization', value);
        attached.set(value, token);
        if (attached.size > 16) attached.delete(attached.keys().next().value as string);
        // ky keeps an unread copy of the request only when it may retry; otherwise keep our own
        if (request.body !== null && retryLimit(opts.retry) === 0) spares.set(request, request.clone());
      },
    ],
    afterResponse: [
      async ({ request, options: opts, response }) => {
        const token = attached.get(request.headers.get('authorization') ?? '');
        if (token === undefined) return undefined;
        const source = spares.get(request) ?? request;
        const replay = source.bodyUsed
          ? null
          : (authorization: string | null) => {
              const copy = source.clone(); // ky may still retry from `request`; leave it unread
              if (authorization !== null) copy.headers.set('authorization', authorization);
              return send(copy);
            };
        const settled = await authorizerFor(opts).settle(response, token, replay, request.signal);
        return settled === response ? undefined : settled;
      },
    ],
  };
}

/** The parts of ky options that say where requests go. */
interface KyBase {
  baseUrl?: string | URL | undefined;
  prefix?: string | URL | undefined;
}

function baseOf(options: KyAdapterOptions, parent: KyBase): { baseUrl?: string | URL } {
  const base = options.baseUrl ?? parent.baseUrl ?? parent.prefix;
  return base === undefined || base === '' ? {} : { baseUrl: base };
}

function retryLimit(retry: unknown): number {
  if (typeof retry === 'number') return retry;
  const limit = (retry as { limit?: unknown } | undefined)?.limit;
  return typeof limit === 'number' ? limit : 2; // ky's default
}
