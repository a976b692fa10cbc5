import type { Session } from '../machine/session.js';
import { createAuthorizer, isEventStream, type AdapterOptions, type ClientGlue } from './authorize.js';
import { isReplayable } from './replayable.js';

/**
 * fetch's `init`, plus the per-request opt-out: `session: false` sends this request exactly as
 * plain fetch would (no token, no waiting, no replay after a 401), e.g. the request a refresh
 * function of your own makes.
 *
 * @example
 * await authFetch('/auth/refresh', { method: 'POST', body, session: false })
 */
export interface AuthRequestInit extends RequestInit {
  /** `false`: this request goes out as plain fetch sends it. */
  session?: boolean;
}

/**
 * What `createAuthFetch` returns: fetch's signature, with {@link AuthRequestInit}.
 *
 * @example
 * const authFetch: AuthFetch = createAuthFetch(session);
 * const res = await authFetch('/me');
 */
export type AuthFetch = (input: string | URL | Request, init?: AuthRequestInit) => Promise<Response>;

/** Options of `createAuthFetch`. */
export interface AuthFetchOptions extends AdapterOptions<Response> {
  /** The fetch to wrap (default `globalThis.fetch`, looked up at call time). */
  fetch?: typeof fetch;
  /** Relative URLs resolve against it as `new URL(input, baseUrl)` does, and its origin may receive the token. */
  baseUrl?: string | URL;
}

/** How the core reads fetch Responses. */
export const fetchGlue: ClientGlue<Response, Response> = {
  status: (response) => response.status,
  header: (response, name) => response.headers.get(name),
  view: (response) => response.clone(),
  streaming: (response) => isEventStream(response.headers.get('content-type')),
  abortError: (signal) => signal.reason ?? new DOMException('This operation was aborted', 'AbortError'),
  // Empty for a Response built by hand (`new Response(body, res)`, a mock): the request's own.
  finalUrl: (response) => response.url,
};

/**
 * The fetch wrapper behind `createAuthFetch` and ky's `withSession`. `owned`: the Requests
 * passed in are the client's own per-attempt copies (ky's), so the header is set on them
 * directly instead of on a copy, and taken off again once the response is in, so that the
 * Request ky puts in an HTTPError holds no token.
 */
