import { jwtDecode } from 'jwt-decode';
import { SessionError } from './errors.js';
import type { TokenSet } from './types.js';

/** A token set as the machine keeps it: expiry resolved to this machine's clock. */
export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  /** Epoch ms, local clock; null when nothing says when the token expires. */
  readonly expiresAt: number | null;
  /** Ms the token was issued for; bounds the refresh lead time. */
  readonly lifetime: number | null;
  readonly claims: Record<string, unknown> | null;
}

// `iat` and `Date` have one-second resolution and include the network latency, so an offset
// below this is noise, not skew: 2 s, less for very short-lived tokens. A corrected expiry can
// be up to a second late, which the refresh lead time absorbs.
const SKEW_NOISE_MS = 2_000;

/**
 * Checks and normalizes a token set. `fresh` means it was just issued (login, refresh), so
 * its `iat` or `serverDate` tells how far this machine's clock is from the server's.
 */
export function normalizeTokens(value: unknown, now: number, fresh: boolean, origin: string): Tokens {
  const bad = (why: string) => new SessionError('invalid-response', `${origin}: ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('expected a token set object');
  const set = value as Record<keyof TokenSet, unknown>;
  const { accessToken, refreshToken, expiresAt, expiresIn, serverDate } = set;
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    throw bad('accessToken is missing or not a non-empty string');
  }
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw bad('refreshToken must be a non-empty string when present');
  }
  for (const [name, n] of [['expiresAt', expiresAt], ['expiresIn', expiresIn], ['serverDate', serverDate]] as const) {
    if (n !== undefined && !(typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
      throw bad(`${name} must be a non-negative number when present`);
    }
  }
  const claims = decodeClaims(accessToken, bad);
  const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : null;
  const iat = typeof claims?.iat === 'number' ? claims.iat * 1000 : null;
  const lifetimeMs =
    typeof expiresIn === 'number' ? expiresIn * 1000 : exp !== null && iat !== null ? exp - iat : null;

  let at: number | null = null;
  if (typeof expiresAt === 'number') at = expiresAt;
  else if (exp !== null) at = exp + (fresh ? clockOffset(now, serverDate as number | undefined, iat, lifetimeMs) : 0);
  else if (lifetimeMs !== null) {
    // Opaque token: expires_in counts from the server's answer; its Date (whole seconds, so a
    // little early) is the better start, moved onto this clock when the two disagree.
    const date = fresh && typeof serverDate === 'number' ? serverDate : null;
    at = (date === null ? now : date + clockOffset(now, date, null, lifetimeMs)) + lifetimeMs;
  }

  if (fresh && at !== null && at <= now) throw bad('the access token is already expired');
  return {
    accessToken,
    refreshToken: refreshToken as string | undefined,
    expiresAt: at,
    lifetime: lifetimeMs ?? (at === null ? null : at - now),
    claims,
  };
}

function clockOffset(now: number, serverDate: number | undefined, iat: number | null, lifetime: number | null): number {
  const serverSecond = serverDate ?? iat;
  if (serverSecond === null) return 0;
  const offset = now - serverSecond;
  const noise = Math.min(SKEW_NOISE_MS, (lifetime ?? Infinity) / 4);
  return Math.abs(offset) < noise ? 0 : offset;
}

// The same token is read several times per refresh (the answer, the storage re-read, the
// write check): remember the last few decodings.
const decoded = new Map<string, Record<string, unknown> | null>();

function decodeClaims(token: string, bad: (why: string) => SessionError): Record<string, unknown> | null {
  const known = decoded.get(token);
  if (known !== undefined) return known;
  const claims = decodeFresh(token, bad);
  if (decoded.size >= 8) decoded.delete(decoded.keys().next().value as string);
  decoded.set(token, claims);
  return claims;
}

/** Drops remembered decodings (at logout, so no token outlives its session in this cache). */
export function forgetDecoded(): void {
  decoded.clear();
}

function decodeFresh(token: string, bad: (why: string) => SessionError): Record<string, unknown> | null {
  if (token.split('.').length !== 3) return null; // opaque token
  let claims: unknown;
  try {
    claims = jwtDecode(token);
  } catch (cause) {
    throw Object.assign(bad(`the access token looks like a JWT but does not decode (${redact(token)})`), { cause });
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw bad(`the access token's JWT payload is not an object (${redact(token)})`);
  }
  const { exp, iat } = claims as { exp?: unknown; iat?: unknown };
  if ((exp !== undefined && typeof exp !== 'number') || (iat !== undefined && typeof iat !== 'number')) {
    throw bad(`the access token's exp/iat claims are not numbers (${redact(token)})`);
  }
  return claims as Record<string, unknown>;
}

/** The form written to storage and sent to other tabs. */
export function toTokenSet(tokens: Tokens): TokenSet {
  const set: TokenSet = { accessToken: tokens.accessToken };
  if (tokens.refreshToken !== undefined) set.refreshToken = tokens.refreshToken;
  if (tokens.expiresAt !== null) set.expiresAt = tokens.expiresAt;
  if (tokens.lifetime !== null) set.expiresIn = tokens.lifetime / 1000;
  return set;
}

/**
 * True when `a` should replace `b`: a different token that expires no earlier. (Expiry has
 * one-second resolution, so two tokens issued in the same second tie; the one offered later
 * wins.)
 */
export function isNewer(a: Tokens, b: Tokens | null): boolean {
  if (b === null) return true;
  if (a.accessToken === b.accessToken) return false;
  return a.expiresAt === null || b.expiresAt === null || a.expiresAt >= b.expiresAt;
}

/**
 * What a refresh of these tokens spends: the refresh token (rotation burns it), or in cookie
 * mode, where the cookie is invisible, the access token. A refresh answer belongs to the
 * session only while the session still holds what that refresh spent.
 */
export function spendable(tokens: Tokens): string {
  return tokens.refreshToken ?? tokens.accessToken;
}

/** The last four characters, so logs can tell tokens apart without leaking them. */
export function redact(token: string | null | undefined): string {
  if (!token) return String(token);
  return `…${token.slice(-4)}`;
}
