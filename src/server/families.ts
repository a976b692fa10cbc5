import { FamilyStoreError, within } from './errors.js';
import { expiryOf } from './familyState.js';
import { memoryFamilyStore } from './memoryStore.js';
import type { FamilyPolicy, RotateResult } from './storeTypes.js';
import { familyOf, hashToken, newFamilyId, newToken, seal, unseal } from './tokenText.js';
import type { FamilyEvent, IssuedRefresh, Rotation, TokenFamilies, TokenFamiliesOptions } from './types.js';

const DAY = 86_400_000;
/** How long a family is remembered after its last token expired (to answer `expired`/`revoked`). */
const RETAIN = 3_600_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`createTokenFamilies: ${name} must be a finite number of ms ≥ 0 (got ${value})`);
  return value;
}

/**
 * Refresh-token families: `issue` at login, `rotate` on every refresh, `revoke` at logout.
 * Each refresh token works once. Presented again within `grace` (a lost answer, two tabs, a
 * retried request) it gets the family's current token; presented again later it revokes the
 * whole family (a stolen token was used). Tokens are opaque; only their SHA-256 is stored.
 *
 * @example
 * const families = createTokenFamilies({ store: redisFamilyStore(redis), maxSessionAge: 30 * 86_400_000 });
 * const { refreshToken } = await families.issue(user.id, { role: user.role }); // at login
 * const rotation = await families.rotate(refreshToken);                        // at refresh
 */
export function createTokenFamilies(options: TokenFamiliesOptions = {}): TokenFamilies {
  const store = options.store ?? memoryFamilyStore();
  const now = options.now ?? (() => Date.now());
  const timeout = positive('timeout', options.timeout, 2_000);
  const maxSessionAge = positive('maxSessionAge', options.maxSessionAge, 0);
  const policy: FamilyPolicy = {
    grace: positive('grace', options.grace, 10_000),
    refreshTtl: positive('refreshTtl', options.refreshTtl, 14 * DAY) || 14 * DAY,
    idleTtl: positive('idleTtl', options.idleTtl, 0),
    maxPerMinute: positive('maxRotationsPerMinute', options.maxRotationsPerMinute, 0),
    retain: RETAIN,
  };
  const emit = (event: FamilyEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // an observer's failure is not the refresh's
    }
  };
  const call = <T>(operation: string, familyId: string, promise: Promise<T>): Promise<T> =>
    within(timeout, operation, promise).catch((error: unknown) => {
      emit({ type: 'unavailable', familyId, operation, at: now() });
      throw error;
    });

  async function currentOf(presented: string, result: Extract<RotateResult, { kind: 'rotated' | 'replayed' }>, child: string): Promise<string> {
    if (result.kind === 'rotated') return child;
    let token = presented;
    for (const sealed of result.chain) token = await unseal(token, sealed);
    if ((await hashToken(token)) !== result.currentHash) throw new FamilyStoreError('rotate', 'the grace chain in the store does not lead to the current token');
    return token;
  }

  return {
    async issue(subject, extra = {}) {
      if (typeof subject !== 'string' || subject === '') throw new TypeError('issue(subject): the subject must be a non-empty string');
      const at = now();
      const familyId = newFamilyId();
      const { token } = newToken(familyId);
      const endsAt = maxSessionAge > 0 ? at + maxSessionAge : 0;
      const expiresAt = expiryOf(at, policy.refreshTtl, policy.idleTtl, endsAt);
      const family = { familyId, subject, extra: JSON.stringify(extra), loginAt: at, tokenHash: await hashToken(token), expiresAt, endsAt, now: at, retain: RETAIN };
      await call('create', familyId, store.create(family));
      emit({ type: 'issued', familyId, at });
      const issued: IssuedRefresh = { refreshToken: token, familyId, subject, loginAt: at, refreshExpiresAt: expiresAt };
      return issued;
    },

    async rotate(token) {
      const familyId = familyOf(token);
      if (familyId === null) return { ok: false, reason: 'unknown' };
      const at = now();
      const { token: child, secret } = newToken(familyId);
      const [tokenHash, childHash, sealed] = await Promise.all([hashToken(token), hashToken(child), seal(token, secret)]);
      const step = { familyId, tokenHash, childHash, sealed, now: at, policy };
      let result: RotateResult;
      try {
        result = await call('rotate', familyId, store.rotate(step));
      } catch (error) {
        // The step may have committed (its reply lost with the connection) or still land later
        // (a queued command after a reconnect): undo it if so, so that a rotation whose answer
        // nobody got never makes the retry, however late, look like reuse.
        store.abandon({ familyId, tokenHash, childHash, now: at, policy }).catch(() => {});
        throw error;
      }
      if (result.kind === 'void') throw new FamilyStoreError('rotate', 'the family store could not decide this rotation now; try again');
      if (result.kind === 'refused') {
        emit({ type: 'refused', familyId, reason: result.reason, at });
        const refused: Rotation = { ok: false, reason: result.reason };
        if (result.retryAfter !== undefined) refused.retryAfter = Math.ceil(result.retryAfter / 1000);
        return refused;
      }
      const refreshToken = await currentOf(token, result, child);
      const replayed = result.kind === 'replayed';
      emit({ type: replayed ? 'replayed' : 'rotated', familyId, seq: result.seq, at });
      return {
        ok: true,
        refreshToken,
        subject: result.subject,
        familyId,
        loginAt: result.loginAt,
        refreshExpiresAt: result.expiresAt,
        extra: JSON.parse(result.extra) as Record<string, unknown>,
        seq: result.seq,
        replayed,
        accessTtl: result.accessTtl > 0 ? result.accessTtl / 1000 : null,
      };
    },

    async revoke(target) {
      const at = now();
      if (typeof target === 'string') {
        const familyId = familyOf(target);
        if (familyId === null) return; // RFC 7009: an unknown token is not an error
        const tokenHash = await hashToken(target);
        if (await call('revoke', familyId, store.revoke({ familyId, tokenHash, now: at, retain: RETAIN }))) emit({ type: 'revoked', familyId, by: 'token', at });
        return;
      }
      if ('familyId' in target) {
        if (await call('revoke', target.familyId, store.revoke({ familyId: target.familyId, tokenHash: null, now: at, retain: RETAIN }))) {
          emit({ type: 'revoked', familyId: target.familyId, by: 'family', at });
        }
        return;
      }
      const ids = await call('familiesOf', '', store.familiesOf(target.subject, at));
      await Promise.all(
        ids.map(async (familyId) => {
          if (await call('revoke', familyId, store.revoke({ familyId, tokenHash: null, now: at, retain: RETAIN }))) emit({ type: 'revoked', familyId, by: 'subject', at });
        }),
      );
    },

    status: (familyId) => call('status', familyId, store.status(familyId, now(), RETAIN)),

    async recordAccessTtl(familyId, seconds) {
      if (!Number.isFinite(seconds) || seconds <= 0) return;
      await call('setAccessTtl', familyId, store.setAccessTtl(familyId, Math.round(seconds * 1000), now(), RETAIN));
    },
  };
}
