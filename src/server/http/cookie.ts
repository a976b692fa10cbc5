// Cookie mode: the refresh token rides in an httpOnly `__Host-` cookie, and a request must prove
// it is not a cross-site forgery before the cookie is trusted.

/**
 * Cookie mode of the handlers: the refresh token lives in an httpOnly cookie the page's script
 * never sees. Defaults: name `__Host-refresh`, `Secure`, `HttpOnly`, `SameSite=Strict`,
 * `Path=/`. Chromium and Firefox accept such a cookie from `http://localhost` and
 * `http://127.0.0.1`; Safari does not — for plain-http development there, pass
 * `{ name: 'refresh', secure: false }`.
 *
 * @example
 * refreshHandler({ families, signAccessToken, cookie: {} })                                  // defaults
 * refreshHandler({ families, signAccessToken, cookie: { origins: ['https://app.example.com'] } }) // behind a proxy
 */
export interface CookieOptions {
  /** The cookie's name (default `__Host-refresh`). */
  name?: string;
  /**
   * Origins allowed to use the cookie (default: the origin of the URL the request arrived at).
   * Set it when a proxy changes scheme or host, or the page runs on another origin.
   */
  origins?: readonly string[];
  /** The `Secure` attribute (default true; a `__Host-` or `__Secure-` name requires it). */
  secure?: boolean;
}

export interface ResolvedCookie {
  name: string;
  secure: boolean;
  origins: readonly string[] | undefined;
}

const TOKEN_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function resolveCookie(options: CookieOptions | undefined, where: string): ResolvedCookie | undefined {
  if (options === undefined) return undefined;
  const name = options.name ?? '__Host-refresh';
  const secure = options.secure ?? true;
  if (!TOKEN_NAME.test(name)) throw new TypeError(`${where}: "${name.slice(0, 40)}" cannot be a cookie name`);
  if (!secure && /^__(Host|Secure)-/i.test(name)) {
    throw new TypeError(`${where}: a cookie named ${name} must be Secure; for plain-http development pick another name, e.g. cookie: { name: 'refresh', secure: false }`);
  }
  return { name, secure, origins: options.origins };
}

const attributes = (cookie: ResolvedCookie) => `Path=/; HttpOnly;${cookie.secure ? ' Secure;' : ''} SameSite=Strict`;

export const setCookie = (cookie: ResolvedCookie, token: string, maxAge: number) => `${cookie.name}=${token}; ${attributes(cookie)}; Max-Age=${maxAge}`;

export const clearCookie = (cookie: ResolvedCookie) => `${cookie.name}=; ${attributes(cookie)}; Max-Age=0`;

/** The value of the cookie `name` in a Cookie header (the first one), or undefined. */
export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Why a cookie-mode request may be a cross-site forgery, or null when it is not: the body must
 * be JSON (a cross-site form cannot send that without a CORS preflight) and the request must come
 * from an allowed origin (`Origin`, else `Sec-Fetch-Site`; a client that sends neither is not a
 * browser, and cannot hold the user's cookie).
 */
export function forgeryReason(request: Request, cookie: ResolvedCookie): string | null {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) return 'cookie mode needs Content-Type: application/json (the CSRF guard); jsonRefresh sends it';
  const allowed = cookie.origins ?? [new URL(request.url).origin];
  const origin = request.headers.get('origin');
  if (origin !== null) return allowed.includes(origin) ? null : `the request comes from another origin (${origin.slice(0, 80)}); allowed: ${allowed.join(', ')} (set cookie.origins behind a proxy)`;
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return `the request is not same-origin (Sec-Fetch-Site: ${site.slice(0, 20)})`;
  return null;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/**
 * A Secure cookie set for a page on plain http (other than localhost) is dropped by browsers:
 * say why. The page's origin is the `Origin` header when there is one (behind a TLS proxy the
 * request URL may say http while the page is https).
 */
export function insecureHostWarning(request: Request, cookie: ResolvedCookie): string | null {
  if (!cookie.secure) return null;
  let page: URL;
  try {
    page = new URL(request.headers.get('origin') ?? request.url);
  } catch {
    return null;
  }
  if (page.protocol !== 'http:' || LOOPBACK.test(page.hostname)) return null;
  return `cookie mode: ${page.host} is plain http, so browsers drop the Secure ${cookie.name} cookie and every refresh after the login fails. Serve the app over https, or for development only use cookie: { name: 'refresh', secure: false }`;
}
