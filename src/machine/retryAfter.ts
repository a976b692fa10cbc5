// `Retry-After` (RFC 9110 §10.2.3): how long a server asks a client to wait, as delay-seconds
// or an HTTP date. Read where a refresh failure is made (jsonRefresh, oauthRefresh, an HTTP
// client's error), honoured by the session's backoff (DESIGN rule 15).

/** The longest wait one header can ask for: a session is not parked longer by a misconfigured server. */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;

/**
 * Ms a `Retry-After` value asks to wait: delay-seconds, or an HTTP date read against `date`
 * (the response's own `Date`, so the two clocks need not agree; else this machine's clock).
 * Undefined when absent, unreadable or in the past; at most {@link RETRY_AFTER_CAP_MS}.
 *
 * @example
 * retryAfterMs('120') // 120000
 * retryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT', 'Wed, 21 Oct 2026 07:27:00 GMT') // 60000
 */
export function retryAfterMs(value: string | null | undefined, date?: string | null): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    const base = date ? Date.parse(date) : NaN;
    ms = at - (Number.isNaN(base) ? Date.now() : base);
  }
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, RETRY_AFTER_CAP_MS) : undefined;
}

/** What a `Retry-After` on a Response (or a headers object of an HTTP client's error) asks for. */
export function retryAfterOf(headers: unknown): number | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const h = headers as { get?: unknown } & Record<string, unknown>;
  const read = (name: string): string | null | undefined => {
    if (typeof h.get === 'function') {
      const value: unknown = (h.get as (n: string) => unknown).call(headers, name);
      if (typeof value === 'string' || value === null) return value;
    }
    const value = h[name];
    return typeof value === 'string' ? value : undefined;
  };
  return retryAfterMs(read('retry-after'), read('date'));
}
