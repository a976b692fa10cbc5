// The contract between `createTokenFamilies` and a store. The families do the cryptography
// (tokens, hashes, sealing) and the timeouts; a store keeps the state and decides each step
// atomically. Only hashes of tokens ever reach a store.

/**
 * The rules of one step, passed with every call (durations in ms; 0 means "none").
 *
 * @example
 * const policy: FamilyPolicy = { grace: 10_000, refreshTtl: 86_400_000, idleTtl: 0, maxPerMinute: 0, retain: 3_600_000 };
 */
export interface FamilyPolicy {
  grace: number;
  refreshTtl: number;
  idleTtl: number;
  maxPerMinute: number;
  /** How long a family is remembered (answering `expired` / `revoked`) after its last token expired. */
  retain: number;
}

/**
 * A family as `issue()` starts it.
 *
 * @example
 * await store.create({ familyId, subject: 'u1', extra: '{}', loginAt: now, tokenHash, expiresAt, endsAt: 0, now, retain: 3_600_000 });
 */
export interface NewFamily {
  familyId: string;
  subject: string;
  /** `extra` as JSON. */
  extra: string;
  loginAt: number;
  tokenHash: string;
  /** When the first token expires (epoch ms). */
  expiresAt: number;
  /** When the family ends whatever happens (loginAt + maxSessionAge), 0 for never. */
  endsAt: number;
  now: number;
  retain: number;
}

/**
 * One presentation of a refresh token: spend `tokenHash` for `childHash` if it is current.
 * `sealed` is the child's secret encrypted under the presented token, for replays.
 *
 * @example
 * const result = await store.rotate({ familyId, tokenHash, childHash, sealed, now: Date.now(), policy });
 */
export interface RotateStep {
  familyId: string;
  tokenHash: string;
  childHash: string;
  sealed: string;
  now: number;
  policy: FamilyPolicy;
}

/**
 * What a store answers to a rotation. `replayed` carries the sealed secrets from the presented
 * token to the current one (`chain`, in order) and the current token's hash to check the end.
 * `void`: the step cannot be decided now (its attempt was abandoned, or it arrived so late that
 * what it needs is gone); nothing was written and the caller may try again.
 *
 * @example
 * if (result.kind === 'refused') metrics.count(`refresh-refused-${result.reason}`);
 */
export type RotateResult =
  | {
      kind: 'rotated' | 'replayed';
      seq: number;
      subject: string;
      extra: string;
      loginAt: number;
      expiresAt: number;
      /** Access-token lifetime in ms as last recorded, 0 when unknown. */
      accessTtl: number;
      chain: string[];
      currentHash: string;
    }
  | { kind: 'refused'; reason: 'reused' | 'expired' | 'revoked' | 'unknown' | 'rate-limited'; retryAfter?: number }
  | { kind: 'void' };

/**
 * Undo of a rotation whose caller gave up (the store call timed out): if the child is still
 * current and nobody was handed it, the parent becomes current again; if the rotation has not
 * happened yet, it never will.
 *
 * @example
 * await store.abandon({ familyId, tokenHash, childHash, now, policy });
 */
export interface AbandonStep {
  familyId: string;
  tokenHash: string;
  childHash: string;
  now: number;
  policy: FamilyPolicy;
}

/**
 * Ends a family: `tokenHash` given, only if that token belongs to it (current, or spent and not
 * yet expired); null, unconditionally.
 *
 * @example
 * await store.revoke({ familyId, tokenHash: null, now: Date.now(), retain: 3_600_000 });
 */
export interface RevokeStep {
  familyId: string;
  tokenHash: string | null;
  now: number;
  retain: number;
}

/**
 * Where families live. `memoryFamilyStore()` and `redisFamilyStore()` implement it; another
 * database can too, as long as `rotate`, `abandon` and `revoke` are each one atomic step.
 *
 * @example
 * const families = createTokenFamilies({ store: memoryFamilyStore() });
 */
export interface FamilyStore {
  create(family: NewFamily): Promise<void>;
  rotate(step: RotateStep): Promise<RotateResult>;
  abandon(step: AbandonStep): Promise<void>;
  /** Resolves true when this call ended the family. */
  revoke(step: RevokeStep): Promise<boolean>;
  /** Ids of the subject's families that may still be alive. */
  familiesOf(subject: string, now: number): Promise<string[]>;
  status(familyId: string, now: number, retain: number): Promise<'active' | 'revoked' | 'expired' | 'unknown'>;
  /** Records the family's access-token lifetime in ms (no-op for a family that is gone). */
  setAccessTtl(familyId: string, ms: number, now: number, retain: number): Promise<void>;
}
