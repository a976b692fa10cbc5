import { hashToken } from '../tokenText.js';
import type { FamilyPolicy, FamilyStore, RotateResult } from '../storeTypes.js';
import { script, senderOf, type RedisLike } from './client.js';
import { ABANDON, CREATE, INDEX, REVOKE, ROTATE, SET_ACCESS_TTL } from './scripts.js';

/**
 * Options of {@link redisFamilyStore}.
 *
 * @example
 * redisFamilyStore(redis, { prefix: 'myapp:families:' })
 */
export interface RedisFamilyStoreOptions {
  /** Prefix of every key (default `silent-session:`). No braces: `{familyId}` is the hash tag. */
  prefix?: string;
}

/** A spent token's sealed successor is kept this long past the grace window, then Redis drops it. */
const RECENT_MARGIN = 60_000;

const REASONS = new Set(['reused', 'expired', 'revoked', 'unknown', 'rate-limited']);

function parseRotate(reply: unknown): RotateResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw new Error('the rotate script answered something unexpected');
  const [kind, ...rest] = reply as [string, ...unknown[]];
  if (kind === 'void') return { kind: 'void' };
  if (kind === 'refused') {
    const reason = String(rest[0]);
    if (!REASONS.has(reason)) throw new Error(`the rotate script refused for an unknown reason: ${reason.slice(0, 40)}`);
    const refused: RotateResult = { kind: 'refused', reason: reason as 'unknown' };
    if (rest[1] !== undefined && rest[1] !== null) refused.retryAfter = Number(rest[1]);
    return refused;
  }
  if (kind !== 'rotated' && kind !== 'replayed') throw new Error(`the rotate script answered ${kind.slice(0, 40)}`);
  const [seq, subject, extra, loginAt, expiresAt, accessTtl, currentHash, ...chain] = rest;
  return {
    kind,
    seq: Number(seq),
    subject: String(subject),
    extra: String(extra),
    loginAt: Number(loginAt),
    expiresAt: Number(expiresAt),
    accessTtl: Number(accessTtl),
    currentHash: String(currentHash),
    chain: chain.map(String),
  };
}

/**
 * Families in Redis, shared by every app server that uses the same Redis: each rotation is one
 * Lua script (a strictly ordered compare-and-swap on the family plus its grace entry), so two
 * servers presenting the same token at the same instant cannot both spend it. Works with an
 * ioredis client or a connected node-redis client. Every key has a TTL; for sessions that must
 * survive a Redis restart, run Redis with AOF (`appendonly yes`).
 *
 * @example
 * import { Redis } from 'ioredis';
 * const families = createTokenFamilies({ store: redisFamilyStore(new Redis(process.env.REDIS_URL)) });
 */
export function redisFamilyStore(client: RedisLike, options: RedisFamilyStoreOptions = {}): FamilyStore {
  const prefix = options.prefix ?? 'silent-session:';
  if (/[{}]/.test(prefix)) throw new TypeError('redisFamilyStore: the prefix may not contain { or } (the family id is the hash tag)');
  const send = senderOf(client);
  const run = {
    rotate: script(send, ROTATE),
    abandon: script(send, ABANDON),
    revoke: script(send, REVOKE),
    create: script(send, CREATE),
    setAccessTtl: script(send, SET_ACCESS_TTL),
    index: script(send, INDEX),
  };
  const keysOf = (familyId: string) => {
    const base = `${prefix}{${familyId}}`;
    return [`${base}:f`, `${base}:r`, `${base}:s`, `${base}:z`, `${base}:q`];
  };
  const subjectKey = async (subject: string) => `${prefix}subject:${await hashToken(subject)}`;
  const familyKey = (familyId: string) => keysOf(familyId)[0] as string;
  const recentTtl = (policy: FamilyPolicy) => String(policy.grace + RECENT_MARGIN);
  const ms = (n: number) => String(Math.max(1_000, Math.ceil(n)));

  return {
    async create(family) {
      // the index first: a family must never exist that "sign out everywhere" cannot find
      const ttl = ms(family.expiresAt + family.retain - family.now);
      await run.index([await subjectKey(family.subject)], [family.familyId, ttl]);
      const { subject, extra, loginAt, endsAt, tokenHash, expiresAt, now, retain } = family;
      await run.create([familyKey(family.familyId)], [subject, extra, String(loginAt), String(endsAt), tokenHash, String(expiresAt), String(now), String(retain)]);
    },

    async rotate(step) {
      const { policy } = step;
      const args = [step.tokenHash, step.childHash, step.sealed, String(step.now), String(policy.grace), String(policy.refreshTtl), String(policy.idleTtl), String(policy.maxPerMinute), String(policy.retain), recentTtl(policy)];
      const result = parseRotate(await run.rotate(keysOf(step.familyId), args));
      if (result.kind === 'rotated') {
        // the family lives longer now: so must the subject's index (not awaited: off the answer's path)
        const ttl = ms(result.expiresAt + policy.retain - step.now);
        subjectKey(result.subject)
          .then((key) => run.index([key], [step.familyId, ttl]))
          .catch(() => {});
      }
      return result;
    },

    async abandon(step) {
      await run.abandon(keysOf(step.familyId), [step.tokenHash, step.childHash, String(step.now), String(step.policy.retain), recentTtl(step.policy)]);
    },

    async revoke(step) {
      const [f, , s] = keysOf(step.familyId);
      const reply = await run.revoke([f as string, s as string], [step.tokenHash ?? '', String(step.now), String(step.retain)]);
      return Number(reply) === 1;
    },

    async familiesOf(subject) {
      const key = await subjectKey(subject);
      const ids = (await send(['SMEMBERS', key])) as string[];
      const alive: string[] = [];
      for (const id of ids) {
        if (Number(await send(['EXISTS', familyKey(id)])) === 1) alive.push(id);
        else await send(['SREM', key, id]);
      }
      return alive;
    },

    async status(familyId, now, retain) {
      const [revoked, expiresAt] = (await send(['HMGET', familyKey(familyId), 'rev', 'cexp'])) as Array<string | null>;
      if (revoked === null || revoked === undefined || expiresAt === null || expiresAt === undefined) return 'unknown';
      if (now >= Number(expiresAt) + retain) return 'unknown';
      if (revoked === '1') return 'revoked';
      return now >= Number(expiresAt) ? 'expired' : 'active';
    },

    async setAccessTtl(familyId, ttl, now, retain) {
      await run.setAccessTtl([familyKey(familyId)], [String(ttl), String(now), String(retain)]);
    },
  };
}
