import type { Session } from '../machine/session.js';
import { createAuthorizer, type AdapterOptions, type ClientGlue } from './authorize.js';

/** Options of {@link createAuthFetch}. */
export interface AuthFetchOptions extends AdapterOptions<Response> {
  /** The fetch to wrap (default `globalThis.fetch`, looked up at call time). */
  fetch?: typeof fetch;
  /** Relative URLs resolve against it, and its origin may receive the token. */
  baseUrl?: string | URL;
}

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
export function createAuthFetch(session: Session, options: AuthFetchOptions = {}): typeof fetch {
  const auth = createAuthorizer(session, options, fetchGlue, options.baseUrl);
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    // A FormData body is serialized once, so a replay sends the same bytes (same boundary).
    if (typeof FormData !== 'undefined' && init?.body instanceof FormData) {
      input = new Request(input instanceof Request ? input : (auth.resolve(input) ?? input), init);
      init = undefined;
    }
    if (input instanceof Request) {
      const request = init === undefined ? input : new Request(input, init);
      if (request.headers.has('authorization')) return send(request);
      const spare = request.body === null ? request : request.clone();
      let attempt = 0;
      return auth.run(auth.resolve(request.url), request.signal, (authorization) => {
        const source = attempt++ === 0 ? request : spare;
        if (authorization === null) return send(source);
        const headers = new Headers(source.headers);
        headers.set('authorization', authorization);
        return send(new Request(source, { headers }));
      }, spare !== request || request.body === null);
    }
    const url = auth.resolve(input);
    const target = url ?? input;
    if (init?.headers !== undefined && new Headers(init.headers).has('authorization')) return send(target, init);
    return auth.run(url, init?.signal, (authorization) => {
      if (authorization === null) return send(target, init);
      const headers = new Headers(init?.headers);
      headers.set('authorization', authorization);
      return send(target, { ...init, headers });
    }, isReplayable(init?.body));
  };
}

/** Bodies fetch can send twice; a ReadableStream can be read only once. */
export function isReplayable(body: BodyInit | null | undefined): boolean {
  return body == null || !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
}
