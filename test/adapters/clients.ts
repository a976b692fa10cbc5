import axios, { isAxiosError, type AxiosResponse } from 'axios';
import ky, { isHTTPError } from 'ky';
import type { Session } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { errorData, kyAbsolute, kyBase } from '../helpers/ky.js';

/** What a test asks of any client. */
export type BodyKind = 'json' | 'text' | 'form' | 'params';

export interface Outcome {
  status: number;
  data: unknown;
  /** Whatever the client threw (ky HTTPError, AxiosError, anything else); null when it resolved. */
  thrown: unknown;
}

export interface AdapterOptionsForTest {
  origins?: string[];
  renewHeader?: string;
  /** "the body says 401": { code: 401 } */
  bodySaysRejected?: boolean;
}

export interface Client {
  request(method: 'GET' | 'POST' | 'PUT', url: string, options?: { body?: BodyKind; signal?: AbortSignal }): Promise<Outcome>;
  /** True when `error` is the error this client throws for an aborted request. */
  isAbortError(error: unknown): boolean;
  /**
   * True when a non-2xx answer was reported the way the bare client reports it: fetch resolves
   * with the Response (nothing thrown), ky throws an HTTPError, axios an AxiosError with the response.
   */
  reportsHttpErrorNatively(outcome: Outcome): boolean;
}

export interface Harness {
  name: string;
  make(session: Session, baseUrl: string, options?: AdapterOptionsForTest): Client;
}

export const BODIES: Record<BodyKind, () => { json?: unknown; text?: string; form?: FormData; params?: URLSearchParams }> = {
  json: () => ({ json: { name: 'Zoë', tags: ['a', 'b'], n: 42 } }),
  text: () => ({ text: 'plain text body ✓' }),
  form: () => {
    const form = new FormData();
    form.append('field', 'value');
    form.append('file', new Blob(['file-content'], { type: 'text/plain' }), 'a.txt');
    return { form };
  },
  params: () => ({ params: new URLSearchParams({ q: 'silent session', page: '2' }) }),
};

function fetchBody(kind: BodyKind | undefined): RequestInit {
  if (!kind) return {};
  const b = BODIES[kind]();
  if (b.json !== undefined) return { body: JSON.stringify(b.json), headers: { 'content-type': 'application/json' } };
  if (b.text !== undefined) return { body: b.text, headers: { 'content-type': 'text/plain' } };
  return { body: b.form ?? b.params ?? null };
}

const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortError';

const bodyRejected = async (response: Response) => {
  const data = (await response.json().catch(() => null)) as { code?: number } | null;
  return data?.code === 401;
};

// Every harness resolves with an Outcome; whatever the client threw is in `thrown` (status -1
// unless it was an HTTP error), so "nothing was thrown" is something a test can check.
function fetchClient(run: typeof fetch): Client {
  return {
    async request(method, url, { body, signal } = {}) {
      try {
        const res = await run(url, { method, ...fetchBody(body), ...(signal ? { signal } : {}) });
        return { status: res.status, data: await res.json().catch(() => null), thrown: null };
      } catch (error) {
        return { status: -1, data: null, thrown: error };
      }
    },
    isAbortError: isAbort,
    reportsHttpErrorNatively: (o) => o.thrown === null,
  };
}

// Relative paths without the leading slash (ky 1's prefixUrl refuses it; under ky 2's baseUrl
// ending in "/" it resolves the same); absolute URLs sent as they are.
function kyClient(api: typeof ky): Client {
  return {
    async request(method, url, { body, signal } = {}) {
      const b = body ? BODIES[body]() : {};
      const absolute = /^https?:/.test(url);
      try {
        const res = await api(absolute ? url : url.replace(/^\//, ''), {
          ...(absolute ? kyAbsolute() : {}),
          method,
          ...(b.json !== undefined ? { json: b.json } : {}),
          ...(b.text !== undefined ? { body: b.text, headers: { 'content-type': 'text/plain' } } : {}),
          ...(b.form ? { body: b.form } : {}),
          ...(b.params ? { body: b.params } : {}),
          ...(signal ? { signal } : {}),
        });
        return { status: res.status, data: await res.json().catch(() => null), thrown: null };
      } catch (error) {
        if (isHTTPError(error)) return { status: error.response.status, data: (await errorData(error)) ?? null, thrown: error };
        return { status: -1, data: null, thrown: error };
      }
    },
    isAbortError: isAbort,
    reportsHttpErrorNatively: (o) => isHTTPError(o.thrown) && o.thrown.response.status === o.status,
  };
}

