import axios, { isAxiosError, type AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { Session } from '../machine/session.js';
import { createAuthorizer, type AdapterOptions, type ClientGlue } from './authorize.js';
import { isReplayable } from './fetch.js';

/** A response, or the error axios made of it (validateStatus refused it). */
interface Outcome {
  response: AxiosResponse;
  error?: AxiosError;
}

const axiosGlue: ClientGlue<Outcome, AxiosResponse> = {
  status: ({ response }) => response.status,
  header: ({ response }, name) => {
    const value: unknown = response.headers[name.toLowerCase()];
    return typeof value === 'string' ? value : null;
  },
  view: ({ response }) => ({ ...response, data: transformed(response) }),
  abortError: () => new axios.CanceledError(),
};

/**
 * Connects an axios instance to the session: requests to allowed origins carry the token,
 * wait while a refresh is in flight, and are replayed once after a 401. Works at the adapter
 * level, under your interceptors: they see one request and one response, the replay sends the
 * already-serialized body again, and nothing (no `_retry` flag) is added to your config.
 * Returns the function that detaches it. A request with its own `adapter` option is left alone.
 *
 * @example
 * const api = axios.create({ baseURL: 'https://api.example.com' })
 * const detach = attachSession(api, session)
 * const { data } = await api.get('/me')
 */
export function attachSession(
  instance: AxiosInstance,
  session: Session,
  options: AdapterOptions<AxiosResponse> = {},
): () => void {
  const previous = instance.defaults.adapter;
  const original = axios.getAdapter(previous ?? axios.defaults.adapter);
  const auth = createAuthorizer(session, options, axiosGlue, instance.defaults.baseURL);

  const adapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    // A config sent again (error.config, retry interceptors) carries the token set last time: replace it.
    const present = config.headers.get('Authorization');
    if ((present != null && !auth.own(String(present))) || !auth.target(destination(config)).allowed) return original(config);
    fixBoundary(config);
    const send = async (authorization: string | null): Promise<Outcome> => {
      if (authorization !== null) config.headers.set('Authorization', authorization);
      try {
        return { response: await original(config) };
      } catch (error) {
        if (isAxiosError(error) && error.response) return { response: error.response, error };
        throw error;
      }
    };
    const outcome = await auth.run(config.signal as AbortSignal | undefined, send, isReplayable(config.data));
    if (outcome.error) throw outcome.error;
    return outcome.response;
  };

  instance.defaults.adapter = adapter;
  return () => {
    if (instance.defaults.adapter !== adapter) return;
    if (previous === undefined) delete instance.defaults.adapter;
    else instance.defaults.adapter = previous;
  };
}

// axios's Node adapter draws a new multipart boundary per send unless the content type names
// one; naming it up front makes a replay send the same bytes. Browsers replace it anyway.
function fixBoundary(config: InternalAxiosRequestConfig) {
  if (typeof FormData === 'undefined' || !(config.data instanceof FormData)) return;
  const type = config.headers.getContentType();
  if (typeof type === 'string' && /boundary=/i.test(type)) return;
  const boundary = `silent-session-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  config.headers.setContentType(`multipart/form-data; boundary=${boundary}`);
}

// Where the request goes, enough to tell its origin: its own URL when absolute (for axios that
// includes protocol-relative `//host/x`), else the base URL (a relative one resolves against
// the page). Cheaper than axios's getUri per request.
function destination(config: InternalAxiosRequestConfig): string {
  const url = config.url ?? '';
  if (/^([a-z][a-z\d+.-]*:)?\/\//i.test(url) || !config.baseURL) return url === '' ? '/' : url;
  return config.baseURL;
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
