import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenFamilies, memoryFamilyStore, redisFamilyStore, type FamilyStore, type TokenFamilies } from '../../src/server.js';
import { clientOf, type ClientKind } from './helpers/clients.js';
import { startRedis, type RedisServer } from './helpers/redisServer.js';

// Random interleavings of issue / rotate (fresh, spent, replayed, forged) / revoke / time passing,
// run on the memory store and on Redis with the same clock: the outcomes must be the same, and
// the memory run must keep the rules (a replay answers the family's current token, rotations of a
// family are numbered 1, 2, 3… with no gap or repeat, a reused family stays dead).

type Command =
  | { op: 'issue'; subject: number }
  | { op: 'rotate'; token: number }
  /** The family's current token (back 0), or one it spent (back 1, 2: a replay or a reuse). */
  | { op: 'present'; family: number; back: number }
  | { op: 'forge'; family: number }
  | { op: 'revokeToken'; token: number }
  | { op: 'revokeFamily'; family: number }
  | { op: 'revokeSubject'; subject: number }
  | { op: 'advance'; ms: number }
  | { op: 'accessTtl'; family: number; seconds: number }
  | { op: 'status'; family: number };

const index = fc.nat(40);
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('issue' as const), subject: fc.nat(2) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('rotate' as const), token: index }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('present' as const), family: index, back: fc.constantFrom(0, 0, 0, 0, 1, 1, 2) }), weight: 30 },
  { arbitrary: fc.record({ op: fc.constant('forge' as const), family: index }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('revokeToken' as const), token: index }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('revokeFamily' as const), family: index }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('revokeSubject' as const), subject: fc.nat(2) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(1, 400, 400, 5_000, 5_000, 10_000, 10_001, 28_999, 29_000, 60_000, 60_001, 89_999, 90_000) }), weight: 12 },
  { arbitrary: fc.record({ op: fc.constant('accessTtl' as const), family: index, seconds: fc.constantFrom(1, 60, 60) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('status' as const), family: index }), weight: 1 },
);

const POLICY = { grace: 10_000, refreshTtl: 120_000, idleTtl: 90_000, maxSessionAge: 250_000, maxRotationsPerMinute: 3 };

/** Runs `commands` on one store; tokens and families are named by the order they appeared. */
async function play(store: FamilyStore, commands: Command[]) {
  let t = 1_700_000_000_000;
  const start = t;
  const f: TokenFamilies = createTokenFamilies({ store, now: () => t, ...POLICY });
  const tokens: string[] = [];
  const families: string[] = [];
  const familyOfToken: number[] = [];
  const chains: string[][] = []; // per family, its tokens as they appeared
  const outcomes: unknown[] = [];
  const name = (token: string, family: number) => {
    let at = tokens.indexOf(token);
    if (at < 0) {
      at = tokens.push(token) - 1;
      familyOfToken[at] = family;
      (chains[family] ??= []).push(token);
    }
    return at;
  };
  for (const c of commands) {
    const pick = <T>(list: T[], i: number) => list[i % list.length] as T;
    switch (c.op) {
      case 'issue': {
        const issued = await f.issue(`user${c.subject}`, { n: c.subject });
        families.push(issued.familyId);
        outcomes.push({ issued: name(issued.refreshToken, families.length - 1), expires: issued.refreshExpiresAt - t });
        break;
      }
      case 'rotate':
      case 'present': {
        if (tokens.length === 0) break;
        const chain = c.op === 'present' ? pick(chains, c.family) : [];
        const token = c.op === 'present' ? (chain[Math.max(0, chain.length - 1 - c.back)] as string) : pick(tokens, c.token);
        const family = familyOfToken[tokens.indexOf(token)] as number;
        const r = await f.rotate(token);
        outcomes.push(
          r.ok
            ? { presented: tokens.indexOf(token), got: name(r.refreshToken, family), seq: r.seq, replayed: r.replayed, expires: r.refreshExpiresAt - t, login: r.loginAt - start, extra: r.extra }
            : { presented: tokens.indexOf(token), refused: r.reason, retryAfter: r.retryAfter },
        );
        break;
      }
      case 'forge':
        if (families.length > 0) outcomes.push({ forged: await f.rotate(`${pick(families, c.family)}.${'A'.repeat(43)}`) });
        break;
      case 'revokeToken':
        if (tokens.length > 0) await f.revoke(pick(tokens, c.token));
        break;
      case 'revokeFamily':
        if (families.length > 0) await f.revoke({ familyId: pick(families, c.family) });
        break;
      case 'revokeSubject':
        await f.revoke({ subject: `user${c.subject}` });
        break;
      case 'advance':
        t += c.ms;
        break;
      case 'accessTtl':
        if (families.length > 0) await f.recordAccessTtl(pick(families, c.family), c.seconds);
        break;
      case 'status':
        if (families.length > 0) outcomes.push({ status: await f.status(pick(families, c.family)) });
        break;
    }
  }
  return { outcomes, tokens, familyOfToken };
}

/** The rules, checked on one run's outcomes. */
function checkRules(outcomes: unknown[], familyOfToken: number[]) {
  const latest = new Map<number, number>(); // family → its newest token
  const seq = new Map<number, number>();
  const dead = new Set<number>();
  for (const o of outcomes as Array<Record<string, unknown>>) {
    if (typeof o.issued === 'number') latest.set(familyOfToken[o.issued] as number, o.issued);
    if (typeof o.presented !== 'number') continue;
    const family = familyOfToken[o.presented] as number;
    if (o.refused === 'reused') dead.add(family);
    if (typeof o.got !== 'number') continue;
    expect(dead.has(family), 'a reused family answered again').toBe(false);
    if (o.replayed) {
      expect(o.got, 'a replay answers the current token').toBe(latest.get(family));
      expect(o.seq).toBe(seq.get(family) ?? 0);
    } else {
      expect(o.seq, 'rotations are numbered without gap or repeat').toBe((seq.get(family) ?? 0) + 1);
      expect(o.presented, 'only the current token rotates').toBe(latest.get(family));
      seq.set(family, o.seq as number);
      latest.set(family, o.got);
    }
  }
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe.each(['ioredis', 'node-redis'] as ClientKind[])('memory and Redis (%s) agree', (kind) => {
  it('on random interleavings of issue, rotate, replay, forge, revoke, record and expire', async () => {
    const { client, close } = await clientOf(kind, redis);
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 80, size: 'max' }), async (commands) => {
          const memory = await play(memoryFamilyStore(), commands);
          const onRedis = await play(redisFamilyStore(client, { prefix: `p${kind}${++run}:` }), commands);
          expect(onRedis.outcomes).toEqual(memory.outcomes);
          checkRules(memory.outcomes, memory.familyOfToken);
        }),
        { numRuns: 150 },
      );
    } finally {
      await close();
    }
  }, 120_000);
});
