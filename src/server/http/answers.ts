// The handlers' answers: JSON with no-store, OAuth-style error codes, and the token answer in
// the shape the client's `jsonRefresh` reads. No answer ever carries text from the request.
import type { ResolvedCookie } from './cookie.js';
import { clearCookie, setCookie } from './cookie.js';

/**
 * What `signAccessToken` returns: the access token and its lifetime in seconds.
 *
 * @example
 * const access: AccessToken = { accessToken: await new SignJWT({ sub }).sign(key), expiresIn: 900 };
 */
export interface AccessToken {
  accessToken: string;
  expiresIn: number;
}

export function json(status: number, body: unknown, now: number, extra: Record<string, string> = {}, cookies: string[] = []): Response {
  const headers = new Headers({
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    date: new Date(now).toUTCString(),
    ...extra,
  });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(JSON.stringify(body), { status, headers });
}

/** An OAuth-style error answer (`error`, `error_description`); in cookie mode a dead token's cookie is cleared. */
export function failure(status: number, error: string, description: string, now: number, options: { headers?: Record<string, string>; clear?: ResolvedCookie | undefined } = {}): Response {
  return json(status, { error, error_description: description }, now, options.headers, options.clear ? [clearCookie(options.clear)] : []);
}

/**
 * The 200 answer with a refresh token: `{ accessToken, tokenType, expiresIn, refreshToken,
 * refreshExpiresIn, loginAt }` — or, in cookie mode, the same without `refreshToken`, which goes
 * in the httpOnly cookie instead. `refreshExpiresIn` is whole seconds, rounded down.
 */
export function tokenAnswer(
  refresh: { refreshToken: string; refreshExpiresAt: number; loginAt: number },
  access: AccessToken,
  now: number,
  cookie: ResolvedCookie | undefined,
): Response {
  const refreshExpiresIn = Math.max(0, Math.floor((refresh.refreshExpiresAt - now) / 1000));
  const body: Record<string, unknown> = { accessToken: access.accessToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  if (!cookie) body.refreshToken = refresh.refreshToken;
  body.refreshExpiresIn = refreshExpiresIn;
  body.loginAt = refresh.loginAt;
  return json(200, body, now, {}, cookie ? [setCookie(cookie, refresh.refreshToken, refreshExpiresIn)] : []);
}
