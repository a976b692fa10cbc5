import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, type Session } from '../../src/index.js';
import { createAuthFetch, type AuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { kyBase } from '../helpers/ky.js';
import { appApi } from '../helpers/appApi.js';
import { authServer } from '../helpers/server.js';
import { followEvents, serverEvents, type ServerEvent } from './streams.js';

// Issue 20 item 8: Server-Sent Events over createAuthFetch (vben's SSE module called the global
// fetch and lost its token after the port). A real event stream (node:http) whose token the real
// auth server checks, read with the fetch body reader as docs/recipes/streams.md does.

async function setup() {
  const auth = await authServer();
  const api = await appApi(auth);
  const session = createSession({ refresh: jsonRefresh({ url: `${auth.url}/refresh` }), wake: false });
  session.login(await auth.login());
  auth.resetCounters();
  return { auth, api, session };
}
async function all(events: AsyncGenerator<ServerEvent>): Promise<ServerEvent[]> {
  const out: ServerEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}
const ticks = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: String(from + i), event: 'tick', data: JSON.stringify({ n: from + i, user: 'user' }) }));

describe('Server-Sent Events through createAuthFetch', () => {
  it('connects with the token and reads every event until the server ends the stream', async () => {
    const { api, auth, session } = await setup();
    const authFetch = createAuthFetch(session, { baseUrl: api.url });
    expect(await all(serverEvents(authFetch, '/sse?count=3'))).toEqual(ticks(3));
    expect(api.seen.map((r) => r.authorization)).toEqual([`Bearer ${session.getSnapshot().accessToken}`]);
    expect(auth.counters.refreshCalls).toBe(0);
    session.stop();
  });

  it('a 401 before the stream starts is refreshed once and the connect replayed: the events come', async () => {
    const { api, auth, session } = await setup();
    const before = session.getSnapshot().accessToken;
    const authFetch = createAuthFetch(session, { baseUrl: api.url });
    auth.revokeAccessTokens();
    expect(await all(serverEvents(authFetch, '/sse?count=2'))).toEqual(ticks(2));
    expect(auth.counters.refreshCalls).toBe(1);
    expect(api.seen.map((r) => r.authorization)).toEqual([`Bearer ${before}`, `Bearer ${session.getSnapshot().accessToken}`]);
    session.stop();
  });

  it('the token is checked at connect time: a reconnect after a refresh carries the new token and the last event id', async () => {
    const { api, session } = await setup();
    const authFetch = createAuthFetch(session, { baseUrl: api.url });
    const first = await all(serverEvents(authFetch, '/sse?count=2'));
    const renewed = await session.refresh();
    await all(serverEvents(authFetch, '/sse?count=1', { lastEventId: first.at(-1)?.id ?? '' }));
    expect(api.seen.map((r) => r.authorization)).toEqual([expect.not.stringContaining(renewed), `Bearer ${renewed}`]);
    session.stop();
  });

  it('with the docs’ isTokenRejected (it reads the body as JSON) the stream is not shown to it: the events come, the stream stays open', async () => {
    const { api, session } = await setup();
    const authFetch = createAuthFetch(session, {
      baseUrl: api.url,
      isTokenRejected: async (response) => ((await response.json()) as { code?: number }).code === 401,
    });
    const controller = new AbortController();
    const got: ServerEvent[] = [];
    await expect(
      (async () => {
        for await (const event of serverEvents(authFetch, '/sse?count=2&hold=1', { signal: controller.signal })) {
          got.push(event);
          if (got.length === 2) controller.abort(); // the server keeps the stream open: the client closes it
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(got).toEqual(ticks(2));
    session.stop();
  });

  it('aborting while the connect waits for a refresh rejects at once with an AbortError, and the stream never opens', async () => {
    const { api, auth, session } = await setup();
    let open = () => {};
    auth.setFault({ type: 'gate', open: new Promise<void>((resolve) => (open = resolve)) }, 1);
    void session.refresh().catch(() => {});
    const controller = new AbortController();
    const authFetch = createAuthFetch(session, { baseUrl: api.url });
    const events = all(serverEvents(authFetch, '/sse', { signal: controller.signal }));
    controller.abort();
    await expect(events).rejects.toMatchObject({ name: 'AbortError' });
    open();
    expect(api.seen).toEqual([]);
    session.stop();
  });
});

describe('the same stream through ky, with the docs’ isTokenRejected', () => {
  const docsCheck = async (response: Response) => ((await response.json()) as { code?: number }).code === 401;
  it.each([
    ['withSession', (base: string, session: Session) => withSession(ky.create({ ...kyBase(`${base}/`), timeout: false, retry: 0 }), session, { isTokenRejected: docsCheck })],
    ['kyHooks', (base: string, session: Session) => ky.create({ ...kyBase(`${base}/`), timeout: false, retry: 0, hooks: kyHooks(session, { isTokenRejected: docsCheck }) })],
  ])('%s: the events come, and a 401 before the stream is refreshed once', async (_name, make) => {
    const { api, auth, session } = await setup();
    const api2 = make(api.url, session);
    const viaKy: AuthFetch = (input, init) => api2(String(input).replace(/^\//, ''), init);
    auth.revokeAccessTokens();
    expect(await all(serverEvents(viaKy, '/sse?count=2'))).toEqual(ticks(2));
    expect(auth.counters.refreshCalls).toBe(1);
    session.stop();
  });
});

describe('following a stream (reconnects, as EventSource does)', () => {
  it('reconnects when the stream ends, with the last event id and the token the session holds now', async () => {
    const { api, session } = await setup();
    const authFetch = createAuthFetch(session, { baseUrl: api.url });
    const controller = new AbortController();
    const got: ServerEvent[] = [];
    let renewed: Promise<string> | undefined;
    await followEvents(
      authFetch,
      '/sse?count=1',
      (event) => {
        got.push(event);
        if (got.length === 1) renewed = session.refresh(); // the next connect waits for it
        if (got.length === 2) controller.abort();
      },
      controller.signal,
      0,
    );
    expect(got).toEqual([...ticks(1), ...ticks(1)]);
    const token = await renewed;
    expect(api.seen.map((r) => [r.authorization === `Bearer ${token}`, r.lastEventId])).toEqual([
      [false, undefined],
      [true, '1'],
    ]);
    session.stop();
  });

  it('stops once the session is over: logged out, the connect goes out bare, its 401 ends the loop', async () => {
    const { api, auth, session } = await setup();
    const authFetch = createAuthFetch(session, { baseUrl: api.url });
    await session.logout();
    await followEvents(authFetch, '/sse', () => {}, new AbortController().signal, 0);
    expect(api.seen.map((r) => r.authorization)).toEqual([undefined]);
    expect(auth.counters.refreshCalls).toBe(0);
    session.stop();
  });
});

describe('docs/recipes/streams.md', () => {
  it('shows the recipe these tests run, word for word (the import names the package)', () => {
    const root = join(import.meta.dirname, '../..');
    const tested = readFileSync(join(root, 'test/recipes/streams.ts'), 'utf8').split('\n').slice(2).join('\n').replace("'../../src/fetch.js'", "'silent-session/fetch'");
    expect(readFileSync(join(root, 'docs/recipes/streams.md'), 'utf8')).toContain(tested.trimEnd());
  });
});
