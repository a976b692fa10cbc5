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

/** A login stamp more than this far in the future is a forgery or a broken clock. */
export const FUTURE_SLACK_MS = 60_000;
/** Epoch ms before 1973: a `loginAt` this small is a time in seconds. */
const SECONDS_BELOW = 1e11;

// Ids order logins made in the same millisecond by this page (a sequence), then at random:
// two tabs logging in within the same millisecond have no order to keep.
let made = 0;
const newId = (at: number) => `${Math.max(0, at).toString(36)}.${(++made).toString(36).padStart(6, '0')}.${Math.random().toString(36).slice(2, 8)}`;

/** A stamp with a new id. */
export function newLogin(at: number, continued = false): LoginStamp {
  return continued ? { id: newId(at), at, continued: true } : { id: newId(at), at };
}

const validId = (id: unknown): id is string => typeof id === 'string' && id !== '' && id.length <= 64;
const validTime = (at: unknown): at is number => typeof at === 'number' && Number.isFinite(at) && at >= 0;

/**
 * The stamp a token set carries (`loginId`, `loginAt`, `loginContinued`), or null when it
 * carries none. `strict` (sets this library wrote: storage) refuses a stamp that is present
 * but not one it would write — not an id and a time, or a time more than a minute ahead —
 * through `refuse` (which throws): such a stamp must never extend a session. Otherwise an
 * unusable stamp reads as none.
 */
export function loginOf(set: Record<string, unknown>, now: number, refuse: ((why: string) => never) | null): LoginStamp | null {
  const { loginId, loginAt, loginContinued } = set;
  if (loginId === undefined && loginAt === undefined) return null;
  let why: string | null = null;
  if (!validId(loginId) || !validTime(loginAt)) why = 'is not an id and a time';
  else if (loginAt > now + FUTURE_SLACK_MS) why = 'is in the future (a forged value, or a clock set back)';
  if (why !== null) return refuse === null ? null : refuse(`the login stamp ${why}`);
  return loginContinued === true ? { id: loginId as string, at: loginAt as number, continued: true } : { id: loginId as string, at: loginAt as number };
}

/**
 * When the server says the login happened (its word is taken, DESIGN rule 14): a `loginAt`
 * the token answer carries (epoch ms; a value below 1e11 is read as seconds, and `onSeconds`
 * told), else the access token's OIDC `auth_time` claim (epoch seconds). Never later than
 * `now` (a server clock ahead); null when neither says anything usable.
 */
export function serverLoginAt(set: unknown, claims: Record<string, unknown> | null, now: number, onSeconds: (value: number) => void): number | null {
  const loginAt = (set as { loginAt?: unknown } | null)?.loginAt;
  let at: number | null = null;
  if (validTime(loginAt)) {
    if (loginAt < SECONDS_BELOW) onSeconds(loginAt);
    at = loginAt < SECONDS_BELOW ? loginAt * 1000 : loginAt;
  } else if (validTime(claims?.auth_time)) at = (claims.auth_time as number) * 1000;
  return at === null ? null : Math.min(at, now);
}

/**
 * True when stamp `a` belongs to a login that should replace `b`'s (rule 12): the most recent
 * login wins; a continued stamp never wins over a login's, and of two continued stamps the
 * earlier wins (a continuation never restarts a lifetime). Null is a set stored before logins
 * were stamped: it never wins, and anything stamped wins over it.
 */
export function loginWins(a: LoginStamp | null, b: LoginStamp | null): boolean {
  if (a === null || a.id === b?.id) return false;
  if (b === null) return true;
  if (a.continued !== b.continued) return b.continued === true;
  if (a.continued) return a.at < b.at || (a.at === b.at && a.id < b.id);
  return a.at > b.at || (a.at === b.at && a.id > b.id);
}

/** The stamp as a token set carries it (storage, other tabs). */
export function stampFields(login: LoginStamp): { loginId: string; loginAt: number; loginContinued?: true } {
  return login.continued ? { loginId: login.id, loginAt: login.at, loginContinued: true } : { loginId: login.id, loginAt: login.at };
}
