// The library's own refresh endpoints (jsonRefresh's url, the OAuth token endpoint, the
// discovery document), known to the adapters so that a request to one passes through bare
// however the app wired its fetch (a wrapper that rebuilds the Request loses the
// `session: false` mark): the refresh never carries the access token nor waits for itself
// (DESIGN rule 4). Revocations need no entry: they run once the session is logged out, when
// every request goes out bare, and a logout endpoint of the app's own may want its token.
// By origin + path; bounded (an app has a handful). Apart from endpoint.ts so that an adapter
// bundle carries only this.
const endpoints = new Set<string>();

const key = (url: URL) => url.origin + url.pathname;

/** Registers the endpoint `url` if it can be resolved now (a relative URL in Node is left for later). */
export function registerEndpoint(url: string | URL): void {
  let resolved: URL;
  try {
    const page = (globalThis as { location?: { href?: unknown } }).location?.href;
    resolved = new URL(url, typeof page === 'string' ? page : undefined);
  } catch {
    return;
  }
  if (!/^https?:$/.test(resolved.protocol)) return;
  endpoints.add(key(resolved));
  if (endpoints.size > 64) endpoints.delete(endpoints.values().next().value as string);
}

/**
 * True when the absolute URL `url` (as an adapter is about to request it) is one of the
 * library's own credential endpoints; the query and fragment do not matter.
 */
export function isCredentialEndpoint(url: string): boolean {
  if (endpoints.size === 0) return false;
  const q = url.indexOf('?');
  const h = url.indexOf('#');
  const end = q === -1 ? h : h === -1 ? q : Math.min(q, h);
  return endpoints.has(end === -1 ? url : url.slice(0, end));
}

