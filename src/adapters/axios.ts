import axios, { isAxiosError, type AxiosAdapter, type AxiosError, type AxiosResponse, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import type { Session } from '../machine/session.js';
import { createAuthorizer, isEventStream, type AdapterOptions, type ClientGlue } from './authorize.js';
import type { Target } from './origins.js';
import { isReplayable } from './replayable.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * silent-session: `false` sends this request exactly as the bare instance would (no token,
     * no waiting for a refresh, no replay after a 401), e.g. the request a refresh function of
     * your own sends through the instance the session is attached to.
     */
    session?: boolean;
  }
}

/** A response, or the error axios made of it (validateStatus refused it), and the URL judged. */
interface Outcome {
  response: AxiosResponse;
  error?: AxiosError;
  url: string;
}

const axiosGlue: ClientGlue<Outcome, AxiosResponse> = {
  status: ({ response }) => response.status,
  header: ({ response }, name) => {
    const value: unknown = response.headers[name.toLowerCase()];
    return typeof value === 'string' ? value : null;
  },
  view: ({ response }) => ({ ...response, data: transformed(response) }),
  streaming: ({ response }) => isEventStream(response.headers['content-type']),
  abortError: () => new axios.CanceledError(),
  finalUrl: ({ response, url }) => {
    const request = response.request as { responseURL?: unknown; res?: { responseUrl?: unknown } } | undefined;
    if (typeof request?.responseURL === 'string' && request.responseURL !== '') return request.responseURL; // XHR
    if (typeof request?.res?.responseUrl === 'string') return request.res.responseUrl; // Node, follow-redirects
    if (response.config?.maxRedirects === 0) return url; // no redirect was followed
    // The fetch adapter follows redirects and keeps the final URL to itself.
    if (typeof Request !== 'undefined' && request instanceof Request) return null;
    return url; // an adapter of the app's own
  },
};

/**
 * Connects an axios instance to the session: requests to allowed origins carry the token,
 * wait while a refresh is in flight, and are replayed once after a 401. Works at the adapter
 * level, under your interceptors: they see one request and one response, the replay sends the
 * already-serialized body again, and nothing of the adapter (no `_retry` flag, not its
 * `Authorization`) is left in the config you get back. It wraps whatever adapter the instance
 * has when a request is sent, so a mock adapter set before or after attaching (axios-mock-adapter)
 * keeps the session on. While the session is logged out,
 * requests go out as axios sends them. Returns the function that detaches it. A request with
 * its own `adapter` option is left alone.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * import { createSession, jsonRefresh } from 'silent-session';
 * import { attachSession } from 'silent-session/axios';
 *
 * const session = createSession({ refresh: jsonRefresh({ url: 'https://api.example.com/auth/refresh' }) });
 * const api = axios.create({ baseURL: 'https://api.example.com' });
 * const detach = attachSession(api, session);
 * const { data } = await api.get('/me');
 * ```
 */
