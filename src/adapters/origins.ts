/** Where a token may be sent: origins, patterns tested against the origin, or a predicate. */
export type OriginsOption = Array<string | RegExp> | ((url: URL) => boolean);

/** Where a request goes, and whether it may carry the token. */
export interface Target {
  /** What to send to: the input resolved against the client's base (unchanged when it need not be). */
  url: string | URL;
  allowed: boolean;
}

const ABSOLUTE = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i;

/**
 * Builds the check "may this URL carry the token?". Allowed: the client's base URL origin
 * (or, in a browser, the page's origin) plus whatever `origins` adds. With neither, nothing
 * is allowed and `warn` says so once. Decisions are cached per origin, so the per-request
 * cost is a string test, not a URL parse.
 */
export function originFilter(origins: OriginsOption | undefined, base: string | URL | undefined, warn: (message: string) => void) {
  const page = pageUrl();
  const baseUrl = parse(base, page);
  const resolveBase = baseUrl?.href ?? page;
  const home = baseUrl?.origin ?? (page ? new URL(page).origin : undefined);
  const listed = new Set<string>();
  const patterns: RegExp[] = [];
  if (Array.isArray(origins)) {
    for (const o of origins) {
      if (o instanceof RegExp) patterns.push(o);
      else listed.add(parse(o, undefined)?.origin ?? o);
    }
  }
  const predicate = typeof origins === 'function' ? origins : undefined;
  if (home !== undefined) listed.add(home);
  const cache = new Map<string, boolean>();
  let warned = false;

  const refuse = (): false => {
    if (home === undefined && !warned) {
      warned = true;
      warn('no base URL and no page origin to compare against, so no token is attached; pass `origins` to allow some');
    }
    return false;
  };
  const allows = (url: URL): boolean =>
    listed.has(url.origin) || patterns.some((p) => p.test(url.origin)) || predicate?.(url) === true || refuse();

  return {
    /** Resolves `input` against the base and decides; cheap for the common shapes of input. */
    target(input: string | URL): Target {
      if (typeof input === 'string') {
        // "/path": the base's own origin
        if (home !== undefined && input.charCodeAt(0) === 47 && input.charCodeAt(1) !== 47 && !predicate) {
          return { url: baseUrl ? baseUrl.origin + input : input, allowed: true };
        }
        const prefix = ABSOLUTE.exec(input)?.[0];
        if (prefix !== undefined && !predicate) {
          let allowed = cache.get(prefix);
          if (allowed === undefined) {
            const url = parse(input, undefined);
            allowed = url !== null && allows(url);
            if (cache.size > 64) cache.clear();
            cache.set(prefix, allowed);
          }
          return { url: input, allowed };
        }
      }
      const url = parse(input, resolveBase);
      return url === null ? { url: input, allowed: refuse() } : { url, allowed: allows(url) };
    },
  };
}

function pageUrl(): string | undefined {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' && /^https?:/.test(href) ? href : undefined;
}

function parse(input: string | URL | undefined, base: string | undefined): URL | null {
  if (input === undefined) return null;
  try {
    return new URL(input, base);
  } catch {
    return null;
  }
}
