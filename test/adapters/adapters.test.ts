import { describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, memoryStorage, type Session } from '../../src/index.js';
import { authServer, jumpClock } from '../helpers/server.js';
import { KY_MAJOR } from '../helpers/ky.js';
import { harnesses, type BodyKind } from './clients.js';

// One suite, run over every adapter: they share one implementation of "get a token, attach
// it, on 401 report it and replay once", so they must behave the same. Everything talks to
// the real auth server; the numbers asserted are the server's own counters.

async function setup(options: { accessTtl?: number; refreshGate?: Promise<void> } = {}) {
  const clock = jumpClock();
  const server = await authServer({ accessTtl: options.accessTtl ?? 60, now: clock.now });
  const gate = options.refreshGate;
  const session = createSession({
    // a gate the test opens: the refresh request leaves only then
    refresh: jsonRefresh({ url: `${server.url}/refresh`, ...(gate ? { fetch: async (input, init) => (await gate, fetch(input, init)) } : {}) }),
    storage: memoryStorage(),
    wake: false,
    now: clock.now,
    maxRefreshesPerMinute: 100,
  });
  session.login(await server.login('alice'));
  server.resetCounters();
  return { clock, server, session };
}

const apiRequests = (server: { seen: Array<{ path: string }> }, path: string) => server.seen.filter((r) => r.path === path);

