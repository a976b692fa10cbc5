import { msg } from '../machine/dev.js';
/** Where a token may be sent: origins, patterns tested against the origin, or a predicate. */
export type OriginsOption = Array<string | RegExp> | ((url: URL) => boolean);

/** Where a request goes, and whether it may carry the token. */
export interface Target {
  /**
   * What to hand the transport. When the decision rests on a base (the client's, or the
   * page's), it is the absolute URL that was judged, so nothing can resolve it differently
   * later; an input that did not parse is passed on as it is (the transport will refuse it).
   */
  url: string;
  allowed: boolean;
}

/**
 * Builds the check "may this URL carry the token?". Allowed: the origin of the client's base
 * URL as the app configured it, resolved against the page's own location (a relative base such
 * as `/api/` names the page's origin), plus whatever `origins` adds; nothing else, and never an
 * opaque ("null") origin. `document.baseURI` never widens this set: a `<base href>` injected
 * into the page is not the app's word. With neither a base nor a page, nothing is allowed and
 * `warn` says so once.
 *
 * Every decision is made on `new URL(input, base)` with the base the transport resolves
 * against: the client's absolute base URL when the adapter resolves against it
 * (`resolvesAgainstBase`); a relative one resolved, as fetch would, against the document's base
 * URL at the time of the request; else the document's base URL itself (what a browser's fetch
 * and XHR use). So under an injected `<base>`, a relative request is judged where it really
 * goes, and goes out bare. The one shortcut, for path-absolute input such as `/items/1`, is
 * taken only where WHATWG parsing cannot leave the base's origin
 * (test/security/urlProperty.test.ts checks it against `new URL`).
 */
export function originFilter(
  origins: OriginsOption | undefined,
  base: string | URL | undefined,
  warn: (message: string) => void,
  resolvesAgainstBase = true,
) {
  const page = pageUrl();
  // What the app configured, read against the page's location (never document.baseURI).
  const configured = base === undefined ? undefined : parse(base, page);
  const home = base === undefined ? (page ? new URL(page).origin : undefined) : configured?.origin;
  // An absolute base fixes where relative input goes; a relative one is resolved per request.
  const absolute = base === undefined ? null : parse(base, undefined);
  const relativeBase = resolvesAgainstBase && base !== undefined && absolute === null ? String(base) : undefined;
  // axios joins its base URL itself (see axios.ts); what it hands on resolves against the document.
  const fixed = resolvesAgainstBase ? (absolute ?? undefined) : undefined;
  const listed = new Set<string>();
  const patterns: RegExp[] = [];
  if (Array.isArray(origins)) {
    for (const o of origins) {
      if (o instanceof RegExp) patterns.push(pattern(o, warn));
      else {
        const origin = parse(o, undefined)?.origin;
        if (origin === undefined || origin === 'null') warn(process.env.NODE_ENV !== 'production' ? `origins: ${o} is not an http(s) origin; it allows nothing` : msg('origins-not-http'));
        else listed.add(origin);
      }
    }
  }
  const predicate = typeof origins === 'function' ? origins : undefined;
  if (home !== undefined && home !== 'null') listed.add(home);
  let warned = false;

  const refuse = (): false => {
    if (home === undefined && !warned) {
      warned = true;
      warn(
        base === undefined
          ? process.env.NODE_ENV !== 'production' ? 'no base URL and no page origin to compare against, so no token is attached; pass `origins` to allow some' : msg('no-base-origin')
          : process.env.NODE_ENV !== 'production' ? `the base URL ${JSON.stringify(String(base).slice(0, 80))} names no origin (a relative base needs a page to resolve against), so no token is attached; give an absolute base URL` : msg('no-base-origin'),
      );
    }
    return false;
  };
  // An opaque origin ("null": data:, custom schemes) is the same string for every such URL.
  const allows = (url: URL): boolean => {
    const { origin } = url;
    return origin !== 'null' && (listed.has(origin) || patterns.some((p) => p.test(origin)) || predicate?.(url) === true || refuse());
  };

  // The base relative input resolves against: the client's absolute one, else the document's as
  // it is now (a <base> element can change it), with a relative client base resolved against it.
  // Parsed again only when it changes.
  const fixedHref = fixed?.href;
  let baseHref: string | undefined;
  let baseParsed: URL | null = null;
  let shortcut: { origin: string; allowed: boolean } | null = null;
  const currentBase = (): URL | null => {
    const href = fixedHref ?? documentBase();
    if (href !== baseHref) {
      baseHref = href;
      baseParsed = href === undefined ? null : parse(relativeBase ?? href, href);
      // "origin + /path" equals new URL("/path", base) only for an http(s) base without userinfo.
      shortcut =
        baseParsed && /^https?:$/.test(baseParsed.protocol) && baseParsed.username === '' && baseParsed.password === '' && !predicate
          ? { origin: baseParsed.origin, allowed: allows(baseParsed) }
          : null;
    }
    return baseParsed;
  };

  // Decisions for plain "http(s)://host[:port]" prefixes, whose origin nothing after them can
  // change; the last one is checked first without hashing (most requests go to one API).
  const byAuthority = new Map<string, boolean>();
  let last: { authority: string; allowed: boolean } | null = null;

  const byPlainAuthority = (authority: string): boolean => {
    let allowed = byAuthority.get(authority);
    if (allowed === undefined) {
      const url = parse(authority, undefined);
      allowed = url !== null && allows(url);
      if (byAuthority.size >= 64) byAuthority.clear();
      byAuthority.set(authority, allowed);
    }
    last = { authority, allowed };
    return allowed;
  };

  return {
    /**
     * The decision for every URL that starts with `prefix`, or null when that cannot be told
     * from the prefix alone. Known when the prefix holds a plain authority that ends inside it
     * ("https://api.example.com/v1/"): whatever follows is path, query or fragment.
     */
    prefix(prefix: string): boolean | null {
      const authority = predicate ? undefined : PLAIN_AUTHORITY.exec(prefix)?.[0];
      return authority === undefined || authority.length === prefix.length ? null : byPlainAuthority(authority);
    },
    /** Resolves `input` as the transport will and decides. */
    target(input: string | URL): Target {
      if (typeof input !== 'string') return { url: input.href, allowed: allows(input) };
      if (last !== null && input.startsWith(last.authority) && endsAuthority(input.charCodeAt(last.authority.length))) {
        return { url: input, allowed: last.allowed };
      }
      const authority = predicate ? undefined : PLAIN_AUTHORITY.exec(input)?.[0];
      // absolute: every parser reads it the same, base or not
      if (authority !== undefined) return { url: input, allowed: byPlainAuthority(authority) };
      const resolveAgainst = currentBase();
      if (shortcut !== null && isPathAbsolute(input)) return { url: shortcut.origin + input, allowed: shortcut.allowed };
      const url = parse(input, resolveAgainst?.href);
      return url === null ? { url: input, allowed: refuse() } : { url: url.href, allowed: allows(url) };
    },
  };
}

