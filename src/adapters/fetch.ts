import type { Session } from '../machine/session.js';
import { createAuthorizer, type AdapterOptions, type ClientGlue } from './authorize.js';

/** Options of {@link createAuthFetch}. */
export interface AuthFetchOptions extends AdapterOptions<Response> {
  /** The fetch to wrap (default `globalThis.fetch`, looked up at call time). */
  fetch?: typeof fetch;
  /** Relative URLs resolve against it, and its origin may receive the token. */
  baseUrl?: string | URL;
}

/** Internal: the Requests passed in are the client's own per-attempt copies (ky's), safe to change. */
export const OWN_REQUESTS = Symbol('silent-session.ownRequests');

/** How the core reads fetch Responses. */
export const fetchGlue: ClientGlue<Response, Response> = {
  status: (response) => response.status,
  header: (response, name) => response.headers.get(name),
  view: (response) => response.clone(),
  abortError: (signal) => signal.reason ?? new DOMException('This operation was aborted', 'AbortError'),
};

/**
 * Wraps fetch: attaches the session's token to requests for allowed origins, waits while a
 * refresh is in flight, and after a 401 replays the request once with the new token. Returns
 * a function with fetch's exact signature; a second 401 is returned as the Response it is.
 * A one-shot stream body cannot be replayed: its 401 is returned as is.
 *
 * @example
 * const authFetch = createAuthFetch(session, { baseUrl: 'https://api.example.com' })
 * const res = await authFetch('/me')
 */
export function createAuthFetch(session: Session, options: AuthFetchOptions & { [OWN_REQUESTS]?: boolean } = {}): typeof fetch {
  const auth = createAuthorizer(session, options, fetchGlue, options.baseUrl);
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const owned = options[OWN_REQUESTS] === true;

  // `extra`: what ky passes next to its Request (fetch-only options such as `dispatcher`).
  function viaRequest(request: Request, extra?: RequestInit): Promise<Response> {
    const present = request.headers.get('authorization');
    if ((present !== null && !auth.own(present)) || !auth.target(request.url).allowed) return send(request, extra);
    // Keep an unread copy for the replay; a body-less Request can simply be sent again.
    const spare = request.body === null ? request : request.clone();
    let attempts = 0;
    return auth.run(request.signal, (authorization) => {
      const source = attempts++ === 0 ? request : spare;
      if (owned) {
        source.headers.set('authorization', authorization as string);
        return send(source, extra);
      }
      const headers = new Headers(source.headers);
      headers.set('authorization', authorization as string);
      // A Request built with an init forgets its referrer settings unless they are passed again.
      const { referrer, referrerPolicy } = source;
      return send(new Request(source, { headers, referrer, referrerPolicy }), extra);
    }, true);
  }

  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    // A FormData body is serialized once, so a replay sends the same bytes (same boundary).
    // Options a Request does not keep (Next.js `next`) still reach fetch, beside the merged Request.
    if (typeof FormData !== 'undefined' && init?.body instanceof FormData) {
      return viaRequest(new Request(input instanceof Request ? input : auth.target(input).url, init), beside(init));
    }
    if (input instanceof Request) {
      // ky's second argument holds only options a Request does not know: pass them on as they are
      // (building a Request from them would drop them, and costs ~10 µs a request).
      if (owned || init === undefined) return viaRequest(input, init);
      return viaRequest(new Request(input, init), beside(init));
    }
    const { url, allowed } = auth.target(input);
    const given = plainHeaders(init?.headers);
    if (!allowed || hasAuthorization(given)) return send(url, init);
    return auth.run(
      init?.signal,
      (authorization) => send(url, { ...init, headers: withAuthorization(given, authorization as string) }),
      isReplayable(init?.body),
    );
  };
}

// What goes to fetch beside a Request built from `init`: its options minus headers and body
// (the Request has those; undefined members count as absent).
const beside = (init: RequestInit) => ({ ...init, headers: undefined, body: undefined }) as unknown as RequestInit;

/**
 * Bodies that can be sent twice. Streams can be read only once: a ReadableStream, and what
 * Node's fetch and axios also take, async iterables and Node streams.
 */
export function isReplayable(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return true;
  // `pipe`: old-style Node streams (the form-data package) are not async iterable; a
  // ReadableStream need not be either (older browsers).
  return !(Symbol.asyncIterator in body || typeof (body as { pipe?: unknown }).pipe === 'function' || (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream));
}

// Headers as records and pairs are read as they are; anything else fetch accepts (a Map, another
// implementation's Headers) goes through Headers.
function plainHeaders(headers: HeadersInit | undefined): HeadersInit | undefined {
  if (headers === undefined || headers instanceof Headers || Array.isArray(headers)) return headers;
  const proto: unknown = Object.getPrototypeOf(headers);
  return proto === Object.prototype || proto === null ? headers : new Headers(headers);
}

function hasAuthorization(headers: HeadersInit | undefined): boolean {
  if (headers === undefined) return false;
  if (headers instanceof Headers) return headers.has('authorization');
  const keys = Array.isArray(headers) ? headers.map(([k]) => k) : Object.keys(headers);
  return keys.some((k) => k.toLowerCase() === 'authorization');
}

// The caller's headers plus ours, without touching the caller's object.
function withAuthorization(headers: HeadersInit | undefined, value: string): HeadersInit {
  if (headers === undefined) return { authorization: value };
  if (headers instanceof Headers) {
    const copy = new Headers(headers);
    copy.set('authorization', value);
    return copy;
  }
  if (Array.isArray(headers)) return [...headers, ['authorization', value]];
  return { ...headers, authorization: value };
}
