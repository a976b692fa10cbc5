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
    if (request.headers.has('authorization') || !auth.target(request.url).allowed) return send(request, extra);
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
      return send(new Request(source, { headers }));
    }, true);
  }

  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    // A FormData body is serialized once, so a replay sends the same bytes (same boundary).
    if (typeof FormData !== 'undefined' && init?.body instanceof FormData) {
      input = new Request(input instanceof Request ? input : auth.target(input).url, init);
      init = undefined;
    }
    if (input instanceof Request) {
      // ky's second argument holds only options a Request does not know: pass them on as they are
      // (building a Request from them would drop them, and costs ~10 µs a request).
      if (owned) return viaRequest(input, init);
      return viaRequest(init === undefined ? input : new Request(input, init));
    }
    const { url, allowed } = auth.target(input);
    if (!allowed || hasAuthorization(init?.headers)) return send(url, init);
    return auth.run(
      init?.signal,
      (authorization) => send(url, { ...init, headers: withAuthorization(init?.headers, authorization as string) }),
      isReplayable(init?.body),
    );
  };
}

/** Bodies fetch can send twice; a ReadableStream can be read only once. */
export function isReplayable(body: BodyInit | null | undefined): boolean {
  return body == null || !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
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