export function attachSession(instance: AxiosInstance, session: Session, options: AdapterOptions<AxiosResponse> = {}): () => void {
  // The instance's base URL says which origin is allowed; judge() joins it as axios does.
  const auth = createAuthorizer(session, options, axiosGlue, instance.defaults.baseURL, false);

  // The URL axios will request, by its own rule (buildFullPath): the base URL joined with the
  // URL unless that is absolute (`scheme://`, `//`) and absolute URLs are allowed. Read from the
  // config's own properties, as axios does; the query axios appends cannot change the origin.
  let lastBase: string | undefined;
  let joinPrefix = '';
  let joinDecision: boolean | null = null;
  const judge = (config: InternalAxiosRequestConfig): Target => {
    const url = Object.hasOwn(config, 'url') ? config.url : undefined;
    const requested = typeof url === 'string' ? url : '';
    const base = Object.hasOwn(config, 'baseURL') ? config.baseURL : undefined;
    if (typeof base !== 'string' || base === '') return auth.target(requested);
    // "/path" (the usual case) cannot be absolute; anything else gets axios's own test.
    const plainPath = requested.charCodeAt(0) === 47 && requested.charCodeAt(1) !== 47;
    const noJoin = Object.hasOwn(config, 'allowAbsoluteUrls') && config.allowAbsoluteUrls === false;
    if (!plainPath && ABSOLUTE.test(requested) && !noJoin) return auth.target(requested);
    if (requested === '') return auth.target(base);
    if (base !== lastBase) {
      let end = base.length;
      while (end > 0 && base.charCodeAt(end - 1) === 47) end--;
      lastBase = base;
      joinPrefix = `${base.slice(0, end)}/`;
      joinDecision = auth.prefix(joinPrefix); // known once per base, whatever the path
    }
    let start = 0;
    while (requested.charCodeAt(start) === 47) start++;
    const full = joinPrefix + requested.slice(start);
    return joinDecision === null ? auth.target(full) : { url: full, allowed: joinDecision };
  };

  const sessionAdapter = (original: AxiosAdapter) => async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const present = config.headers.get('Authorization');
    const resent = present != null && auth.own(String(present));
    // `false` is axios's own "send no Authorization": an explicit opt-out, like `session: false`.
    const copied = present != null && present !== false && !resent && auth.issued(String(present)) !== null;
    if (present != null && !resent && !copied) return original(config); // the app's own credentials
    const { url: given, baseURL, allowAbsoluteUrls } = config;
    const { url, allowed } = judge(config);
    if (!allowed || auth.bare(url, config.session === false, config.signal as AbortSignal | undefined)) {
      // A config sent again (error.config, retry interceptors) may still carry the token.
      if (resent) config.headers.delete('Authorization');
      return original(config);
    }
    if (copied) {
      if (auth.passThrough()) return original(config);
      auth.tookOver(); // the app copied the session's token: the current one goes instead
    }
    fixBoundary(config);
    const send = async (authorization: string | null, proof: string | null): Promise<Outcome> => {
      // Judged again if the config changed while the token was awaited (an interceptor, app code).
      if (authorization !== null && (config.url !== given || config.baseURL !== baseURL || config.allowAbsoluteUrls !== allowAbsoluteUrls)) {
        if (!judge(config).allowed) authorization = null;
      }
      // AxiosHeaders keeps headers as properties (the documented `headers.Authorization = …`).
      // With no Authorization in the config, or only ours under this name, the property is
      // cheaper than set()/delete(), which normalize and search on every call.
      const headers = config.headers as InternalAxiosRequestConfig['headers'] & { Authorization?: unknown; DPoP?: unknown };
      if (present !== undefined) config.headers.delete('Authorization'); // ours sent again, or a null
      if (authorization === null) delete headers.Authorization;
      else headers.Authorization = authorization;
      if (proof !== null) headers.DPoP = proof; // a DPoP session's proof for this send
      try {
        return { response: await original(config), url };
      } catch (error) {
        if (isAxiosError(error) && error.response) return { response: error.response, error, url };
        throw error;
      } finally {
        // Nothing of ours stays in the config the app gets back (response.config, error.config).
        if (authorization !== null && headers.Authorization === authorization) delete headers.Authorization;
        if (proof !== null && headers.DPoP === proof) delete headers.DPoP;
      }
    };
    // htm as axios sends it (upper case), htu the URL judged above (axios's query is not part of it)
    const shot = { method: (config.method ?? 'get').toUpperCase(), url };
    const outcome = await auth.run(config.signal as AbortSignal | undefined, send, isReplayable(config.data), shot);
    if (outcome.error) throw outcome.error;
    return outcome.response;
  };

  // The adapter is chosen per request, under whatever the instance's default is *then*: an
  // adapter set after attaching (axios-mock-adapter, a cache) is wrapped, not a replacement
  // that detaches the session. One wrapper per underlying adapter.
  const wrappers = new WeakMap<AxiosAdapter, AxiosAdapter>();
  const wrap = (original: AxiosAdapter): AxiosAdapter => {
    let wrapper = wrappers.get(original);
    if (!wrapper) {
      wrapper = sessionAdapter(original);
      wrappers.set(original, wrapper);
      OURS.add(wrapper);
    }
    return wrapper;
  };
  const id = instance.interceptors.request.use(
    (config) => {
      const chosen = config.adapter;
      // A config sent again already holds a wrapper; a request's own `adapter` is left alone.
      if (typeof chosen === 'function' && OURS.has(chosen)) return config;
      if (chosen !== undefined && !sameAdapter(chosen, instance.defaults.adapter)) return config;
      config.adapter = wrap(axios.getAdapter(chosen ?? axios.defaults.adapter));
      return config;
    },
    undefined,
    { synchronous: true },
  );
  return () => instance.interceptors.request.eject(id);
}

/** Every adapter attachSession made (in this copy of the library). */
const OURS = new WeakSet<AxiosAdapter>();

/** The instance's default adapter, as axios merged it into a request (arrays are copied). */
function sameAdapter(chosen: unknown, fallback: unknown): boolean {
  if (chosen === fallback) return true;
  return Array.isArray(chosen) && Array.isArray(fallback) && chosen.length === fallback.length && chosen.every((a, i) => a === fallback[i]);
}

/** axios's isAbsoluteURL: `scheme://` or protocol-relative `//`. */
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

// axios's Node adapter draws a new multipart boundary per send unless the content type names
// one; naming it up front makes a replay send the same bytes. Browsers replace it anyway.
function fixBoundary(config: InternalAxiosRequestConfig) {
  if (typeof FormData === 'undefined' || !(config.data instanceof FormData)) return;
  const type = config.headers.getContentType();
  if (typeof type === 'string' && /boundary=/i.test(type)) return;
  const boundary = `silent-session-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  config.headers.setContentType(`multipart/form-data; boundary=${boundary}`);
}

// The adapter sees raw data; show `isTokenRejected` what the caller would get.
function transformed(response: AxiosResponse): unknown {
  const { config } = response;
  const fns = [config.transformResponse ?? []].flat();
  try {
    const headers = response.headers as Parameters<(typeof fns)[number]>[1];
    return fns.reduce<unknown>((data, fn) => fn.call(config, data, headers, response.status), response.data);
  } catch {
    return response.data;
  }
}
