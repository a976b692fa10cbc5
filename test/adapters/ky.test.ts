import ky, { HTTPError } from 'ky';
import { describe, expect, it } from 'vitest';
import { kyHooks, withSession } from '../../src/ky.js';
import { errorData, kyBase, kyPrefix, KY_MAJOR } from '../helpers/ky.js';
import { loggedInSession } from '../helpers/server.js';
import { spyFetch } from '../helpers/spyFetch.js';

// The ky adapter's own edges and its parity with bare ky. The `unit` project runs this file on
// ky 2, the `ky1` project on ky 1.14 (positional hook arguments, `prefixUrl`).

const paths = (server: { seen: { path: string; body?: unknown; authorization?: string | undefined }[] }, path: string) => server.seen.filter((r) => r.path === path);

it(`runs against ky ${KY_MAJOR}`, () => {
  expect(KY_MAJOR).toBe(process.env.KY_MAJOR === '1' ? 1 : 2);
});

describe('ky adapter edges', () => {
  it('keeps ky’s own retries working under withSession: a 503 is retried by ky, and each attempt carries the token', async () => {
    const { server, session } = await loggedInSession();
    const attempts: Array<string | null> = [];
    let failures = 1;
    const api = withSession(
      ky.create({
        ...kyBase(`${server.url}/`),
        retry: { limit: 2, delay: () => 0 },
        // what goes on the wire: the first attempt is answered 503 before it reaches the server
        fetch: async (input, init) => {
          attempts.push(input instanceof Request ? input.headers.get('authorization') : null);
          if (failures-- > 0) return new Response('busy', { status: 503 });
          return fetch(input, init);
        },
      }),
      session,
    );
    expect(await api.get('api/retried').json()).toMatchObject({ ok: true });
    const token = `Bearer ${session.getSnapshot().accessToken}`;
    expect(attempts).toEqual([token, token]);
    expect(server.seen.map((r) => [r.path, r.authorization])).toEqual([['/api/retried', token]]);
    session.stop();
  });

  it('passes ky’s fetch-only options (e.g. Next.js `next`, undici `dispatcher`) on to fetch, on the replay too', async () => {
    const { server, session } = await loggedInSession();
    const extras: unknown[] = [];
    const api = withSession(
      ky.create({
        ...kyBase(`${server.url}/`),
        fetch: async (input, init) => {
          extras.push((init as { next?: unknown } | undefined)?.next);
          return fetch(input, init);
        },
      }),
      session,
    );
    const next = { revalidate: 60 };
    await api.get('api/plain', { next } as Parameters<typeof api.get>[1]);
    server.revokeAccessTokens(); // the next request gets a 401 and is replayed
    await api.get('api/replayed', { next } as Parameters<typeof api.get>[1]);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.apiUnauthorized).toBe(1);
    expect(extras).toEqual([next, next, next]);
    session.stop();
  });

  it('composes kyHooks with hooks of your own', async () => {
    const { server, session } = await loggedInSession();
    const seen: string[] = [];
    const hooks = kyHooks(session);
    // ky 2 passes one state object, ky 1 the Request first
    const mine = (...args: unknown[]) => {
      const request = KY_MAJOR === 1 ? (args[0] as Request) : (args[0] as { request: Request }).request;
      seen.push(request.headers.get('authorization') ?? '');
    };
    const api = ky.create({
      ...kyBase(`${server.url}/`),
      hooks: {
        beforeRequest: [...(hooks.beforeRequest ?? []), mine],
        afterResponse: hooks.afterResponse ?? [],
        beforeError: hooks.beforeError ?? [],
      },
    });
    await api.get('api/composed');
    expect(seen).toEqual([`Bearer ${session.getSnapshot().accessToken}`]);
    session.stop();
  });
});

describe('ky adapter errors', () => {
  it.each(['withSession', 'kyHooks'] as const)('%s with ky retries on: a refresh refused after a 401 rejects with that SessionError, once, with no retry', async (kind) => {
    const { server, session } = await loggedInSession();
    const base = { ...kyBase(`${server.url}/`), retry: { limit: 2, delay: () => 0 } };
    const api = kind === 'withSession' ? withSession(ky.create(base), session) : ky.create({ ...base, hooks: kyHooks(session) });
    server.revokeAll();
    server.revokeAccessTokens();
    const error = await api.get('api/x').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SessionError', kind: 'rejected' });
    expect(paths(server, '/api/x')).toHaveLength(1);
    expect(server.counters.refreshCalls).toBe(1);
    expect(session.getSnapshot().status).toBe('loggedOut');
    session.stop();
  });
});

