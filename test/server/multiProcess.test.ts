import { afterEach, describe, expect, it } from 'vitest';
import { audit, roundRobin, startApps, type AppEvent } from './helpers/cluster.js';
import { startRedis } from './helpers/redisServer.js';
import { startUser, type User } from './helpers/tabs.js';

// Three app server processes share one Redis; 20 users (silent-session itself, two tabs each:
// half with a shared lock, half racing without one, all with BroadcastChannel sync) refresh
// 1-second access tokens through a loopback round-robin. How long: SERVER_RUN_SECONDS (default
// 60 s, as the issue asks: ~2 rotations a second per user, ~1,000 tab races per 30 s on this machine), the naive comparison 15 s.
const SECONDS = Number(process.env.SERVER_RUN_SECONDS ?? 60);
const NAIVE_SECONDS = Number(process.env.SERVER_NAIVE_SECONDS ?? 15);
const USERS = 20;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function run(store: 'atomic' | 'naive', seconds: number) {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const events: AppEvent[] = [];
  // two servers on ioredis, one on node-redis: both clients share the same families
  const cluster = await startApps(3, (i) => ({ REDIS_PORT: String(redis.port), STORE: store, CLIENT: i === 2 ? 'node-redis' : 'ioredis', MAX_ROTATIONS: '5', ACCESS_TTL: '1' }), events);
  cleanups.push(() => cluster.stop());
  const balanced = roundRobin(cluster.apps);
  const runId = `${store}-${Date.now()}`;
  const users: User[] = await Promise.all(Array.from({ length: USERS }, (_, id) => startUser({ id, run: runId, fetch: balanced, lock: id % 2 === 0 })));
  cleanups.push(async () => void (await Promise.all(users.map((u) => u.stop()))));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000)); // the load runs for this long
  await Promise.all(users.map((u) => u.quiet()));
  // the chain each user holds is alive: one more refresh of what its tabs stored works
  const lastRefresh = await Promise.allSettled(users.map((u) => u.sessions[0]?.refresh()));
  await Promise.all(users.map((u) => u.stop()));
  const loggedOut = users.filter((u) => u.loggedOut.length > 0 || u.statuses().includes('loggedOut')).length;
  const summary = {
    store,
    seconds,
    ...audit(events),
    loggedOutUsers: loggedOut,
    tokenRequestsServed: users.reduce((n, u) => n + u.served, 0),
    tokenRequestsFailed: users.reduce((n, u) => n + u.failures.length, 0),
    requestsPerServer: balanced.sent,
    lastRefreshFailed: lastRefresh.filter((r) => r.status === 'rejected').length,
  };
  console.log(JSON.stringify(summary));
  return { summary, users };
}

describe(`3 app server processes, one Redis, ${USERS} users × 2 tabs, 1-second access tokens`, () => {
  it(`with redisFamilyStore: no false reuse, no lost or double-spent rotation, every chain linear, nobody logged out (${SECONDS} s)`, async () => {
    const { summary, users } = await run('atomic', SECONDS);
    expect(summary.rotations).toBeGreaterThan(USERS * SECONDS); // refreshes really happened, about 2 a second per user
    expect(summary.replays).toBeGreaterThan(0); // tabs without a lock did race; the grace window settled it
    expect({
      falseReuse: summary.reused,
      lostRotations: summary.unknown,
      otherRefusals: summary.refusedOther, // expired, revoked, rate-limited: none for the schedule of 1-s tokens
      doubleSpent: summary.doubleSpent,
      nonLinearChains: summary.nonLinear,
      loggedOutUsers: summary.loggedOutUsers,
      deadChainsAtTheEnd: summary.lastRefreshFailed,
    }).toEqual({ falseReuse: 0, lostRotations: 0, otherRefusals: 0, doubleSpent: 0, nonLinearChains: 0, loggedOutUsers: 0, deadChainsAtTheEnd: 0 });
    expect(summary.families).toBe(USERS);
    expect(users.flatMap((u) => u.statuses()).filter((s) => s === 'loggedOut')).toEqual([]);
  }, (SECONDS + 60) * 1_000);

  it(`with a naive read-then-write store, the same run double-spends rotations and logs users out (${NAIVE_SECONDS} s)`, async () => {
    const { summary } = await run('naive', NAIVE_SECONDS);
    expect(summary.doubleSpent).toBeGreaterThan(0);
    expect(summary.reused + summary.unknown + summary.loggedOutUsers).toBeGreaterThan(0);
  }, (NAIVE_SECONDS + 60) * 1_000);
});
