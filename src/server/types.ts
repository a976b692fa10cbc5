// The public types of `silent-session/server`: what the families answer, and the contract a store
// implements. Runtime code lives next door; this module has no imports at run time.
import type { FamilyStore } from './storeTypes.js';

/**
 * A refresh-token family at its start (a login): the first refresh token and what the family
 * remembers. `refreshExpiresAt` is when this token stops working unless it is rotated first.
 *
 * @example
 * const issued: IssuedRefresh = await families.issue('user-42', { role: 'admin' });
 * res.json({ refreshToken: issued.refreshToken, loginAt: issued.loginAt });
 */
export interface IssuedRefresh {
  /** Opaque, URL-safe, single use. Only its SHA-256 hash is stored. */
  refreshToken: string;
  familyId: string;
  subject: string;
  /** Epoch ms of the login that started the family. */
  loginAt: number;
  /** Epoch ms after which this token is refused (refreshTtl, idleTtl and maxSessionAge applied). */
  refreshExpiresAt: number;
}

/**
 * A rotation that worked: the family's current refresh token and what the access token needs.
 * `replayed` is true when the presented token had already been spent within the grace window:
 * the answer is then the family's current token (never a spent one, never a new branch).
 *
 * @example
 * const rotation = await families.rotate(token);
 * if (rotation.ok) audit.record(rotation.familyId, rotation.replayed ? 'replayed' : 'rotated');
 */
export interface RotationOk {
  ok: true;
  refreshToken: string;
  subject: string;
  familyId: string;
  /** Epoch ms of the login that started the family (the client's `maxSessionAge` counts from it). */
  loginAt: number;
  /** Epoch ms after which `refreshToken` is refused unless rotated first. */
  refreshExpiresAt: number;
  /** What `issue(subject, extra)` stored with the family. */
  extra: Record<string, unknown>;
  /** How many rotations the family has had (1 after the first). */
  seq: number;
  replayed: boolean;
  /** Seconds the family's access tokens live, as last recorded by `recordAccessTtl` (null: never). */
  accessTtl: number | null;
}

/**
 * Why a presented refresh token was refused.
 *
 * @example
 * const reason: RefusalReason = 'reused'; // a spent token came back after the grace window
 */
export type RefusalReason = 'reused' | 'expired' | 'revoked' | 'unknown' | 'rate-limited';

/**
 * A rotation that was refused. `retryAfter` (seconds) comes with `rate-limited`.
 *
 * @example
 * const rotation = await families.rotate(token);
 * if (!rotation.ok && rotation.reason === 'reused') alert('this login was used elsewhere');
 */
export interface RotationRefused {
  ok: false;
  reason: RefusalReason;
  retryAfter?: number;
}

/**
 * What `rotate(token)` resolves to.
 *
 * @example
 * const rotation: Rotation = await families.rotate(token);
 */
export type Rotation = RotationOk | RotationRefused;

/**
 * What `revoke()` ends: the family of a refresh token (RFC 7009: an unknown token is not an
 * error), one family by id, or every family of a subject ("sign out everywhere").
 *
 * @example
 * await families.revoke({ subject: 'user-42' });
 */
export type RevokeTarget = string | { familyId: string } | { subject: string };

/**
 * Where a family stands: `unknown` once it is forgotten (an hour after its last token expired).
 *
 * @example
 * if ((await families.status(claims.sid)) !== 'active') return new Response(null, { status: 401 });
 */
export type FamilyStatus = 'active' | 'revoked' | 'expired' | 'unknown';

/**
 * What happened to a family, for logs and metrics. Never holds a token or a token's hash.
 *
 * @example
 * createTokenFamilies({ onEvent: (e) => audit.record(e.type, e.familyId) })
 */
export type FamilyEvent =
  | { type: 'issued'; familyId: string; at: number }
  | { type: 'rotated'; familyId: string; seq: number; at: number }
  | { type: 'replayed'; familyId: string; seq: number; at: number }
  | { type: 'refused'; familyId: string; reason: RefusalReason; at: number }
  | { type: 'revoked'; familyId: string; by: 'token' | 'family' | 'subject'; at: number }
  /** A store call outlived `timeout`: its rotation, if it lands later, is undone. */
  | { type: 'unavailable'; familyId: string; operation: string; at: number };

/**
 * Options of {@link createTokenFamilies}. Durations are milliseconds.
 *
 * @example
 * createTokenFamilies({ store: redisFamilyStore(redis), refreshTtl: 14 * 86_400_000, maxSessionAge: 30 * 86_400_000 })
 */
export interface TokenFamiliesOptions {
  /** Default `memoryFamilyStore()` (one process only). */
  store?: FamilyStore;
  /** How long a spent token may be presented again and get the family's current token (default 10 000). */
  grace?: number;
  /** How long each refresh token lives from its issue (default 14 days). */
  refreshTtl?: number;
  /** A family not rotated for this long ends (default: none beyond `refreshTtl`). */
  idleTtl?: number;
  /** A family ends this long after its login whatever happens (default: none). */
  maxSessionAge?: number;
  /**
   * Per family: rotations a minute while the family's current access token was issued less than
   * half its lifetime ago, less one second (a refresh loop; clients read time in whole seconds
   * and refresh a little early). The schedule of short-lived tokens is never capped; access
   * tokens of 2 s or less are never counted. Default: no cap.
   */
  maxRotationsPerMinute?: number;
  /** Bound on each store call; past it the call fails with a `FamilyStoreError` (default 2 000). */
  timeout?: number;
  /** The clock, epoch ms (tests inject one). */
  now?: () => number;
  /** Observes what happens (no tokens in it). Exceptions it throws are ignored. */
  onEvent?: (event: FamilyEvent) => void;
}

/**
 * Refresh-token families: rotation, reuse detection with a grace window, revocation.
 *
 * @example
 * const families: TokenFamilies = createTokenFamilies({ store: memoryFamilyStore() });
 */
export interface TokenFamilies {
  /** Starts a family at login; `extra` is handed to `signAccessToken` on every rotation. */
  issue(subject: string, extra?: Record<string, unknown>): Promise<IssuedRefresh>;
  /** Spends `token` and returns its successor (or, within the grace window, the current token). */
  rotate(token: string): Promise<Rotation>;
  /** Ends a family (or all of a subject's); unknown tokens are not an error. */
  revoke(target: RevokeTarget): Promise<void>;
  /** Where a family stands, e.g. for a resource server that checks an access token's `sid`. */
  status(familyId: string): Promise<FamilyStatus>;
  /**
   * Records how long the family's access tokens live (seconds), so that loops can be told from
   * the schedule. `refreshHandler` calls it when `signAccessToken` answers a new `expiresIn`.
   */
  recordAccessTtl(familyId: string, seconds: number): Promise<void>;
}
