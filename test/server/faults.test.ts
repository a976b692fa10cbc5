import { afterEach, describe, expect, it } from 'vitest';
import { createTokenFamilies, redisFamilyStore, type FamilyEvent } from '../../src/server.js';
import { appHandlers, serveApp } from './helpers/app.js';
import { clientOf, type ClientKind } from './helpers/clients.js';
import { audit, roundRobin, startApps, type AppEvent } from './helpers/cluster.js';
import { startRedis } from './helpers/redisServer.js';
import { startUser, type User } from './helpers/tabs.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Redis, three app server processes and `users` users with two tabs, running until the caller ends it. */
async function cluster(options: { users: number; aof?: boolean }) {
  const redis = await startRedis({ aof: options.aof ?? false });
  cleanups.push(() => redis.stop());
  const events: AppEvent[] = [];
  const apps = await startApps(3, (i) => ({ REDIS_PORT: String(redis.port), CLIENT: i === 2 ? 'node-redis' : 'ioredis', ACCESS_TTL: '1', STORE_TIMEOUT: '500' }), events);
  cleanups.push(() => apps.stop());
  const balanced = roundRobin(apps.apps, 2_000);
  const run = `faults-${Date.now()}`;
  const users: User[] = await Promise.all(Array.from({ length: options.users }, (_, id) => startUser({ id, run, fetch: balanced, lock: id % 2 === 0 })));
  cleanups.push(async () => void (await Promise.all(users.map((u) => u.stop()))));
  return {
    redis,
    apps,
    events,
    users,
    /** Stops the app's requests, checks that every user's chain still refreshes, and counts. */
    async finish() {
      await Promise.all(users.map((u) => u.quiet()));
      const last = await Promise.allSettled(users.map((u) => u.sessions[0]?.refresh()));
      return {
        ...audit(events),
        loggedOutUsers: users.filter((u) => u.loggedOut.length > 0 || u.statuses().includes('loggedOut')).length,
        deadChains: last.filter((r) => r.status === 'rejected').length,
      };
    },
  };
}

describe('faults with three app server processes on one Redis', () => {
  it('an app server killed with SIGKILL right after it committed a rotation: the retry reaches another server and gets the same child', async () => {
    const c = await cluster({ users: 8 });
    await sleep(2_000);
    const victim = c.apps.apps[1];
    await fetch(`${victim?.url}/admin/kill-after-commit`, { method: 'POST' });
    expect((await victim?.exited)?.signal).toBe('SIGKILL');
    const dying = c.events.find((e) => e.type === 'dying');
    await sleep(2_500);
    const result = await c.finish();
    console.log(JSON.stringify({ fault: 'SIGKILL', dying, ...result }));
    // the rotation the dead server committed was answered by another server, same seq: the same child
    expect(c.events.some((e) => e.type === 'replayed' && e.familyId === dying?.familyId && e.seq === dying?.seq && e.app !== 1)).toBe(true);
    expect({ reused: result.reused, unknown: result.unknown, doubleSpent: result.doubleSpent, nonLinear: result.nonLinear, loggedOut: result.loggedOutUsers, dead: result.deadChains }).toEqual({
      reused: 0,
      unknown: 0,
      doubleSpent: 0,
      nonLinear: 0,
      loggedOut: 0,
      dead: 0,
    });
  }, 60_000);

  it('Redis restarted mid-run (AOF on): refreshes answer 503 meanwhile, sessions stay signed in and recover, nothing half-written', async () => {
    const c = await cluster({ users: 8, aof: true });
    await sleep(2_000);
    await c.redis.kill('SIGKILL');
    await sleep(2_000); // the outage: 1-s access tokens expire, refreshes fail
    await c.redis.start();
    await sleep(3_000);
    const result = await c.finish();
    console.log(JSON.stringify({ fault: 'Redis restart', ...result }));
    expect(result.status503).toBeGreaterThan(0);
    expect({ reused: result.reused, unknown: result.unknown, doubleSpent: result.doubleSpent, nonLinear: result.nonLinear, loggedOut: result.loggedOutUsers, dead: result.deadChains }).toEqual({
      reused: 0,
      unknown: 0,
      doubleSpent: 0,
      nonLinear: 0,
      loggedOut: 0,
      dead: 0,
    });
  }, 60_000);
});

describe.each(['ioredis', 'node-redis'] as ClientKind[])('a Redis that hangs (SIGSTOP), through %s', (kind) => {
  it('answers 503 while Redis is frozen — never a hung request — and the same token works once it thaws', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { client, raw, close } = await clientOf(kind, redis);
    cleanups.push(close);
    const events: FamilyEvent[] = [];
    const families = createTokenFamilies({ store: redisFamilyStore(client), timeout: 300, onEvent: (e) => events.push(e) });
    const served = await serveApp('node:http', appHandlers({ families, onWarning: () => {} }));
    cleanups.push(served.close);
    const { refreshToken } = await families.issue('alice');
    const refresh = (token: string) =>
      fetch(`${served.url}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: token }) });

    redis.pause();
    // Redis is resumed only after these answers came: a hung request would hang this test
    const frozen = [await refresh(refreshToken), await refresh(refreshToken)];
    expect(frozen.map((r) => [r.status, r.headers.get('retry-after')])).toEqual([
      [503, '1'],
      [503, '1'],
    ]);
    redis.resume();
    await raw('PING'); // the commands queued while it was frozen have run (one connection, in order)

    const after = await refresh(refreshToken);
    expect(after.status).toBe(200);
    const next = (await after.json()) as { refreshToken: string };
    expect((await refresh(next.refreshToken)).status).toBe(200);
    expect(events.filter((e) => e.type === 'refused')).toEqual([]);
    expect(events.filter((e) => e.type === 'rotated').map((e) => e.type === 'rotated' && e.seq)).toEqual([1, 2]);
  }, 30_000);
});

it('a Redis restarted without persistence forgets every family: the next refresh is invalid_grant (run Redis with AOF)', async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const { client, close } = await clientOf('ioredis', redis);
  cleanups.push(close);
  const families = createTokenFamilies({ store: redisFamilyStore(client) });
  const { refreshToken } = await families.issue('alice');
  await redis.kill();
  await redis.start();
  const rotation = await families.rotate(refreshToken).catch(() => families.rotate(refreshToken)); // the first may meet the reconnect
  expect(rotation).toEqual({ ok: false, reason: 'unknown' });
});
