import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { createTokenFamilies } from '../server/families.js';
import { memoryFamilyStore } from '../server/memoryStore.js';

/**
 * One access + refresh token pair the fake backend handed out, in the order it did.
 *
 * @example
 * const first: IssuedPair | undefined = backend.issued[0] // the first login's pair
 */
export interface IssuedPair {
  /** An HS256 JWT. */
  accessToken: string;
  /** An opaque `rt_…` string that works once (a `silent-session/server` family's token behind `rt_`). */
  refreshToken: string;
  /** Who logged in (the access token's `sub`). */
  username: string;
}

/**
 * The payload of an access token the fake backend issued: `sub` is the username, `sid` the
 * login it belongs to, plus `iat`, `exp` and the `claims` option's extras.
 *
 * @example
 * backend.protect(({ claims }: { claims: AccessClaims }) => HttpResponse.json({ user: claims.sub }))
 */
export type AccessClaims = JWTPayload & { sub: string; sid: string };

/** What checking a Bearer token found. */
export type Verdict =
  | { ok: true; claims: AccessClaims }
  | { ok: false; why: 'no-token' | 'expired' | 'revoked' | 'invalid' };

/** What login and refresh answer: a pair, and when its refresh token stops working (epoch ms). */
export type Answer = IssuedPair & { refreshExpiresAt: number };

/** What presenting a refresh token led to. */
export type Exchange =
  | { ok: true; answer: Answer }
  | { ok: false; why: 'unknown' | 'expired' | 'revoked' | 'reuse' | 'rate-limited' };

const PREFIX = 'rt_';
const randomId = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The fake backend's token authority: HS256 JWT access tokens signed with jose, and refresh
 * tokens from `silent-session/server`'s families in memory — the rotation, reuse detection and
 * grace window a real server built on the library has (Web Crypto only, so it runs in MSW's
 * browser worker setup too).
 */
export function createTokenAuthority(options: {
  now: () => number;
  accessTtl: () => number;
  refreshTtl: number;
  /** Seconds after a login that none of its refresh tokens outlives, however often they rotate. */
  refreshMaxAge: number | undefined;
  graceMs: number;
  claims: (username: string) => Record<string, unknown>;
}) {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const families = createTokenFamilies({
    store: memoryFamilyStore(),
    now: options.now,
    grace: options.graceMs,
    refreshTtl: options.refreshTtl * 1000,
    ...(options.refreshMaxAge === undefined ? {} : { maxSessionAge: options.refreshMaxAge * 1000 }),
  });
  const subjects = new Set<string>();
  /** Revocations under way (`revokeAll` is synchronous for the test): every check waits for them. */
  let revoking: Promise<unknown> = Promise.resolve();
  const issued: IssuedPair[] = [];
  let generation = 0; // access tokens of an older generation count as expired

  async function answer(username: string, family: string, refreshToken: string, refreshExpiresAt: number): Promise<Answer> {
    const iat = Math.floor(options.now() / 1000);
    const accessToken = await new SignJWT({ ...options.claims(username), sid: family, gen: generation, jti: randomId(8) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(username)
      .setIssuedAt(iat)
      .setExpirationTime(iat + options.accessTtl())
      .sign(secret);
    const pair = { accessToken, refreshToken: `${PREFIX}${refreshToken}`, username };
    issued.push(pair);
    return { ...pair, refreshExpiresAt };
  }
  const fromWire = (token: string) => (token.startsWith(PREFIX) ? token.slice(PREFIX.length) : token);

  return {
    issued: issued as readonly IssuedPair[],
    /** A new login: a new family and its first pair. */
    async login(username: string): Promise<Answer> {
      const family = await families.issue(username);
      subjects.add(username);
      return answer(username, family.familyId, family.refreshToken, family.refreshExpiresAt);
    },
    /** Rotation; within the grace window a spent token gets the login's current refresh token. */
    async exchange(token: string): Promise<Exchange> {
      await revoking;
      const rotation = await families.rotate(fromWire(token));
      if (!rotation.ok) return { ok: false, why: rotation.reason === 'reused' ? 'reuse' : rotation.reason };
      return { ok: true, answer: await answer(rotation.subject, rotation.familyId, rotation.refreshToken, rotation.refreshExpiresAt) };
    },
    async verify(authorization: string | null): Promise<Verdict> {
      if (!authorization?.startsWith('Bearer ')) return { ok: false, why: 'no-token' };
      try {
        const { payload } = await jwtVerify(authorization.slice(7), secret, { currentDate: new Date(options.now()) });
        await revoking;
        if ((await families.status(String(payload.sid))) === 'revoked') return { ok: false, why: 'revoked' };
        if (Number(payload.gen) < generation) return { ok: false, why: 'expired' };
        return { ok: true, claims: payload as AccessClaims };
      } catch (error) {
        return { ok: false, why: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
      }
    },
    /** Ends the login `refreshToken` belongs to (an unknown token is not an error). */
    revoke: (refreshToken: string) => families.revoke(fromWire(refreshToken)),
    revokeAll() {
      revoking = Promise.all([revoking, ...[...subjects].map((subject) => families.revoke({ subject }))]);
    },
    expireAccessTokens() {
      generation++;
    },
  };
}

export type TokenAuthority = ReturnType<typeof createTokenAuthority>;
