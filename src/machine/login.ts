// Login stamps (DESIGN rule 14): which login a token set belongs to, and when that login
// happened. Only login() makes a new one; a reload, checkSession, a refresh and another tab's
// adoption continue the one that exists. No stamp holds a secret: an id and a time.

/** The login a token set belongs to: an id and when it happened (epoch ms). */
export interface LoginStamp {
  readonly id: string;
  readonly at: number;
  /**
   * True when no login() in this browser made the stamp: checkSession found a session and
   * nothing said which login it was. Such a stamp continues; it never replaces a login's.
   */
  readonly continued?: true | undefined;
}

// Ids order logins made in the same millisecond by this page (a sequence), then at random:
// two tabs logging in within the same millisecond have no order to keep.
let made = 0;

/** A stamp with a new id. */
export function newLogin(at: number, continued?: true): LoginStamp {
  const id = `${at.toString(36)}.${(++made).toString(36).padStart(6, '0')}.${Math.random().toString(36).slice(2, 8)}`;
  return continued ? { id, at, continued } : { id, at };
}

const isTime = (at: unknown): at is number => typeof at === 'number' && at >= 0 && at < Infinity;

/**
 * The stamp a token set carries (`loginId`, `loginAt`, `loginContinued`), or null when it
 * carries none. A stamp that is present but not one this library writes — not an id and a
 * time, or a time more than a minute ahead of `now` (a forgery, or a clock set back) — must
 * never extend a session: `refuse` (which throws) is told why, or without it it reads as none.
 */
export function loginOf(set: Record<string, unknown>, now: number, refuse?: (why: string) => never): LoginStamp | null {
  const { loginId: id, loginAt: at, loginContinued } = set;
  if (id === undefined && at === undefined) return null;
  const why =
    typeof id !== 'string' || id === '' || id.length > 64 || !isTime(at) ? 'is not an id and a time' : at > now + 60_000 ? 'is in the future' : '';
  if (why) return refuse ? refuse(`the login stamp ${why}`) : null;
  return loginContinued === true ? { id: id as string, at: at as number, continued: true } : { id: id as string, at: at as number };
}

/**
 * When the server says the login happened: the answer's `loginAt` (epoch ms; below 1e11 it is
 * seconds, and `onSeconds` is told), else the access token's OIDC `auth_time` claim (epoch s).
 * Never later than `now` (a server clock ahead); null when neither says.
 */
export function serverLoginAt(set: unknown, claims: Record<string, unknown> | null, now: number, onSeconds: () => void): number | null {
  const loginAt = (set as { loginAt?: unknown } | null)?.loginAt;
  const seconds = isTime(loginAt) && loginAt < 1e11;
  if (seconds) onSeconds();
  const at = isTime(loginAt) ? loginAt * (seconds ? 1000 : 1) : isTime(claims?.auth_time) ? claims.auth_time * 1000 : null;
  return at === null ? null : Math.min(at, now);
}

/**
 * True when stamp `a` belongs to a login that should replace `b`'s (rule 12): the most recent
 * login wins; a continued stamp never wins over a login's, and of two continued stamps the
 * earlier wins (a continuation never restarts a lifetime). Null, a set stored before logins
 * were stamped, never wins, and anything stamped wins over it.
 */
export function loginWins(a: LoginStamp | null, b: LoginStamp | null): boolean {
  if (a === null || a.id === b?.id) return false;
  if (b === null || !a.continued !== !b.continued) return !a.continued;
  const [x, y] = a.continued ? [b, a] : [a, b];
  return x.at > y.at || (x.at === y.at && x.id > y.id);
}

/** The stamp as a token set carries it (storage, other tabs, the login record). */
export const stampFields = (login: LoginStamp) => ({ loginId: login.id, loginAt: login.at, ...(login.continued && { loginContinued: true }) });