// The `ky1` project runs this file again on ky 1: only the ky harnesses then.
describe.each(KY_MAJOR === 1 ? harnesses.filter((h) => h.name.startsWith('ky')) : harnesses)('$name', (harness) => {
  it('sends 1,000 concurrent requests across an expiry with exactly 1 refresh and no expired token at the server', async () => {
    const { clock, server, session } = await setup({ accessTtl: 60 });
    const client = harness.make(session, server.url);
    clock.advance(61_000); // the access token is now expired by its exp claim
    const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => client.request('GET', `/api/item/${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1_000);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.apiExpired).toBe(0);
    expect(server.counters.apiOk).toBe(1_000);
    session.stop();
  });

  it('recovers 50 concurrent requests from a server-side token revocation with exactly 1 refresh', async () => {
    const { server, session } = await setup();
    const client = harness.make(session, server.url);
    server.revokeAccessTokens();
    const results = await Promise.all(Array.from({ length: 50 }, () => client.request('GET', '/api/profile')));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.apiOk).toBe(50);
    session.stop();
  });

  it('gives up on an endpoint that always answers 401 after exactly 2 attempts and 1 refresh', async () => {
    const { server, session } = await setup();
    const client = harness.make(session, server.url);
    const outcome = await client.request('GET', '/api/always-401');
    expect(outcome.status).toBe(401);
    expect(client.reportsHttpErrorNatively(outcome)).toBe(true);
    expect(apiRequests(server, '/api/always-401')).toHaveLength(2);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });

  it('replays a stale 401 (sent with T1, answered after T2 exists) with T2 and no second refresh', async () => {
    const { server, session } = await setup();
    const client = harness.make(session, server.url);
    const t1 = session.getSnapshot().accessToken;
    server.revokeAccessTokens();
    const slow = client.request('GET', '/api/slow?delay=400'); // its 401 comes back late
    const fast = await client.request('GET', '/api/fast'); // 401 -> refresh -> T2 -> 200
    expect(fast.status).toBe(200);
    const t2 = session.getSnapshot().accessToken;
    expect(t2).not.toBe(t1);
    expect((await slow).status).toBe(200);
    const slowAttempts = apiRequests(server, '/api/slow').map((r) => (r as { authorization?: string }).authorization);
    expect(slowAttempts).toEqual([`Bearer ${t1}`, `Bearer ${t2}`]);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });

  it.each<BodyKind>(['json', 'text', 'form', 'params'])('replays a %s body byte for byte after a 401', async (kind) => {
    const { server, session } = await setup();
    const client = harness.make(session, server.url);
    server.revokeAccessTokens();
    const outcome = await client.request('POST', '/api/upload', { body: kind });
    expect(outcome.status).toBe(200);
    const attempts = server.seen.filter((r) => r.path === '/api/upload');
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts;
    expect(first?.body.length).toBeGreaterThan(0);
    expect(second?.body).toBe(first?.body);
    expect(second?.contentType).toBe(first?.contentType);
    expect((outcome.data as { body: string }).body).toBe(first?.body);
    session.stop();
  });

  it('never sends the token to another origin, and the refresh never carries a Bearer token', async () => {
    const { clock, server, session } = await setup();
    const other = await authServer();
    const client = harness.make(session, server.url);
    await client.request('GET', `${other.url}/api/elsewhere`);
    expect(other.seen.map((r) => r.authorization)).toEqual([undefined]);
    clock.advance(61_000);
    await client.request('GET', '/api/after-expiry');
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshWithBearer).toBe(0);
    expect(server.seen.filter((r) => r.path === '/refresh').map((r) => r.authorization)).toEqual([undefined]);
    session.stop();
  });

  it('sends the token to an origin listed in `origins`', async () => {
    const { server, session } = await setup();
    const other = await authServer();
    const client = harness.make(session, server.url, { origins: [other.url] });
    const token = session.getSnapshot().accessToken;
    await client.request('GET', `${other.url}/api/elsewhere`);
    // (the other server has its own signing key, so it refuses the token: one refresh, one replay)
    expect(other.seen[0]?.authorization).toBe(`Bearer ${token}`);
    session.stop();
  });

  it('treats a 200 whose body says { code: 401 } as a refused token when isTokenRejected says so', async () => {
    const { server, session } = await setup();
    const client = harness.make(session, server.url, { bodySaysRejected: true });
    server.revokeAccessTokens();
    const outcome = await client.request('GET', '/api/data?style=body');
    expect(outcome.status).toBe(200);
    expect(outcome.data).toMatchObject({ ok: true });
    expect(apiRequests(server, '/api/data')).toHaveLength(2);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });

  it('picks up a renewed access token from renewHeader (sliding expiration)', async () => {
    const { clock, server, session } = await setup();
    const client = harness.make(session, server.url, { renewHeader: 'x-access-token' });
    const before = session.getSnapshot().accessToken;
    clock.advance(5_000);
    await client.request('GET', '/api/renew');
    const after = session.getSnapshot().accessToken;
    expect(after).not.toBe(before);
    await client.request('GET', '/api/check');
    expect(server.seen.at(-1)?.authorization).toBe(`Bearer ${after}`);
    expect(server.counters.refreshCalls).toBe(0);
    session.stop();
  });

  it('rejects a request aborted while it waits for the refresh at once, with the client’s own abort error', async () => {
    let open = () => {};
    const refreshGate = new Promise<void>((resolve) => (open = resolve));
    const { clock, server, session } = await setup({ refreshGate });
    const client = harness.make(session, server.url);
    clock.advance(61_000);
    const controller = new AbortController();
    const aborted = client.request('GET', '/api/aborted', { signal: controller.signal });
    const others = Array.from({ length: 3 }, () => client.request('GET', '/api/waiting'));
    await waitFor(session, () => session.getSnapshot().pending === 4);
    controller.abort();
    const { thrown } = await aborted;
    // "at once": it settled while the refresh is still held back, the others still waiting
    expect(client.isAbortError(thrown)).toBe(true);
    expect([session.getSnapshot().status, session.getSnapshot().pending, server.counters.refreshCalls]).toEqual(['refreshing', 3, 0]);
    open();
    expect((await Promise.all(others)).map((o) => o.status)).toEqual([200, 200, 200]);
    expect(apiRequests(server, '/api/aborted')).toHaveLength(0);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });
});

/** Resolves once the session's snapshot meets `condition` (driven by its updates, not by polling). */
function waitFor(session: Session, condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (condition()) return resolve();
    const stop = session.subscribe(() => {
      if (condition()) {
        stop();
        resolve();
      }
    });
  });
}