export function authFetchCore(session: Session, options: AuthFetchOptions, owned: boolean): AuthFetch {
  const auth = createAuthorizer(session, options, fetchGlue, options.baseUrl);
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  // A Request with `authorization` set to `value` (null: without the adapter's own header) and,
  // in a DPoP session, `proof` as its DPoP header.
  const withHeader = (source: Request, value: string | null, proof: string | null): Request => {
    if (owned) {
      setCredentials(source.headers, value, proof);
      return source;
    }
    const headers = new Headers(source.headers);
    setCredentials(headers, value, proof);
    // A Request built with an init forgets its referrer settings unless they are passed again.
    const { referrer, referrerPolicy } = source;
    return new Request(source, { headers, referrer, referrerPolicy });
  };
  const sendOwned = (request: Request, extra: RequestInit | undefined): Promise<Response> => {
    const value = request.headers.get('authorization');
    const proof = request.headers.get('dpop');
    const scrub = () => {
      if (value !== null && request.headers.get('authorization') === value) request.headers.delete('authorization');
      if (proof !== null && request.headers.get('dpop') === proof) request.headers.delete('dpop');
    };
    return send(request, extra).then(
      (response) => (scrub(), response),
      (error: unknown) => {
        scrub();
        throw error;
      },
    );
  };

  // `extra`: what ky passes next to its Request (fetch-only options such as `dispatcher`).
  function viaRequest(request: Request, extra?: AuthRequestInit): Promise<Response> {
    const present = request.headers.get('authorization');
    const ours = present !== null && auth.own(present);
    const copied = present !== null && !ours && auth.issued(present) !== null;
    if (present !== null && !ours && !copied) return send(request, extra); // the app's own credentials
    // A Request sent again may still carry the token this adapter set: it goes only where
    // allowed, and never on a request that goes out bare (opted out, the refresh's own).
    const { url } = request;
    if (!auth.target(url).allowed || auth.bare(url, extra?.session === false, request.signal)) {
      return send(ours ? withHeader(request, null, null) : request, extra);
    }
    if (copied) {
      if (auth.passThrough()) return send(request, extra);
      auth.tookOver(); // the app copied the session's token: the current one goes instead
    }
    // Keep an unread copy for the replay; a body-less Request can simply be sent again.
    const spare = request.body === null ? request : request.clone();
    let attempts = 0;
    return auth.run(
      request.signal,
      (authorization, proof) => {
        // every send after the first reads its own copy of the unread spare (DPoP: a nonce retry
        // and a 401 replay make three sends)
        const source = attempts++ === 0 || request.body === null ? request : spare.clone();
        if (authorization === null && !ours) return send(source, extra);
        const prepared = withHeader(source, authorization, proof);
        return owned ? sendOwned(prepared, extra) : send(prepared, extra);
      },
      true,
      { method: request.method, url },
    );
  }

  return async function authFetch(input: RequestInfo | URL, init?: AuthRequestInit): Promise<Response> {
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
    const present = authorizationOf(given);
    const copied = present !== null && !auth.own(present) && auth.issued(present) !== null;
    if (present !== null && !auth.own(present) && !copied) return send(url, init); // the app's own credentials
    const had = present !== null;
    const plain = had ? { ...init, headers: withAuthorization(given, null, had) } : init;
    if (!allowed || auth.bare(url, init?.session === false, init?.signal)) return send(url, copied ? init : plain);
    if (copied) {
      if (auth.passThrough()) return send(url, init);
      auth.tookOver(); // the app copied the session's token: the current one goes instead
    }
    return auth.run(
      init?.signal,
      (authorization, proof) => send(url, authorization === null ? plain : { ...init, headers: withAuthorization(given, authorization, had, proof) }),
      isReplayable(init?.body),
      { method: init?.method ?? 'GET', url },
    );
  };
}

// What goes to fetch beside a Request built from `init`: its options minus headers and body
// (the Request has those; undefined members count as absent).
const beside = (init: RequestInit) => ({ ...init, headers: undefined, body: undefined }) as unknown as RequestInit;

// Headers as records and pairs are read as they are; anything else fetch accepts (a Map, another
// implementation's Headers) goes through Headers.
function plainHeaders(headers: HeadersInit | undefined): HeadersInit | undefined {
  if (headers === undefined || headers instanceof Headers || Array.isArray(headers)) return headers;
  const proto: unknown = Object.getPrototypeOf(headers);
  return proto === Object.prototype || proto === null ? headers : new Headers(headers);
}

/** The Authorization value among `headers` (any casing), or null. */
function authorizationOf(headers: HeadersInit | undefined): string | null {
  if (headers === undefined) return null;
  if (headers instanceof Headers) return headers.get('authorization');
  for (const [k, v] of Array.isArray(headers) ? headers : Object.entries(headers)) if (k.toLowerCase() === 'authorization') return v;
  return null;
}

// The caller's headers with Authorization set to `value` (null: removed), without touching the
// caller's object. `had`: they hold one already (a request sent again), to be replaced.
function withAuthorization(headers: HeadersInit | undefined, value: string | null, had: boolean, proof: string | null = null): HeadersInit {
  if (headers === undefined) return value === null ? {} : proof === null ? { authorization: value } : { authorization: value, dpop: proof };
  if (!had && value !== null && proof === null && !(headers instanceof Headers)) {
    return Array.isArray(headers) ? [...headers, ['authorization', value]] : { ...headers, authorization: value };
  }
  const copy = new Headers(headers);
  setCredentials(copy, value, proof);
  return copy;
}

/** Sets (or, `value` null, removes) the adapter's Authorization, and its DPoP proof beside it. */
function setCredentials(headers: Headers, value: string | null, proof: string | null): void {
  if (value === null) headers.delete('authorization');
  else headers.set('authorization', value);
  // a proof is made for one send: the next one gets its own; a bare send carries none of ours
  if (proof !== null) headers.set('dpop', proof);
  else if (value === null) headers.delete('dpop');
}
