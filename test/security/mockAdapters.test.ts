import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { describe, expect, it } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { foreignJwt } from '../helpers/probe.js';
import { loggedInSession } from '../helpers/server.js';

// DESIGN rule 5 (v3), last clause: a relative or empty final URL on a response means the
// request's own URL. axios-mock-adapter reports `request.responseURL` as the config's url,
// relative under a baseURL: that must not read as "another origin answered" (which switches the
// 401 refresh off). And a MockAdapter made after attachSession must not detach the session.
// The refresh itself goes to the real auth server; the API is the mock.

const API = 'https://api.example.test';

/** A mocked `/me` that refuses the login's token and accepts any other; records what it got. */
function mockApi(mock: MockAdapter, refused: string) {
  const got: Array<string | undefined> = [];
  const answer = (config: AxiosRequestConfig): [number, unknown] => {
    const authorization = (config.headers as Record<string, string | undefined> | undefined)?.Authorization;
    got.push(authorization);
    return authorization === `Bearer ${refused}` ? [401, { error: 'expired' }] : [200, { ok: true }];
  };
  mock.onGet('/me').reply(answer);
  mock.onGet(`${API}/abs`).reply(answer);
  return got;
}

const orders: Array<[string, (api: AxiosInstance, attach: () => void) => MockAdapter]> = [
  ['made before attachSession', (api, attach) => {
    const mock = new MockAdapter(api);
    attach();
    return mock;
  }],
  ['made after attachSession', (api, attach) => {
    attach();
    return new MockAdapter(api);
  }],
];

describe.each(orders)('axios-mock-adapter %s', (_order, setUp) => {
  it('a 401 from the mock refreshes once at the real server and replays with the new token', async () => {
    const { server, session } = await loggedInSession();
    const first = session.getSnapshot().accessToken as string;
    const api = axios.create({ baseURL: API });
    const mock = setUp(api, () => attachSession(api, session));
    const got = mockApi(mock, first);
    const res = await api.get('/me');
    expect(res.status).toBe(200);
    expect(server.counters.refreshOk).toBe(1);
    const second = session.getSnapshot().accessToken as string;
    expect(second).not.toBe(first);
    expect(got).toEqual([`Bearer ${first}`, `Bearer ${second}`]);
    session.stop();
  });

  it('an absolute URL under the same mock works the same', async () => {
    const { server, session } = await loggedInSession();
    const first = session.getSnapshot().accessToken as string;
    const api = axios.create({ baseURL: API });
    const mock = setUp(api, () => attachSession(api, session));
    const got = mockApi(mock, first);
    expect((await api.get(`${API}/abs`)).status).toBe(200);
    expect(server.counters.refreshOk).toBe(1);
    expect(got).toHaveLength(2);
    session.stop();
  });

  it('detaching still works, and restoring the mock keeps the session on', async () => {
    const { session } = await loggedInSession();
    const token = session.getSnapshot().accessToken as string;
    const api = axios.create({ baseURL: API });
    let detach = () => {};
    const mock = setUp(api, () => (detach = attachSession(api, session)));
    const got = mockApi(mock, 'never');
    await api.get('/me');
    mock.restore(); // back to the real adapter…
    const again = new MockAdapter(api); // …and a fresh mock
    const got2 = mockApi(again, 'never');
    await api.get('/me');
    detach();
    await api.get('/me');
    expect([...got, ...got2]).toEqual([`Bearer ${token}`, `Bearer ${token}`, undefined]);
    session.stop();
  });
});

describe('a request with its own adapter', () => {
  it('is left alone, as before', async () => {
    const { session } = await loggedInSession();
    const api = axios.create({ baseURL: API });
    attachSession(api, session);
    const seen: unknown[] = [];
    await api.get('/me', {
      adapter: async (config) => (seen.push(config.headers.get('Authorization')), { data: {}, status: 200, statusText: 'OK', headers: {}, config }),
    });
    expect(seen).toEqual([undefined]);
    session.stop();
  });
});

describe('a renewed token (renewHeader) in a mocked answer', () => {
  it('axios-mock-adapter: adopted, the final URL being the request’s own', async () => {
    const { session } = await loggedInSession();
    const renewed = await foreignJwt('user', 3_600);
    const api = axios.create({ baseURL: API });
    const warnings: string[] = [];
    attachSession(api, session, { renewHeader: 'x-access-token', onWarning: (m) => warnings.push(m) });
    new MockAdapter(api).onGet('/me').reply(200, { ok: true }, { 'x-access-token': renewed });
    await api.get('/me');
    expect(session.getSnapshot().accessToken).toBe(renewed);
    expect(warnings).toEqual([]);
    session.stop();
  });

  it('a hand-built Response (a stub fetch, `new Response(...)`, no url): adopted too', async () => {
    const { session } = await loggedInSession();
    const renewed = await foreignJwt('user', 3_600);
    const warnings: string[] = [];
    const stub: typeof fetch = async () => new Response('{}', { headers: { 'x-access-token': renewed } });
    const authFetch = createAuthFetch(session, { baseUrl: API, fetch: stub, renewHeader: 'x-access-token', onWarning: (m) => warnings.push(m) });
    await authFetch('/me');
    expect(session.getSnapshot().accessToken).toBe(renewed);
    expect(warnings).toEqual([]);
    session.stop();
  });
});
