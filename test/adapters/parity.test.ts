import { Readable } from 'node:stream';
import axios, { isAxiosError, type AxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { loggedInSession } from '../helpers/server.js';
import { spyFetch } from '../helpers/spyFetch.js';

/** A Headers from another implementation (node-fetch, the undici package): iterable pairs, not our Headers. */
class ForeignHeaders {
  readonly #pairs: Array<[string, string]>;
  constructor(record: Record<string, string>) {
    this.#pairs = Object.entries(record);
  }
  [Symbol.iterator]() {
    return this.#pairs[Symbol.iterator]();
  }
}

const paths = (server: { seen: { path: string; body?: unknown }[] }, path: string) => server.seen.filter((r) => r.path === path);

describe('fetch adapter parity', () => {
  it('passes fetch-only init options (Next.js `next`) on when called with a Request plus init', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const authFetch = createAuthFetch(session, { baseUrl: server.url, fetch: spy });
    const next = { revalidate: 60 };
    await authFetch(new Request(`${server.url}/api/req`), { next } as RequestInit);
    expect(calls.map((c) => c.init?.next)).toEqual([next]); // bare fetch(request, init) sees init.next
    session.stop();
  });

  it('passes fetch-only init options (Next.js `next`) on with a FormData body', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const authFetch = createAuthFetch(session, { baseUrl: server.url, fetch: spy });
    const next = { revalidate: 60 };
    const body = new FormData();
    body.append('a', '1');
    await authFetch('/api/form', { method: 'POST', body, next } as RequestInit);
    expect(calls.map((c) => c.init?.next)).toEqual([next]);
    session.stop();
  });

  it('keeps a Request’s referrerPolicy and referrer, on the first send and on the replay', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const authFetch = createAuthFetch(session, { baseUrl: server.url, fetch: spy });
    server.revokeAccessTokens();
    const request = new Request(`${server.url}/api/ref`, { referrerPolicy: 'no-referrer', referrer: `${server.url}/page` });
    expect((await authFetch(request)).status).toBe(200);
    expect(calls.map((c) => [c.request.referrerPolicy, c.request.referrer])).toEqual([
      ['no-referrer', `${server.url}/page`],
      ['no-referrer', `${server.url}/page`],
    ]);
    session.stop();
  });

  it('keeps redirect/credentials/cache/keepalive/mode for string and Request input, on the replay too', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const authFetch = createAuthFetch(session, { baseUrl: server.url, fetch: spy });
    const opts: RequestInit = { redirect: 'manual', credentials: 'omit', cache: 'no-store', keepalive: true, mode: 'cors' };
    server.revokeAccessTokens();
    await authFetch('/api/s', opts);
    server.revokeAccessTokens();
    await authFetch(new Request(`${server.url}/api/r`, opts));
    expect(calls).toHaveLength(4);
    for (const { request } of calls) {
      expect([request.redirect, request.credentials, request.cache, request.keepalive, request.mode]).toEqual(['manual', 'omit', 'no-store', true, 'cors']);
    }
    session.stop();
  });

  it('returns the very Response fetch returned, url and redirected intact', async () => {
    const { server, session } = await loggedInSession();
    const made: Response[] = [];
    const authFetch = createAuthFetch(session, {
      baseUrl: server.url,
      fetch: async (i, init) => {
        const r = await fetch(i, init);
        made.push(r);
        return r;
      },
    });
    const res = await authFetch('/api/id');
    expect(res).toBe(made[0]);
    expect([res.url, res.redirected]).toEqual([`${server.url}/api/id`, false]);
    server.revokeAccessTokens();
    const replayed = await authFetch('/api/id2');
    expect(replayed).toBe(made[2]);
    expect(replayed.url).toBe(`${server.url}/api/id2`);
    session.stop();
  });

  it('keeps the caller’s headers given as Headers, pairs or an object, and respects any casing of Authorization', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const authFetch = createAuthFetch(session, { baseUrl: server.url, fetch: spy });
    await authFetch('/api/h1', { headers: new Headers({ 'x-trace': '1' }) });
    await authFetch('/api/h2', { headers: [['x-trace', '2']] });
    await authFetch('/api/h3', { headers: { 'X-Trace': '3' } });
    await authFetch('/api/h4', { headers: { AUTHORIZATION: 'Basic eA==' } });
    await authFetch('/api/h5', { headers: [['AuThOrIzAtIoN', 'Basic eQ==']] });
    const bearer = `Bearer ${session.getSnapshot().accessToken}`;
    expect(calls.map((c) => [c.request.headers.get('x-trace'), c.request.headers.get('authorization')])).toEqual([
      ['1', bearer],
      ['2', bearer],
      ['3', bearer],
      [null, 'Basic eA=='],
      [null, 'Basic eQ=='],
    ]);
    session.stop();
  });

  it('keeps headers given as a Map or as a Headers from another implementation (fetch accepts both)', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const authFetch = createAuthFetch(session, { baseUrl: server.url, fetch: spy });
    // bare fetch keeps them:
    expect(new Request(server.url, { headers: new Map([['x-trace', 'm']]) as unknown as HeadersInit }).headers.get('x-trace')).toBe('m');
    await authFetch('/api/map', { headers: new Map([['x-trace', 'm']]) as unknown as HeadersInit });
    await authFetch('/api/foreign', { headers: new ForeignHeaders({ 'x-trace': 'u' }) as unknown as HeadersInit });
    expect(calls.map((c) => c.request.headers.get('x-trace'))).toEqual(['m', 'u']);
    session.stop();
  });

  it('leaves alone an Authorization given in a Headers from another implementation', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    await authFetch('/api/foreign-auth', { headers: new ForeignHeaders({ authorization: 'Basic eA==' }) as unknown as HeadersInit });
    expect(server.seen.map((r) => r.authorization)).toEqual(['Basic eA==']);
    session.stop();
  });

  it('accepts a URL object and resolves relative input against a baseUrl with a path like new URL()', async () => {
    const { server, session } = await loggedInSession();
    await createAuthFetch(session, { baseUrl: server.url })(new URL(`${server.url}/api/url-object`));
    await createAuthFetch(session, { baseUrl: `${server.url}/api/v1` })('x');
    await createAuthFetch(session, { baseUrl: `${server.url}/api/v1` })('/api/abs');
    await createAuthFetch(session, { baseUrl: `${server.url}/api/v1/` })('x');
    expect(server.seen.map((r) => [r.path, r.authorization?.startsWith('Bearer ')])).toEqual([
      ['/api/url-object', true],
      ['/api/x', true],
      ['/api/abs', true],
      ['/api/v1/x', true],
    ]);
    session.stop();
  });

  it('uses init.signal over the Request’s own signal, as fetch does', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    const aborted = AbortSignal.abort();
    await expect(authFetch(new Request(`${server.url}/api/a`), { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
    const ok = await authFetch(new Request(`${server.url}/api/b`, { signal: aborted }), { signal: new AbortController().signal });
    expect(ok.status).toBe(200);
    session.stop();
  });

  it('does not replay a one-shot async-iterable body as an empty body (Node fetch accepts them)', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    server.revokeAccessTokens();
    async function* chunks() {
      yield new TextEncoder().encode('streamed');
    }
    const res = await authFetch('/api/iter', { method: 'POST', body: chunks() as unknown as BodyInit, duplex: 'half' } as RequestInit);
    expect(paths(server, '/api/iter').map((r) => r.body)).not.toContain('');
    expect(res.status).toBe(401); // as for a ReadableStream: the 401 as it is
    session.stop();
  });

  it('returns the 401 for a Node Readable body instead of failing the replay', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    server.revokeAccessTokens();
    const body = Readable.from(['streamed']);
    const res = await authFetch('/api/readable', { method: 'POST', body, duplex: 'half' } as unknown as RequestInit);
    expect(res.status).toBe(401);
    session.stop();
  });
});