/** "/", "?", "#" or the end of the string (NaN): where PLAIN_AUTHORITY may stop. */
const endsAuthority = (c: number) => c === 47 || c === 63 || c === 35 || c !== c;

/**
 * "http(s)://host[:port]" followed by "/", "?", "#" or the end, the host made of ASCII letters,
 * digits, dots and hyphens only. The parser ends the authority exactly there, and nothing in it
 * is stripped or reinterpreted (no whitespace or control characters, "@", "\", "%", no empty
 * host as in "http:///host"): its origin is that of the prefix alone, whatever follows.
 */
const PLAIN_AUTHORITY = /^https?:\/\/[a-z\d.-]+(?::\d*)?(?=[/?#]|$)/i;

/**
 * True for "/path" input whose origin is the base's whatever the parser does with it: it starts
 * with "/" (no leading space or control character, which the parser would strip), and the next
 * character the parser keeps (it drops tab, LF and CR anywhere) is neither "/" nor "\" (either
 * would start a host). Anything else is parsed in full.
 */
function isPathAbsolute(input: string): boolean {
  if (input.charCodeAt(0) !== 47) return false;
  let i = 1;
  let c = input.charCodeAt(i);
  while (c === 9 || c === 10 || c === 13) c = input.charCodeAt(++i);
  return c !== 47 && c !== 92;
}

// A pattern with the g or y flag keeps lastIndex between test() calls and would answer yes, no,
// yes for the same origin; one not anchored with $ also matches "https://api.example.com.evil.test".
function pattern(p: RegExp, warn: (message: string) => void): RegExp {
  if (!/(^|[^\\])\$\)*$/.test(p.source)) warn(process.env.NODE_ENV !== 'production' ? `origins: ${String(p)} has no $ at the end: it also matches longer origins` : msg('origins-no-dollar'));
  return p.global || p.sticky ? new RegExp(p.source, p.flags.replace(/[gy]/g, '')) : p;
}

/** The page's URL in a browser (http or https only). */
function pageUrl(): string | undefined {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' && /^https?:/.test(href) ? href : undefined;
}

/** What a browser resolves a relative fetch or XHR URL against: the document's base URL, else the page. */
function documentBase(): string | undefined {
  const baseURI = (globalThis as { document?: { baseURI?: unknown } }).document?.baseURI;
  return typeof baseURI === 'string' && /^https?:/.test(baseURI) ? baseURI : pageUrl();
}

function parse(input: string | URL | undefined, base: string | undefined): URL | null {
  if (input === undefined) return null;
  try {
    return new URL(input, base);
  } catch {
    return null;
  }
}
