import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';

/**
 * One access + refresh token pair the fake backend handed out, in the order it did.
 *
 * @example
 * const first: IssuedPair | undefined = backend.issued[0] // the first login's pair
 */
export interface IssuedPair {
  /** An HS256 JWT. */
  accessToken: string;
  /** An opaque `rt_…` string that works once. */
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

interface RefreshEntry {
  family: string;
  username: string;
  expiresAt: number;
  usedAt: number | null;
  successor: IssuedPair | null;
}

/** What presenting a refresh token led to. */
export type Exchange =
  | { ok: true; username: string; family: string; answer: () => Promise<IssuedPair> }
  | { ok: false; why: 'unknown' | 'expired' | 'revoked' | 'reuse' };

const randomId = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The fake backend's token authority: HS256 JWT access tokens signed with jose, opaque refresh
 * tokens that rotate (each works once), reuse detection that revokes the whole family (one
 * login), and a grace window in which a reused token gets the same answer again.
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
  const refreshTokens = new Map<string, RefreshEntry>();
  const revoked = new Set<string>();
  const loginAt = new Map<string, number>();
  const issued: IssuedPair[] = [];
  let generation = 0; // access tokens of an older generation count as expired

  async function issue(username: string, family: string): Promise<IssuedPair> {
    const iat = Math.floor(options.now() / 1000);
    const accessToken = await new SignJWT({ ...options.claims(username), sid: family, gen: generation, jti: randomId(8) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(username)
      .setIssuedAt(iat)
      .setExpirationTime(iat + options.accessTtl())
      .sign(secret);
    const refreshToken = `rt_${randomId(18)}`;
    const maxAge = options.refreshMaxAge === undefined ? Infinity : (loginAt.get(family) ?? options.now()) + options.refreshMaxAge * 1000;
    refreshTokens.set(refreshToken, { family, username, expiresAt: Math.min(options.now() + options.refreshTtl * 1000, maxAge), usedAt: null, successor: null });
    const pair = { accessToken, refreshToken, username };
    issued.push(pair);
    return pair;
  }

  return {
    issued: issued as readonly IssuedPair[],
    /** A new login: a new family and its first pair. */
    login(username: string) {
      const family = randomId(6);
      loginAt.set(family, options.now());
      return issue(username, family);
    },
    /** Whole seconds the refresh token has left (rounded down), as Keycloak's `refresh_expires_in`. */
    secondsLeft: (refreshToken: string) => Math.max(0, Math.floor(((refreshTokens.get(refreshToken)?.expiresAt ?? 0) - options.now()) / 1000)),
    exchange(token: string): Exchange {
      const entry = refreshTokens.get(token);
      if (!entry) return { ok: false, why: 'unknown' };
      if (revoked.has(entry.family)) return { ok: false, why: 'revoked' };
      if (entry.expiresAt <= options.now()) return { ok: false, why: 'expired' };
      const { family, username } = entry;
      if (entry.usedAt !== null) {
        const successor = entry.successor;
        if (successor && options.now() - entry.usedAt <= options.graceMs) {
          return { ok: true, username, family, answer: async () => successor };
        }
        revoked.add(family);
        return { ok: false, why: 'reuse' };
      }
      entry.usedAt = options.now();
      return { ok: true, username, family, answer: async () => (entry.successor = await issue(username, family)) };
    },
    async verify(authorization: string | null): Promise<Verdict> {
      if (!authorization?.startsWith('Bearer ')) return { ok: false, why: 'no-token' };
      try {
        const { payload } = await jwtVerify(authorization.slice(7), secret, { currentDate: new Date(options.now()) });
        if (revoked.has(String(payload.sid))) return { ok: false, why: 'revoked' };
        if (Number(payload.gen) < generation) return { ok: false, why: 'expired' };
        return { ok: true, claims: payload as AccessClaims };
      } catch (error) {
        return { ok: false, why: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
      }
    },
    familyOf: (refreshToken: string) => refreshTokens.get(refreshToken)?.family,
    revokeFamily: (family: string) => void revoked.add(family),
    revokeAll() {
      for (const entry of refreshTokens.values()) revoked.add(entry.family);
    },
    expireAccessTokens() {
      generation++;
    },
  };
}

export type TokenAuthority = ReturnType<typeof createTokenAuthority>;
