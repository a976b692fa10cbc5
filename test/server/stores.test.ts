import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenFamilies, memoryFamilyStore, redisFamilyStore } from '../../src/server.js';
import { familyStoreContract, ok } from './familyStoreSuite.js';
import { clientOf, dumpKeys, type ClientKind } from './helpers/clients.js';
import { startRedis, type RedisServer } from './helpers/redisServer.js';

let redis: RedisServer;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const close of closers) await close();
  await redis?.stop();
});

let n = 0;
async function onRedis(kind: ClientKind) {
  const { client, raw, close } = await clientOf(kind, redis);
  closers.push(close);
  const prefix = `t${++n}:`;
  return { store: redisFamilyStore(client, { prefix }), raw, prefix, dump: () => dumpKeys(raw, prefix) };
}

familyStoreContract('memoryFamilyStore', async () => ({ store: memoryFamilyStore() }));
familyStoreContract('redisFamilyStore (ioredis)', () => onRedis('ioredis'));
familyStoreContract('redisFamilyStore (node-redis)', () => onRedis('node-redis'));

describe.each(['ioredis', 'node-redis'] as const)('redisFamilyStore with %s', (kind) => {
  it('keeps only hashes: no token, and no token secret, anywhere in Redis', async () => {
    const { store, dump } = await onRedis(kind);
    const f = createTokenFamilies({ store });
    const issued = await f.issue('alice', { role: 'admin' });
    const tokens = [issued.refreshToken];
    for (let i = 0; i < 3; i++) tokens.push(ok(await f.rotate(tokens.at(-1) as string)).refreshToken);
    ok(await f.rotate(tokens[1] as string)); // a replay
    const text = (await dump()).map((k) => `${k.key} ${k.text}`).join('\n');
    expect(text).toContain(issued.familyId); // it is the right data
    for (const token of tokens) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[1]);
    }
  });

  it('gives every key a TTL, no longer than the refresh lifetime plus an hour', async () => {
    const { store, dump } = await onRedis(kind);
    const refreshTtl = 3_600_000;
    const f = createTokenFamilies({ store, refreshTtl, grace: 5_000 });
    const { refreshToken } = await f.issue('alice');
    ok(await f.rotate(ok(await f.rotate(refreshToken)).refreshToken));
    const keys = await dump();
    expect(keys.map((k) => k.key.split(':').at(-1)).sort()).toEqual(['f', 'q', 'r', 's', 'z', expect.stringMatching(/^[\w-]{43}$/)].sort());
    for (const { key, pttl } of keys) {
      expect(pttl, key).toBeGreaterThan(0);
      expect(pttl, key).toBeLessThanOrEqual(refreshTtl + 3_600_000);
    }
    for (const short of [':r', ':q']) expect(keys.find((k) => k.key.endsWith(short))?.pttl).toBeLessThanOrEqual(5_000 + 60_000); // sealed successors go soon
  });

  it('writes nothing for a family that is gone: recordAccessTtl, revoke and rotate of unknown ids create no key', async () => {
    const { store, dump } = await onRedis(kind);
    const f = createTokenFamilies({ store });
    const ghost = `${'G'.repeat(22)}.${'H'.repeat(43)}`;
    await f.recordAccessTtl('G'.repeat(22), 60);
    await f.revoke(ghost);
    await f.revoke({ familyId: 'G'.repeat(22) });
    await f.revoke({ subject: 'nobody' });
    expect(await f.rotate(ghost)).toEqual({ ok: false, reason: 'unknown' });
    expect(await dump()).toEqual([]);
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH, as after a restart)', async () => {
    const { store, raw } = await onRedis(kind);
    const f = createTokenFamilies({ store });
    const { refreshToken } = await f.issue('alice');
    await raw('SCRIPT', 'FLUSH');
    expect(ok(await f.rotate(refreshToken)).seq).toBe(1);
  });
});

it('refuses a key prefix with braces, which would put every family in one hash slot', async () => {
  const { client, close } = await clientOf('ioredis', redis);
  closers.push(close);
  expect(() => redisFamilyStore(client, { prefix: 'app:{sessions}:' })).toThrow(/may not contain \{ or \}/);
});

it('says which clients it takes when given something else', () => {
  expect(() => redisFamilyStore({} as never)).toThrow(/ioredis client .* node-redis client/);
});
