import { SessionError } from '../machine/errors.js';
import { msg } from '../machine/dev.js';

// Where the library's own credential requests (refresh, revoke, discovery) go, decided once by
// one rule (DESIGN rule 5, v3): an absolute URL as the app wrote it; a relative one against the
// page's own location, never against document.baseURI (a <base href> injected into the page is
// not the app's word); without a page, an error that says so rather than a guess.

/** The page's URL in a browser (http or https only). */
function pageHref(): string | undefined {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' && /^https?:/.test(href) ? href : undefined;
}

/**
 * The absolute URL of a credential endpoint. `what` names the request in the error: a
 * SessionError of kind `invalid-response` (a configuration that no retry can mend) when the
 * URL is relative and there is no page to resolve it against, or is not a URL at all.
 */
export function endpointUrl(url: string | URL, what: string): URL {
  if (url instanceof URL) return url;
  const page = pageHref();
  try {
    return new URL(url, page);
  } catch {
    const why = page === undefined ? process.env.NODE_ENV !== 'production' ? 'is relative and there is no page (no `location`) to resolve it against' : msg('relative-url') : 'is not a URL';
    throw new SessionError('invalid-response', process.env.NODE_ENV !== 'production' ? `${what}: ${JSON.stringify(url.slice(0, 80))} ${why}; give the absolute URL` : msg('relative-url'));
  }
}

/**
 * A redirect in answer to a credential request: refused, never followed. A 307/308 would send
 * the same body (the refresh token) on to wherever it points, and a custom header (`header:
 * 'X-Refresh-Token'`) survives any redirect; what another URL answers is not the endpoint's
 * word either. Requests go out with `redirect: 'manual'`; a fetch of the app's own that follows
 * anyway is caught by `redirected`, and its answer is not used.
 */
export function refuseRedirect(response: Response, what: string): void {
  const { status, type } = response;
  const manual = type === 'opaqueredirect' || (status >= 300 && status < 400 && status !== 304);
  if (!manual && !response.redirected) return;
  void response.body?.cancel().catch(() => {});
  throw new SessionError(
    'invalid-response',
    process.env.NODE_ENV !== 'production' ? `${what} was answered with a redirect${status > 0 ? ` (${status})` : ''}; credential requests do not follow redirects, so nothing was sent on: configure the URL it redirects to` : msg('redirect'),
    status > 0 ? { status } : {},
  );
}

/** What the library adds to its own requests' init: the documented per-request opt-out. */
export const BARE = { session: false } as const;