describe('ky adapter parity', () => {
  it('withSession: a replayed POST keeps searchParams and the json body, and .json() reads the replay', async () => {
    const { server, session } = await loggedInSession();
    const api = withSession(ky.create(kyBase(`${server.url}/`)), session);
    server.revokeAccessTokens();
    const data = await api.post('api/q', { searchParams: { a: '1', b: 'x y' }, json: { n: 1, s: 'Zoë' } }).json();
    expect(data).toMatchObject({ query: '?a=1&b=x+y', contentType: 'application/json', body: '{"n":1,"s":"Zoë"}' });
    expect(paths(server, '/api/q').map((r) => r.body)).toEqual(['{"n":1,"s":"Zoë"}', '{"n":1,"s":"Zoë"}']);
    session.stop();
  });

  it('withSession: works with a prefix (ky 2 `prefix`, ky 1 `prefixUrl`) and keeps the Request options ky set (referrerPolicy) on the replay', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const api = withSession(ky.create({ ...kyPrefix(`${server.url}/api`), fetch: spy, referrerPolicy: 'no-referrer' }), session);
    server.revokeAccessTokens();
    expect(await api.get('p').json()).toMatchObject({ path: '/api/p' });
    expect(calls.map((c) => c.request.referrerPolicy)).toEqual(['no-referrer', 'no-referrer']);
    session.stop();
  });

  it('withSession: throwHttpErrors false returns the second 401; otherwise HTTPError carries it', async () => {
    const { server, session } = await loggedInSession();
    const api = withSession(ky.create({ ...kyBase(`${server.url}/`), retry: 0 }), session);
    const res = await api.get('api/always-401', { throwHttpErrors: false });
    expect(res.status).toBe(401);
    const error = await api.post('api/always-401', { json: { a: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.status).toBe(401);
    expect((error as HTTPError).request.url).toBe(`${server.url}/api/always-401`);
    expect(await errorData(error as HTTPError)).toEqual({ error: 'always' });
    expect(paths(server, '/api/always-401')).toHaveLength(4);
    session.stop();
  });

  it('withSession: ky retries (503) and the 401 replay both send the POST body; beforeRetry and onDownloadProgress run as without the adapter', async () => {
    const { server, session } = await loggedInSession();
    let failures = 1;
    let beforeRetry = 0;
    let progress = 0;
    const api = withSession(
      ky.create({
        ...kyBase(`${server.url}/`),
        retry: { limit: 2, delay: () => 0, methods: ['post'] },
        hooks: { beforeRetry: [() => void beforeRetry++] },
        fetch: async (input, init) => (failures-- > 0 ? new Response('busy', { status: 503 }) : fetch(input, init)),
      }),
      session,
    );
    server.revokeAccessTokens();
    const data = await api.post('api/rp', { json: { k: 'v' }, onDownloadProgress: () => void progress++ }).json();
    expect(data).toMatchObject({ body: '{"k":"v"}' });
    expect(paths(server, '/api/rp').map((r) => r.body)).toEqual(['{"k":"v"}', '{"k":"v"}']);
    expect(beforeRetry).toBe(1);
    expect(progress).toBeGreaterThan(0);
    session.stop();
  });

  it('kyHooks with retry: 0 replays a JSON body identically', async () => {
    const { server, session } = await loggedInSession();
    const api = ky.create({ ...kyBase(`${server.url}/`), retry: 0, hooks: kyHooks(session) });
    server.revokeAccessTokens();
    expect(await api.post('api/kh', { json: { z: [1, 2] } }).json()).toMatchObject({ body: '{"z":[1,2]}' });
    expect(paths(server, '/api/kh').map((r) => r.body)).toEqual(['{"z":[1,2]}', '{"z":[1,2]}']);
    session.stop();
  });

  it('kyHooks with ky retries on: a 503 is retried by ky with the token, a 401 is replayed once', async () => {
    const { server, session } = await loggedInSession();
    const attempts: Array<string | null> = [];
    let failures = 1;
    const api = ky.create({
      ...kyBase(`${server.url}/`),
      retry: { limit: 2, delay: () => 0 },
      hooks: kyHooks(session),
      fetch: async (input, init) => {
        attempts.push(input instanceof Request ? input.headers.get('authorization') : null);
        return failures-- > 0 ? new Response('busy', { status: 503 }) : fetch(input, init);
      },
    });
    const before = `Bearer ${session.getSnapshot().accessToken}`;
    server.revokeAccessTokens();
    expect(await api.get('api/kr').json()).toMatchObject({ ok: true });
    expect(attempts).toEqual([before, before]); // ky's own retry of the 503, with the token
    expect(paths(server, '/api/kr').map((r) => r.authorization)).toEqual([before, `Bearer ${session.getSnapshot().accessToken}`]);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });

  it('kyHooks: the replay keeps the Request’s referrerPolicy', async () => {
    const { server, session } = await loggedInSession();
    const { spy, calls } = spyFetch();
    const api = ky.create({ ...kyBase(`${server.url}/`), fetch: spy, referrerPolicy: 'no-referrer', hooks: kyHooks(session, { fetch: spy }) });
    server.revokeAccessTokens();
    await api.get('api/rp2');
    expect(calls.map((c) => c.request.referrerPolicy)).toEqual(['no-referrer', 'no-referrer']);
    session.stop();
  });
});
