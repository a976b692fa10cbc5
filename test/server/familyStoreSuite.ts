import { describe, expect, it } from 'vitest';
import { createTokenFamilies, isFamilyStoreError, type FamilyEvent, type FamilyStore, type RotationOk, type TokenFamiliesOptions } from '../../src/server.js';
import { slowStore } from './helpers/clients.js';

/** What a store under test offers besides itself: a way to look at what it keeps (Redis). */
export interface StoreUnderTest {
  store: FamilyStore;
  /** Every stored key with its TTL and content (absent for the memory store). */
  dump?: () => Promise<Array<{ key: string; pttl: number; text: string }>>;
}

const SEC = 1_000;
const MIN = 60_000;
const DAY = 86_400_000;
export const SHAPE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

export function ok(rotation: Awaited<ReturnType<ReturnType<typeof createTokenFamilies>['rotate']>>): RotationOk {
  if (!rotation.ok) throw new Error(`expected a rotation, got ${rotation.reason}`);
  return rotation;
}

/**
 * The contract every FamilyStore keeps, run against the memory store and against Redis through
 * both clients (stores.test.ts). Time is an injected clock.
 */
export function familyStoreContract(name: string, setup: () => Promise<StoreUnderTest>) {
  describe(`${name}: the family store contract`, () => {
    async function families(options: TokenFamiliesOptions = {}) {
      const under = await setup();
      let t = 1_700_000_000_000;
      const events: FamilyEvent[] = [];
      const f = createTokenFamilies({ store: under.store, now: () => t, onEvent: (e) => events.push(e), ...options });
      return { f, under, events, advance: (ms: number) => (t += ms), now: () => t };
    }

    it('issues an opaque URL-safe token and rotates it into a child of the same family, handing back subject, extra and loginAt', async () => {
      const { f, now, advance } = await families({ refreshTtl: DAY });
      const issued = await f.issue('alice', { role: 'admin', tenant: 7 });
      expect(issued.refreshToken).toMatch(SHAPE);
      expect(issued).toMatchObject({ subject: 'alice', loginAt: now(), refreshExpiresAt: now() + DAY });
      const login = now();
      advance(5 * SEC);
      const child = ok(await f.rotate(issued.refreshToken));
      expect(child.refreshToken).toMatch(SHAPE);
      expect(child.refreshToken).not.toBe(issued.refreshToken);
      expect(child).toMatchObject({ subject: 'alice', familyId: issued.familyId, loginAt: login, extra: { role: 'admin', tenant: 7 }, seq: 1, replayed: false, refreshExpiresAt: now() + DAY });
    });

    it('answers the parent presented again within the grace window with the same child, then with the grandchild once the child rotated — never a new branch', async () => {
      const { f, advance } = await families({ grace: 10 * SEC });
      const { refreshToken: parent } = await f.issue('alice');
      const child = ok(await f.rotate(parent));
      advance(3 * SEC);
      const again = ok(await f.rotate(parent));
      expect(again).toMatchObject({ refreshToken: child.refreshToken, replayed: true, seq: 1 });
      const grandchild = ok(await f.rotate(child.refreshToken));
      advance(3 * SEC);
      expect(ok(await f.rotate(parent))).toMatchObject({ refreshToken: grandchild.refreshToken, replayed: true, seq: 2 });
      expect(ok(await f.rotate(child.refreshToken))).toMatchObject({ refreshToken: grandchild.refreshToken, replayed: true, seq: 2 });
      // the current token still rotates normally: nothing was spent by the replays
      expect(ok(await f.rotate(grandchild.refreshToken))).toMatchObject({ seq: 3, replayed: false });
    });

    it('takes a spent token presented after the grace window as reuse: the whole family is revoked', async () => {
      const { f, advance, events } = await families({ grace: 10 * SEC });
      const issued = await f.issue('alice');
      const child = ok(await f.rotate(issued.refreshToken));
      advance(10 * SEC); // exactly the window: still a replay
      expect(ok(await f.rotate(issued.refreshToken)).replayed).toBe(true);
      advance(1);
      expect(await f.rotate(issued.refreshToken)).toEqual({ ok: false, reason: 'reused' });
      expect(await f.rotate(child.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
      expect(await f.status(issued.familyId)).toBe('revoked');
      expect(events.filter((e) => e.type === 'refused').map((e) => e.type === 'refused' && e.reason)).toEqual(['reused', 'revoked']);
    });

    it('replays a token spent just before it expired, within the grace window', async () => {
      const { f, advance } = await families({ refreshTtl: 30 * SEC, grace: 10 * SEC });
      const issued = await f.issue('alice');
      advance(29 * SEC);
      const child = ok(await f.rotate(issued.refreshToken));
      advance(5 * SEC); // the parent's own lifetime is over, its grace window is not
      expect(ok(await f.rotate(issued.refreshToken)).refreshToken).toBe(child.refreshToken);
      const grandchild = ok(await f.rotate(child.refreshToken)); // a rotation prunes what has expired…
      advance(SEC);
      expect(ok(await f.rotate(issued.refreshToken)).refreshToken).toBe(grandchild.refreshToken); // …but not what the window still needs
    });

    it('does not know a well-formed token it never issued, even one with a live family id, and writes nothing for it', async () => {
      const { f } = await families();
      const issued = await f.issue('alice');
      const forged = `${issued.familyId}.${'A'.repeat(43)}`;
      expect(await f.rotate(forged)).toEqual({ ok: false, reason: 'unknown' });
      expect(await f.rotate(`${'B'.repeat(22)}.${'C'.repeat(43)}`)).toEqual({ ok: false, reason: 'unknown' });
      for (const wrong of ['', 'x', `${issued.refreshToken}x`, issued.refreshToken.replace('.', '_'), 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln']) {
        expect(await f.rotate(wrong)).toEqual({ ok: false, reason: 'unknown' });
      }
      await f.revoke(forged);
      expect(await f.status(issued.familyId)).toBe('active');
      expect(ok(await f.rotate(issued.refreshToken)).seq).toBe(1);
    });

    it('expires each token refreshTtl after its issue, and a family idleTtl after its last rotation', async () => {
      const { f, advance } = await families({ refreshTtl: 10 * MIN, idleTtl: 2 * MIN });
      const a = await f.issue('alice');
      expect(a.refreshExpiresAt - a.loginAt).toBe(2 * MIN); // the idle limit comes first
      advance(MIN + 59 * SEC);
      const b = ok(await f.rotate(a.refreshToken));
      advance(2 * MIN);
      expect(await f.rotate(b.refreshToken)).toEqual({ ok: false, reason: 'expired' });
      expect(await f.status(a.familyId)).toBe('expired');
      const { f: g, advance: later } = await families({ refreshTtl: 10 * MIN });
      const c = await g.issue('bob');
      later(10 * MIN - 1);
      const d = ok(await g.rotate(c.refreshToken));
      later(10 * MIN);
      expect(await g.rotate(d.refreshToken)).toEqual({ ok: false, reason: 'expired' });
    });

    it('ends a family maxSessionAge after its login however often it rotates, and says so in refreshExpiresAt', async () => {
      const { f, advance } = await families({ refreshTtl: DAY, maxSessionAge: 8 * 3_600_000 });
      const issued = await f.issue('alice');
      expect(issued.refreshExpiresAt).toBe(issued.loginAt + 8 * 3_600_000);
      let token = issued.refreshToken;
      for (let hour = 1; hour < 8; hour++) {
        advance(3_600_000);
        const next = ok(await f.rotate(token));
        expect(next.refreshExpiresAt).toBe(issued.loginAt + 8 * 3_600_000);
        token = next.refreshToken;
      }
      advance(3_600_000);
      expect(await f.rotate(token)).toEqual({ ok: false, reason: 'expired' });
    });

    it('revokes by token (current or spent), by family and by subject; unknown tokens and garbage are no error', async () => {
      const { f, events } = await families();
      const a = await f.issue('alice');
      const a2 = ok(await f.rotate(a.refreshToken));
      const b = await f.issue('alice');
      const c = await f.issue('carol');
      const d = await f.issue('dave');
      await f.revoke('not a token');
      await f.revoke(`${'B'.repeat(22)}.${'C'.repeat(43)}`);
      await f.revoke(a.refreshToken); // spent, still within its lifetime: it names the family
      expect(await f.rotate(a2.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
      await f.revoke({ familyId: c.familyId });
      expect(await f.rotate(c.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
      await f.revoke({ subject: 'alice' });
      expect(await f.rotate(b.refreshToken)).toEqual({ ok: false, reason: 'revoked' });
      await f.revoke(d.refreshToken);
      expect(await f.status(d.familyId)).toBe('revoked');
      const e = await f.issue('erin');
      expect(ok(await f.rotate(e.refreshToken)).seq).toBe(1); // others untouched
      expect(events.filter((x) => x.type === 'revoked').map((x) => x.type === 'revoked' && x.by)).toEqual(['token', 'family', 'subject', 'token']);
    });

    it('never caps the schedule of short-lived tokens, even refreshed early by a client that reads time in whole seconds', async () => {
      const { f, advance } = await families({ maxRotationsPerMinute: 5 });
      const issued = await f.issue('alice');
      await f.recordAccessTtl(issued.familyId, 1); // 1-second access tokens
      let token = issued.refreshToken;
      for (let i = 0; i < 120; i++) {
        // the client schedules at half the life, from a Date header (or iat) truncated to the
        // second: an opaque 1-s token may look up to a second older than it is
        advance(i % 2 === 0 ? 550 : 150);
        token = ok(await f.rotate(token)).refreshToken;
      }
      const other = await f.issue('bob');
      await f.recordAccessTtl(other.familyId, 60);
      token = other.refreshToken;
      for (let i = 0; i < 20; i++) {
        advance(29_000); // half of 60 s, less the second the client cannot see
        token = ok(await f.rotate(token)).refreshToken;
      }
    });

    it('limits refresh loops (rotations while the access token is younger than half its life) per family, without spending the token', async () => {
      const { f, advance } = await families({ maxRotationsPerMinute: 5 });
      const issued = await f.issue('alice');
      await f.recordAccessTtl(issued.familyId, 60);
      let token = issued.refreshToken;
      for (let i = 0; i < 5; i++) {
        advance(2 * SEC);
        token = ok(await f.rotate(token)).refreshToken;
      }
      advance(2 * SEC);
      const limited = await f.rotate(token);
      expect(limited).toEqual({ ok: false, reason: 'rate-limited', retryAfter: 50 });
      const other = await f.issue('bob');
      await f.recordAccessTtl(other.familyId, 60);
      expect(ok(await f.rotate(other.refreshToken)).seq).toBe(1); // per family
      advance(50 * SEC);
      expect(ok(await f.rotate(token)).replayed).toBe(false); // the same token, not spent by the refusal
    });

    it('counts nothing as a loop before the access-token lifetime is known', async () => {
      const { f, advance } = await families({ maxRotationsPerMinute: 2 });
      let token = (await f.issue('alice')).refreshToken;
      for (let i = 0; i < 10; i++) {
        advance(100);
        token = ok(await f.rotate(token)).refreshToken;
      }
    });

    it('undoes a rotation whose answer came after the timeout, so the retry of the same token rotates instead of looking like reuse', async () => {
      const under = await setup();
      const slow = slowStore(under.store);
      let t = 1_700_000_000_000;
      const f = createTokenFamilies({ store: slow.store, now: () => t, timeout: 50, grace: 10 * SEC });
      const issued = await f.issue('alice');
      slow.hold('answer'); // committed in the store, answer late
      const error = await f.rotate(issued.refreshToken).catch((e: unknown) => e);
      expect(isFamilyStoreError(error) && error.timedOut).toBe(true);
      await slow.release();
      t += 60 * SEC; // the client retries long after the grace window
      const retry = ok(await f.rotate(issued.refreshToken));
      expect(retry).toMatchObject({ seq: 1, replayed: false });
      expect(ok(await f.rotate(retry.refreshToken)).seq).toBe(2);
    });

    it('undoes a rotation that committed but whose reply was lost with the connection', async () => {
      const under = await setup();
      const slow = slowStore(under.store);
      let t = 1_700_000_000_000;
      const f = createTokenFamilies({ store: slow.store, now: () => t, grace: 10 * SEC });
      const issued = await f.issue('alice');
      slow.hold('lost');
      const error = await f.rotate(issued.refreshToken).catch((e: unknown) => e);
      expect(isFamilyStoreError(error) && !error.timedOut && error.message).toMatch(/failed on rotate: read ECONNRESET/);
      await slow.release();
      t += 60 * SEC; // the client's retry comes after a long backoff
      expect(ok(await f.rotate(issued.refreshToken))).toMatchObject({ seq: 1, replayed: false });
    });

    it('voids a rotation that reaches the store after its caller gave up', async () => {
      const under = await setup();
      const slow = slowStore(under.store);
      let t = 1_700_000_000_000;
      const f = createTokenFamilies({ store: slow.store, now: () => t, timeout: 50 });
      const issued = await f.issue('alice');
      slow.hold('call'); // not yet in the store when the timeout fires
      expect(isFamilyStoreError(await f.rotate(issued.refreshToken).catch((e: unknown) => e))).toBe(true);
      await slow.release(); // the late call lands now, after the abandon
      t += 60 * SEC;
      expect(ok(await f.rotate(issued.refreshToken))).toMatchObject({ seq: 1, replayed: false });
    });

    it('keeps a rotation whose child was already handed out by a replay, even if its first caller gave up', async () => {
      const { store } = await setup();
      const policy = { grace: 10 * SEC, refreshTtl: DAY, idleTtl: 0, maxPerMinute: 0, retain: 3_600_000 };
      const now = 1_700_000_000_000;
      await store.create({ familyId: 'F'.repeat(22), subject: 's', extra: '{}', loginAt: now, tokenHash: 'P', expiresAt: now + DAY, endsAt: 0, now, retain: policy.retain });
      const step = { familyId: 'F'.repeat(22), tokenHash: 'P', now, policy };
      expect(await store.rotate({ ...step, childHash: 'C', sealed: 'sc' })).toMatchObject({ kind: 'rotated', seq: 1, currentHash: 'C' });
      expect(await store.rotate({ ...step, childHash: 'D', sealed: 'sd', now: now + 1 })).toMatchObject({ kind: 'replayed', chain: ['sc'], currentHash: 'C' });
      await store.abandon({ ...step, childHash: 'C' });
      expect(await store.rotate({ ...step, tokenHash: 'C', childHash: 'E', sealed: 'se', now: now + 2 })).toMatchObject({ kind: 'rotated', seq: 2 });
      // a command that reaches the store late, stamped before the spend it meets, is a replay, not reuse
      expect(await store.rotate({ ...step, childHash: 'G', sealed: 'sg', now: now - 5 * SEC })).toMatchObject({ kind: 'replayed', chain: ['sc', 'se'], currentHash: 'E' });
    });
  });
}