describe('axios adapter parity', () => {
  it('a replay keeps params and sends the identical JSON; transformRequest runs once', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    let transforms = 0;
    server.revokeAccessTokens();
    const res = await api.post(
      '/api/ax',
      { a: 1, s: 'Zoë' },
      { params: { q: 'x y', n: 2 }, transformRequest: [(d: unknown, h) => (transforms++, h.setContentType('application/json'), JSON.stringify(d))] },
    );
    expect(res.data).toMatchObject({ query: '?q=x+y&n=2', body: '{"a":1,"s":"Zoë"}' });
    expect(paths(server, '/api/ax').map((r) => r.body)).toEqual(['{"a":1,"s":"Zoë"}', '{"a":1,"s":"Zoë"}']);
    expect(transforms).toBe(1);
    session.stop();
  });

  it('responseType text / arraybuffer / json give the same data types after a replay', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    server.revokeAccessTokens();
    const text = await api.get('/api/t', { responseType: 'text' });
    server.revokeAccessTokens();
    const buf = await api.get('/api/b', { responseType: 'arraybuffer' });
    server.revokeAccessTokens();
    const json = await api.get('/api/j', { responseType: 'json' });
    expect(typeof text.data).toBe('string');
    expect(JSON.parse(text.data as string)).toMatchObject({ path: '/api/t' });
    expect(Buffer.isBuffer(buf.data)).toBe(true);
    expect(json.data).toMatchObject({ path: '/api/j' });
    session.stop();
  });

  it('a custom validateStatus that accepts 401 still gets the replay; a second 401 resolves as validateStatus says', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url, validateStatus: (s) => s < 500 });
    attachSession(api, session);
    server.revokeAccessTokens();
    expect((await api.get('/api/v')).status).toBe(200);
    const res = await api.get('/api/always-401');
    expect([res.status, res.data]).toEqual([401, { error: 'always' }]);
    expect(paths(server, '/api/always-401')).toHaveLength(2);
    session.stop();
  });

  it('sends no token to a protocol-relative URL (`//other.host/x`), which axios treats as absolute', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    const sent: Array<[string | undefined, unknown]> = [];
    api.defaults.adapter = async (config) => {
      sent.push([config.url, config.headers.get('Authorization')]);
      return { data: '', status: 200, statusText: 'OK', headers: {}, config };
    };
    attachSession(api, session);
    await api.get('//other.example/steal');
    await api.get('/api/own');
    expect(sent.map(([url, authorization]) => [url, typeof authorization === 'string' && authorization.startsWith('Bearer ')])).toEqual([
      ['//other.example/steal', false],
      ['/api/own', true],
    ]);
    session.stop();
  });

  it('leaves a per-request Authorization with another scheme alone', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    const error = await api.get('/api/basic', { headers: { Authorization: 'Basic eA==' } }).catch((e: unknown) => e);
    expect(isAxiosError(error) && error.response?.status).toBe(401);
    expect(server.seen.map((r) => r.authorization)).toEqual(['Basic eA==']);
    expect(server.counters.refreshCalls).toBe(0);
    session.stop();
  });

  it('a second 401 rejects with an AxiosError carrying that response and a config that can be sent again', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    const error = (await api.post('/api/always-401', { a: 1 }).catch((e: unknown) => e)) as AxiosError;
    expect(isAxiosError(error)).toBe(true);
    expect([error.response?.status, error.response?.data]).toEqual([401, { error: 'always' }]);
    expect(paths(server, '/api/always-401').map((r) => r.body)).toEqual(['{"a":1}', '{"a":1}']);
    session.stop();
  });

  it('a config sent again (response.config / error.config, as retry interceptors do) still gets the current token and the replay', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    // Sending a config again (error.config / response.config, as retry interceptors do) after the token changed:
    const ok = await api.get('/api/first');
    server.revokeAccessTokens();
    const again = await api.request({ ...ok.config, url: '/api/again' }).catch((e: unknown) => e);
    expect(isAxiosError(again) ? again.response?.status : (again as { status: number }).status).toBe(200);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });
});