export const harnesses: Harness[] = [
  {
    name: 'fetch (createAuthFetch)',
    make: (session, baseUrl, o = {}) =>
      fetchClient(
        createAuthFetch(session, {
          baseUrl,
          ...(o.origins ? { origins: o.origins } : {}),
          ...(o.renewHeader ? { renewHeader: o.renewHeader } : {}),
          ...(o.bodySaysRejected ? { isTokenRejected: bodyRejected } : {}),
        }),
      ),
  },
  {
    name: 'ky (withSession)',
    make: (session, baseUrl, o = {}) =>
      kyClient(
        withSession(ky.create({ ...kyBase(`${baseUrl}/`), retry: 0, timeout: false }), session, {
          ...(o.origins ? { origins: o.origins } : {}),
          ...(o.renewHeader ? { renewHeader: o.renewHeader } : {}),
          ...(o.bodySaysRejected ? { isTokenRejected: bodyRejected } : {}),
        }),
      ),
  },
  {
    name: 'ky (kyHooks, ky retries on)',
    make: (session, baseUrl, o = {}) =>
      kyClient(
        ky.create({
          ...kyBase(`${baseUrl}/`),
          retry: { limit: 2, delay: () => 0 },
          timeout: false,
          hooks: kyHooks(session, {
            ...(o.origins ? { origins: o.origins } : {}),
            ...(o.renewHeader ? { renewHeader: o.renewHeader } : {}),
            ...(o.bodySaysRejected ? { isTokenRejected: bodyRejected } : {}),
          }),
        }),
      ),
  },
  {
    name: 'ky (kyHooks, retry: 0)',
    make: (session, baseUrl, o = {}) =>
      kyClient(
        ky.create({
          ...kyBase(`${baseUrl}/`),
          retry: 0,
          timeout: false,
          hooks: kyHooks(session, {
            ...(o.origins ? { origins: o.origins } : {}),
            ...(o.renewHeader ? { renewHeader: o.renewHeader } : {}),
            ...(o.bodySaysRejected ? { isTokenRejected: bodyRejected } : {}),
          }),
        }),
      ),
  },
  {
    name: 'axios (attachSession)',
    make: (session, baseUrl, o = {}) => {
      const api = axios.create({ baseURL: baseUrl });
      attachSession(api, session, {
        ...(o.origins ? { origins: o.origins } : {}),
        ...(o.renewHeader ? { renewHeader: o.renewHeader } : {}),
        ...(o.bodySaysRejected ? { isTokenRejected: (r: AxiosResponse) => (r.data as { code?: number })?.code === 401 } : {}),
      });
      return {
        async request(method, url, { body, signal } = {}) {
          const b = body ? BODIES[body]() : {};
          const data = b.json ?? b.text ?? b.form ?? b.params;
          try {
            const res = await api.request({
              method,
              url,
              ...(data === undefined ? {} : { data }),
              ...(b.text !== undefined ? { headers: { 'content-type': 'text/plain' } } : {}),
              ...(signal ? { signal } : {}),
            });
            return { status: res.status, data: res.data as unknown, thrown: null };
          } catch (error) {
            if (isAxiosError(error) && error.response) return { status: error.response.status, data: error.response.data as unknown, thrown: error };
            return { status: -1, data: null, thrown: error };
          }
        },
        isAbortError: (e) => axios.isCancel(e),
        reportsHttpErrorNatively: (o) => isAxiosError(o.thrown) && o.thrown.response?.status === o.status,
      };
    },
  },
];
