/** Where a token may be sent: origins, patterns tested against the origin, or a predicate. */
export type OriginsOption = Array<string | RegExp> | ((url: URL) => boolean);

/**
 * Builds the check "may this URL carry the token?". Allowed: the client's base URL origin
 * (or, in a browser, the page's origin) plus whatever `origins` adds. With neither, nothing
 * is allowed and `warn` says so once.
 */
export function originFilter(
  origins: OriginsOption | undefined,
  base: string | URL | undefined,
  warn: (message: string) => void,
): { allows(url: URL): boolean; resolve(input: string | URL): URL | null } {
  const page = pageUrl();
  const baseUrl = toUrl(base, page);
  const home = baseUrl?.origin ?? (page ? new URL(page).origin : undefined);
  const listed = new Set<string>();
  const patterns: RegExp[] = [];
  if (Array.isArray(origins)) {
    for (const o of origins) {
      if (o instanceof RegExp) patterns.push(o);
      else listed.add(toUrl(o, undefined)?.origin ?? o);
    }
  }
  const predicate = typeof origins === 'function' ? origins : undefined;
  if (home !== undefined) listed.add(home);
  let warned = false;
  return {
    allows(url) {
      if (listed.has(url.origin) || patterns.some((p) => p.test(url.origin)) || predicate?.(url) === true) return true;
      if (home === undefined && !warned) {
        warned = true;
        warn('no base URL and no page origin to compare against, so no token is attached; pass `origins` to allow some');
      }
      return false;
    },
    resolve: (input) => toUrl(input, baseUrl?.href ?? page),
  };
}

function pageUrl(): string | undefined {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' && /^https?:/.test(href) ? href : undefined;
}

function toUrl(input: string | URL | undefined, base: string | undefined): URL | null {
  if (input === undefined) return null;
  try {
    return new URL(input, base);
  } catch {
    return null;
  }
}
