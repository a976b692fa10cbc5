import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { isSessionError } from '../../src/index.js';
import { graphqlServer } from './graphqlServer.js';
import { createSessionWsClient } from './recipes.js';
import { loggedIn, range } from './setup.js';

// graphql-ws 6 (Node >= 20) against a real graphql-ws server (graphql-ws/use/ws + ws 8) on
// 127.0.0.1. Node 20 has no global WebSocket: the client gets ws's.
// Polls wait for what a user would see next; the bound is generous for a loaded machine.
const PATIENCE = { timeout: 10_000 };
const TICKS = 'subscription Ticks($i: Int!) { ticks(i: $i) { i n user } }';

interface Tick {
  i: number;
  n: number;
  user: string;
}

/** One subscription as the app sees it: what it received, and how it ended. */
function subscribe(client: Client, i: number) {
  const seen: Tick[] = [];
  const sub = { seen, error: undefined as unknown, completed: false, stop: () => {} };
  sub.stop = client.subscribe<{ ticks: Tick }>(
    { query: TICKS, variables: { i } },
    {
      next: (result) => void (result.data && seen.push(result.data.ticks)),
      error: (error) => void (sub.error = error),
      complete: () => void (sub.completed = true),
    },
  );
  return sub;
}

describe('graphql-ws with the session', () => {
  it('100 subscriptions opened with an expired token: 1 refresh, 1 connection with the new token, 100 answered', async () => {
    const { auth, session, expire } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createSessionWsClient(session, { url: graphql.wsUrl, webSocketImpl: WebSocket });
    expire();
    const subs = range(100).map((i) => subscribe(client, i));
    await expect.poll(() => graphql.stats.active, PATIENCE).toBe(100);
    graphql.publish(1);
    await expect.poll(() => subs.filter((s) => s.seen.length === 1).length, PATIENCE).toBe(100);
    expect(subs.map((s) => s.seen[0])).toEqual(range(100).map((i) => ({ i, n: 1, user: 'ann' })));
    expect(auth.counters).toMatchObject({ refreshCalls: 1, apiExpired: 0, apiOk: 1 });
    expect(graphql.stats.inits).toEqual([`Bearer ${session.getSnapshot().accessToken}`]);
    expect(graphql.stats.wsSockets).toBe(1);
    console.info(`[graphql-ws storm] refreshes ${auth.counters.refreshCalls}, expired-token connections ${auth.counters.apiExpired}, subscriptions answered ${subs.filter((s) => s.seen.length === 1).length} over ${graphql.stats.wsSockets} socket`);
    for (const s of subs) s.stop();
    await client.dispose();
  });

  it('a refresh re-authenticates by reconnecting once for all subscriptions, which go on receiving', async () => {
    const { auth, session } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createSessionWsClient(session, { url: graphql.wsUrl, webSocketImpl: WebSocket });
    const subs = range(3).map((i) => subscribe(client, i));
    await expect.poll(() => graphql.stats.active, PATIENCE).toBe(3);
    graphql.publish(1);
    await expect.poll(() => subs.every((s) => s.seen.length === 1), PATIENCE).toBe(true);
    const before = session.getSnapshot().accessToken;

    const after = await session.refresh();
    // one new socket, authenticated with the new token, carrying the same three subscriptions
    await expect.poll(() => graphql.stats.subscribes, PATIENCE).toBe(6);
    await expect.poll(() => graphql.stats.active, PATIENCE).toBe(3);
    expect(graphql.stats.inits).toEqual([`Bearer ${before}`, `Bearer ${after}`]);
    expect(graphql.stats.wsSockets).toBe(2);
    expect(graphql.openSockets()).toBe(1);

    graphql.publish(2);
    await expect.poll(() => subs.every((s) => s.seen.length === 2), PATIENCE).toBe(true);
    expect(subs.map((s) => [s.seen.map((t) => t.n), s.error, s.completed])).toEqual(range(3).map(() => [[1, 2], undefined, false]));
    for (const s of subs) s.stop();
    await client.dispose();
  });

  it('after logout no socket stays open and every subscription ends with the SessionError (logged-out)', async () => {
    const { auth, session } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createSessionWsClient(session, { url: graphql.wsUrl, webSocketImpl: WebSocket });
    const subs = range(3).map((i) => subscribe(client, i));
    await expect.poll(() => graphql.stats.active, PATIENCE).toBe(3);

    session.logout();
    await expect.poll(() => subs.every((s) => s.error !== undefined), PATIENCE).toBe(true);
    expect(subs.map((s) => isSessionError(s.error) && s.error.kind)).toEqual(['logged-out', 'logged-out', 'logged-out']);
    await expect.poll(() => graphql.openSockets(), PATIENCE).toBe(0);
    expect(graphql.stats.active).toBe(0);
    // the one connection_init ever sent is the one from before the logout
    expect(graphql.stats.inits).toHaveLength(1);
    expect(auth.counters.refreshCalls).toBe(0);
    await client.dispose();
  });

  it('a refused refresh: every subscription errors with the SessionError (rejected), no token is sent, no retry loop', async () => {
    const { auth, session, revokeAndExpire } = await loggedIn();
    const graphql = await graphqlServer(auth);
    const client = createSessionWsClient(session, { url: graphql.wsUrl, webSocketImpl: WebSocket });
    revokeAndExpire();
    const subs = range(5).map((i) => subscribe(client, i));
    await expect.poll(() => subs.every((s) => s.error !== undefined), PATIENCE).toBe(true);
    expect(subs.map((s) => isSessionError(s.error) && s.error.kind)).toEqual(Array(5).fill('rejected'));
    expect(auth.counters.refreshCalls).toBe(1);
    expect(graphql.stats.inits).toEqual([]);
    await expect.poll(() => graphql.openSockets(), PATIENCE).toBe(0);
    expect(graphql.stats.wsSockets).toBe(1);
    await client.dispose();
  });
});
