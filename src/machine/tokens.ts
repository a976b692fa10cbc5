import { jwtDecode } from 'jwt-decode';
import { readExpiry, sane } from './clock.js';
import { SessionError } from './errors.js';
import { loginOf, loginWins, stampFields, type LoginStamp } from './login.js';
import { readBackoff, type BackoffRecord } from './backoff.js';
import { redact } from './redact.js';
import type { TokenSet } from './types.js';
import { msg } from './dev.js';

export type { LoginStamp } from './login.js';

/** The token strings `tokens` holds, for cutting them out of text (none when logged out). */
export const heldTokens = (tokens: Tokens | null | undefined): string[] => (tokens ? [tokens.accessToken, tokens.refreshToken ?? ''] : []);

/** A token set as the machine keeps it: expiry resolved to this machine's clock. */
export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  /** Epoch ms, local clock; null when nothing says when the token expires. */
  readonly expiresAt: number | null;
  /** Ms the token was issued for; bounds the refresh lead time. */
  readonly lifetime: number | null;
  readonly claims: Record<string, unknown> | null;
  /** When the refresh token stops working (epoch ms, local clock), if anything says. */
  readonly refreshExpiresAt: number | null;
  /** Which login these tokens continue; null for sets stored before logins were stamped. */
  readonly login: LoginStamp | null;
  /** As stored: refreshing these tokens is backing off (another tab's, or this one's, failures). */
  readonly backoff?: BackoffRecord | undefined;
}

/**
 * Where a token set comes from, which decides how its times are read:
 * - `refresh`, `renewed`: just issued by the server, so its `iat` or `serverDate` tells how
 *   far this clock is from the server's (rule 9), and an already expired one is garbage;
 * - `login`: handed over by the app, possibly old (a tab that slept, SSR, a migration):
 *   expiry is taken as is, and an expired access token is accepted (it refreshes at once);
 * - `stored`, `tab`: written by this library, with times already on this clock.
 */
export type TokenSource = 'login' | 'refresh' | 'renewed' | 'stored' | 'tab';

