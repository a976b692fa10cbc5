// When a token expires on this machine's clock, from what the server says (rule 9 v3): the
// uncertain evidence errs early. No I/O, no tokens: times in epoch ms only.

// What the server says about its clock is uncertain: a `Date` (and most `iat`s) is cut to whole
// seconds, and every answer is some latency old. An apparent lead of this clock over the
// server's below this much noise (2 s, a quarter of a short token's life), plus the second a
// whole-second stamp may have lost, is read as no skew — the reading that expires the token
// sooner. A lag is never noise: the server's clock had at least reached what it said.
const SKEW_NOISE_MS = 2_000;
// The last instant a Date can hold. A later expiry (`expires_in: 1e308`) means "never": it is
// kept as no expiry, which survives JSON, where Infinity would come back as null.
const LAST_TIME = 8.64e15;

/** An instant or duration that means something, else null ("never", "unknown"). */
export function sane(ms: number | null): number | null {
  return ms !== null && Number.isFinite(ms) && ms <= LAST_TIME ? ms : null;
}

/** What a token set says about time: the server's stamps (`exp`, `iat`, `date`) are on its clock. */
export interface TimeEvidence {
  /** When the set arrived, on this clock. */
  now: number;
  /** Just issued by the server (a refresh, a renewal): its stamps tell how far the clocks are apart. */
  fresh: boolean;
  /** An expiry already on this clock (the app's, or written by this library). */
  expiresAt: number | null;
  exp: number | null;
  iat: number | null;
  /** The answer's `Date` (whole seconds); only for fresh sets. */
  date: number | null;
  /** How long the token was issued for: `expires_in`, else `exp - iat`. */
  lifetime: number | null;
}

/** The expiry on this clock, how far this clock runs ahead of the server's, and the lifetime that bounds the lead time. */
export interface Expiry {
  at: number | null;
  offset: number;
  lifetime: number | null;
}

/**
 * When the token expires on this clock. A fresh JWT's expiry is never later than `exp - seen`
 * from now, where `seen` is the latest time the server's clock is known to have reached (the
 * Date or the token's iat, whichever is later: a fractional iat beats a whole-second Date); an
 * opaque token's never later than `expires_in` from now.
 */
export function readExpiry(e: TimeEvidence): Expiry {
  const { now, exp, date, lifetime } = e;
  const seen = e.fresh ? latest(date, e.iat) : null;
  const offset = clockOffset(now, seen, lifetime);
  let at: number | null = null;
  if (e.expiresAt !== null) at = e.expiresAt;
  else if (exp !== null) {
    at = exp + offset; // offset <= now - seen
    // Read as no skew, a token just issued would already be expired: the clocks differ after all.
    if (seen !== null && offset === 0 && at <= now) at = exp + (now - seen);
  } else if (lifetime !== null) {
    // Opaque: expires_in counts from the answer, so at most that long from now; the Date (a
    // little early) is the start when the clocks agree.
    at = (date === null ? now : date + clockOffset(now, date, lifetime, 0)) + lifetime;
  }
  at = sane(at);
  // What is left of a fresh token bounds the lead time too: erring early never makes a token
  // due the moment it arrives.
  const left = at === null ? null : Math.max(0, at - now);
  return { at, offset, lifetime: e.fresh && left !== null && lifetime !== null ? Math.min(lifetime, left) : (lifetime ?? left) };
}

const latest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * How far this clock runs ahead of the server's (ms), from `serverTime`, the latest time the
 * server said its clock had reached. Behind: taken as said. Ahead by less than the noise (plus
 * `resolution`, the second a whole-second stamp may have lost): 0. Else as said.
 */
function clockOffset(now: number, serverTime: number | null, lifetime: number | null, resolution = serverTime !== null && serverTime % 1000 === 0 ? 1000 : 0): number {
  if (serverTime === null) return 0;
  const offset = now - serverTime;
  if (offset < 0) return offset;
  return offset < resolution + Math.min(SKEW_NOISE_MS, (lifetime ?? Infinity) / 4) ? 0 : offset;
}
