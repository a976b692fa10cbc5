import { SessionError, type SessionErrorKind } from './errors.js';
import { RETRY_AFTER_CAP_MS } from './retryAfter.js';
import { msg } from './dev.js';

// DESIGN rule 15: failing refresh cycles back off, and every tab of the browser keeps to one
// schedule. The schedule is a small record the tab whose refresh failed writes with the
// stored tokens, inside the refresh lock, so the next tab to take the lock reads it first.

/** The first wait after a failed refresh cycle, and the longest. */
export const COOLDOWN_BASE_MS = 1_000;
export const COOLDOWN_CAP_MS = 60_000;

/**
 * Ms to wait after the `failures`-th failed refresh cycle in a row: 1 s doubling to 60 s,
 * each jittered into its upper half (so tabs and browsers that failed together spread out).
 *
 * @example
 * cooldownAfter(1) // 500–1000
 * cooldownAfter(7) // 30000–60000 (the cap)
 */
export function cooldownAfter(failures: number, random: () => number = Math.random): number {
  const nominal = Math.min(COOLDOWN_CAP_MS, COOLDOWN_BASE_MS * 2 ** Math.max(0, Math.min(failures, 30) - 1));
  return nominal * (0.5 + random() / 2);
}

/**
 * "No refresh request before `retryAt`": written with the stored tokens by the tab whose
 * refresh failed, read by every tab inside the lock before it sends one. `failures` counts the
 * failed cycles in a row (0: a retry inside the first cycle); `attempts`, the attempts the
 * current cycle made in every tab (so the tabs share one budget of retries, not one each);
 * `at` is when it was written (a reset — refresh(), online — ignores older ones); `kind` and
 * `status` say why, so a tab that adopts the record fails its callers with the same kind of error.
 *
 * @example
 * JSON.parse(storage.getItem('app.session') ?? 'null')?.backoff // storage: the session's StorageLike
 * // { failures: 3, attempts: 1, retryAt: 1767225604000, at: 1767225600000, kind: 'http', status: 503 }
 */
export interface BackoffRecord {
  failures: number;
  attempts?: number | undefined;
  retryAt: number;
  at: number;
  kind: SessionErrorKind;
  status?: number | undefined;
}

// Tabs share one machine's clock; a record from more than this far ahead was not written by one of them.
const CLOCK_SLACK_MS = 60_000;
const KINDS = new Set<string>(['network', 'timeout', 'http', 'invalid-response', 'rate-limited', 'aborted']);
const time = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/**
 * A stored record as the session can use it at `now`; null for none or anything else (never
 * thrown on). Whatever wrote it, it parks refreshes for at most an hour (the longest Retry-After
 * honoured) and cannot claim to be written in the future (which would outlast every reset).
 */
export function readBackoff(value: unknown, now: number): BackoffRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<Record<keyof BackoffRecord, unknown>>;
  if (!time(r.failures) || !Number.isInteger(r.failures) || r.failures > 1_000 || !time(r.retryAt) || !time(r.at)) return null;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind) || r.at > now + CLOCK_SLACK_MS) return null;
  const retryAt = Math.min(r.retryAt, r.at + RETRY_AFTER_CAP_MS);
  const record: BackoffRecord = { failures: r.failures, retryAt, at: r.at, kind: r.kind as SessionErrorKind };
  if (typeof r.status === 'number' && Number.isInteger(r.status)) record.status = r.status;
  if (time(r.attempts) && Number.isInteger(r.attempts) && r.attempts <= 1_000) record.attempts = r.attempts;
  return record;
}

/** The error callers of a tab that adopted another tab's record get while it cools down. */
export function errorOf(record: BackoffRecord): SessionError {
  const why = record.status === undefined ? record.kind : `${record.kind} ${record.status}`;
  return new SessionError(record.kind, process.env.NODE_ENV !== 'production' ? `the refresh failed (${why}) and is backing off; the next try is not before ${new Date(record.retryAt).toISOString()}` : msg('backing-off'), {
    status: record.status,
  });
}