// What an HTTP header value can carry unchanged: no control characters (CR, LF, NUL, …), no
// character above U+00FF, and no space or tab at either end (fetch trims those).
const SENDABLE = /^[\x21-\x7e\x80-\xff](?:[\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/;

/**
 * Checks and normalizes a token set from `source` (see {@link TokenSource}). Throws a
 * SessionError of kind `invalid-response` whose message names `origin` and never holds a
 * whole token.
 */
export function normalizeTokens(value: unknown, now: number, source: TokenSource, origin: string): Tokens {
  const bad = (why: string) => new SessionError('invalid-response', `${origin}: ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('expected a token set object');
  const set = value as Record<keyof TokenSet, unknown>;
  const { accessToken, refreshToken, expiresAt, expiresIn, serverDate, refreshExpiresIn, refreshExpiresAt } = set;
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    throw bad('accessToken is missing or not a non-empty string');
  }
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw bad('refreshToken must be a non-empty string when present');
  }
  for (const [name, token] of [['accessToken', accessToken], ['refreshToken', refreshToken]] as const) {
    if (typeof token === 'string' && !SENDABLE.test(token)) {
      throw bad(process.env.NODE_ENV !== 'production' ? `the ${name} (${redact(token)}) cannot be sent as an HTTP header value unchanged (control characters, characters beyond Latin-1, or spaces at its ends)` : msg('bad-token-text'));
    }
  }
  const numbers = { expiresAt, expiresIn, serverDate, refreshExpiresIn, refreshExpiresAt };
  for (const [name, n] of Object.entries(numbers)) {
    if (n !== undefined && !(typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
      throw bad(`${name} must be a non-negative number when present`);
    }
  }
  const fresh = source === 'refresh' || source === 'renewed';
  const date = fresh && typeof serverDate === 'number' ? serverDate : null;
  const claims = decodeClaims(accessToken, bad);
  const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : null;
  const issued = typeof claims?.iat === 'number' ? claims.iat * 1000 : null;
  // An issue time no clock shows, or one after the token's own expiry, says nothing about skew.
  const iat = issued !== null && issued >= 0 && sane(issued) !== null && (exp === null || issued <= exp) ? issued : null;
  const lifetimeMs = sane(typeof expiresIn === 'number' ? expiresIn * 1000 : exp !== null && iat !== null ? exp - iat : null);
  const { at, offset, lifetime } = readExpiry({ now, fresh, expiresAt: typeof expiresAt === 'number' ? expiresAt : null, exp, iat, date, lifetime: lifetimeMs });
  if (fresh && at !== null && at <= now) throw bad('the access token is already expired');

  // the refresh schedule tabs share (rule 15): only as this library stores it
  const backoff = source === 'stored' ? readBackoff(set.backoff, now) : null;
  return {
    ...(backoff === null ? {} : { backoff }),
    accessToken,
    refreshToken: refreshToken as string | undefined,
    expiresAt: at,
    lifetime,
    claims,
    refreshExpiresAt: refreshExpiry(set, refreshToken as string | undefined, now, offset),
    // a stamp this library wrote is refused whole when it is not one it would write (rule 14)
    login: loginOf(set, now, source === 'stored' ? (why) => { throw bad(why); } : undefined),
  };
}

// A refresh token's end: what the set says, else a JWT refresh token's `exp` (Keycloak).
function refreshExpiry(set: Record<keyof TokenSet, unknown>, refreshToken: string | undefined, now: number, offset: number): number | null {
  if (typeof set.refreshExpiresAt === 'number') return sane(set.refreshExpiresAt);
  if (typeof set.refreshExpiresIn === 'number') return sane(now + set.refreshExpiresIn * 1000);
  if (refreshToken === undefined) return null;
  const claims = jwtPayload(refreshToken);
  return typeof claims?.exp === 'number' ? sane(claims.exp * 1000 + offset) : null;
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

/**
 * True when the token is a JWT: three segments whose first decodes to a JSON object naming
 * an `alg`. Other tokens with two dots (PASETO `v4.local.…`, `gho_a.b.c`) are opaque.
 */
function isJwt(token: string): boolean {
  const dots = token.split('.').length - 1;
  if (dots !== 2) return false;
  try {
    const header: unknown = jwtDecode(token, { header: true });
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** A JWT's payload object, or null for anything else (used for refresh tokens, never strict). */
function jwtPayload(token: string): Record<string, unknown> | null {
  if (!isJwt(token)) return null;
  try {
    const claims: unknown = jwtDecode(token);
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function decodeFresh(token: string, bad: (why: string) => SessionError): Record<string, unknown> | null {
  if (!isJwt(token)) return null; // opaque token
  let claims: unknown;
  try {
    claims = jwtDecode(token);
  } catch (cause) {
    throw Object.assign(bad(process.env.NODE_ENV !== 'production' ? `the access token is a JWT whose payload does not decode (${redact(token)})` : msg('bad-jwt')), { cause });
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw bad(process.env.NODE_ENV !== 'production' ? `the access token's JWT payload is not an object (${redact(token)})` : msg('bad-jwt'));
  }
  const { exp, iat } = claims as { exp?: unknown; iat?: unknown };
  if ((exp !== undefined && typeof exp !== 'number') || (iat !== undefined && typeof iat !== 'number')) {
    throw bad(process.env.NODE_ENV !== 'production' ? `the access token's exp/iat claims are not numbers (${redact(token)})` : msg('bad-jwt'));
  }
  return claims as Record<string, unknown>;
}

/** The form written to storage and sent to other tabs. */
export function toTokenSet(tokens: Tokens): TokenSet {
  const set: TokenSet = { accessToken: tokens.accessToken };
  if (tokens.refreshToken !== undefined) set.refreshToken = tokens.refreshToken;
  if (tokens.expiresAt !== null) set.expiresAt = tokens.expiresAt;
  if (tokens.lifetime !== null) set.expiresIn = tokens.lifetime / 1000;
  if (tokens.refreshExpiresAt !== null) set.refreshExpiresAt = tokens.refreshExpiresAt;
  if (tokens.backoff !== undefined) set.backoff = { ...tokens.backoff };
  return tokens.login === null ? set : { ...set, ...stampFields(tokens.login) };
}

/** The same tokens, stored with a refresh schedule (`backoff`), or without one (undefined). */
export function withBackoff(tokens: Tokens, backoff: BackoffRecord | undefined): Tokens {
  if (backoff === undefined && tokens.backoff === undefined) return tokens;
  const { backoff: _old, ...rest } = tokens;
  return backoff === undefined ? rest : { ...rest, backoff };
}

/**
 * Tokens another tab sent under a continued stamp (it found the session with checkSession),
 * restamped as `ours` when our login wins over that stamp: those tokens continue our login.
 * Null when they keep their own stamp.
 */
export function restampContinued(incoming: Tokens, ours: Tokens | null): Tokens | null {
  if (!incoming.login?.continued || !ours?.login || !loginWins(ours.login, incoming.login)) return null;
  return withLogin(incoming, ours.login);
}

/**
 * A renewed access token (a response header, tokensRenewed) on top of `base`: the refresh token,
 * its expiry and the login stay `base`'s unless the renewal says otherwise. Throws on a bad set.
 */
export function renewedTokens(base: Tokens, renewed: object, now: number): Tokens {
  const set = { refreshToken: base.refreshToken, refreshExpiresAt: base.refreshExpiresAt ?? undefined, ...renewed };
  return withLogin(normalizeTokens(set, now, 'renewed', 'renewed tokens'), base.login);
}

/** The same tokens, stamped as belonging to `login`. */
export function withLogin(tokens: Tokens, login: LoginStamp | null): Tokens {
  return tokens.login === login ? tokens : { ...tokens, login };
}

/**
 * True when `a` should replace `b` within one login: a different token that expires no
 * earlier. (Expiry has one-second resolution, so two tokens issued in the same second tie;
 * the one offered later wins.)
 */
export function isNewer(a: Tokens, b: Tokens | null): boolean {
  if (b === null) return true;
  if (a.accessToken === b.accessToken) return false;
  return a.expiresAt === null || b.expiresAt === null || a.expiresAt >= b.expiresAt;
}

/**
 * True when tokens another tab wrote (a message, the shared storage) should replace ours
 * (rule 12): the most recent login wins whatever the expiry order; within one login, they
 * only move forward, and never with less information (no expiry, no refresh token).
 */
export function supersedes(incoming: Tokens, current: Tokens | null): boolean {
  if (current === null) return true;
  // Less information never wins, not even as a newer login: one app's logins all carry a
  // refresh token and an expiry, or none do (cookie mode, opaque tokens), so a set without
  // them next to ours is a forgery or a bug, and adopting it would lose the session.
  if (current.refreshToken !== undefined && incoming.refreshToken === undefined) return false;
  if (current.expiresAt !== null && incoming.expiresAt === null) return false;
  const a = incoming.login;
  const b = current.login;
  // Another login: the most recent wins, a continuation never (see loginWins).
  if (a !== null && (b === null || a.id !== b.id)) return loginWins(a, b);
  if (a === null && b !== null) return false; // a set that does not say which login it continues
  return isNewer(incoming, current);
}

/**
 * What a refresh of these tokens spends: the refresh token (rotation burns it), or in cookie
 * mode, where the cookie is invisible, the access token. A refresh answer belongs to the
 * session only while the session still holds what that refresh spent.
 */
export function spendable(tokens: Tokens | null): string {
  return tokens === null ? '' : (tokens.refreshToken ?? tokens.accessToken);
}
