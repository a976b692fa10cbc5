import { isFamilyStoreError } from '../errors.js';
import type { RefusalReason, TokenFamilies } from '../types.js';
import { failure, tokenAnswer, type AccessToken } from './answers.js';
import { isBad, presentedToken, readJsonObject } from './body.js';
import { forgeryReason, insecureHostWarning, resolveCookie, type CookieOptions } from './cookie.js';
import { scrub, warnings, type Warn } from './warnings.js';

/**
 * A web-standard request handler: Hono, Next.js route handlers, Bun, Deno and workers take it
 * as is; node:http and Express through `toNodeHandler`.
 *
 * @example
 * export const POST: WebHandler = refreshHandler({ families, signAccessToken });
 */
export type WebHandler = (request: Request) => Promise<Response>;

/**
 * Options of {@link refreshHandler}.
 *
 * @example
 * refreshHandler({ families, signAccessToken: async (sub) => ({ accessToken: await sign(sub), expiresIn: 900 }) })
 */
export interface RefreshHandlerOptions {
  families: TokenFamilies;
  /** Signs the access token for a rotation: your claims, your key, your lifetime (seconds). */
  signAccessToken(subject: string, extra: Record<string, unknown>, context: { familyId: string }): Promise<AccessToken>;
  /** Cookie mode: the refresh token in an httpOnly cookie instead of the body. */
  cookie?: CookieOptions;
  /** Server-side problems (store down, signer failing, an insecure cookie setup); default `console.warn`. */
  onWarning?: (message: string) => void;
  /** The clock for `refreshExpiresIn` and `Date` (default `Date.now`; tests inject the families' clock). */
  now?: () => number;
}

const DESCRIBE: Record<Exclude<RefusalReason, 'rate-limited'>, string> = {
  reused: 'the refresh token was already used; the session is revoked',
  expired: 'the refresh token or its session has expired',
  revoked: 'the session was revoked',
  unknown: 'the refresh token is not one this server knows',
};

/**
 * The refresh endpoint: POST `{ refreshToken }` (or, in cookie mode, the cookie and a JSON body)
 * → 200 `{ accessToken, tokenType, expiresIn, refreshToken, refreshExpiresIn, loginAt }`, the
 * shape `jsonRefresh` reads. 401 `invalid_grant` for a reused, expired, revoked or unknown token;
 * 429 with `Retry-After` for a refresh loop; 400 for malformed input; 413 above 16 kB; 403 in
 * cookie mode for a request that is not same-origin JSON; 503 when the store does not answer.
 *
 * @example
 * app.post('/auth/refresh', refreshHandler({ families, signAccessToken })); // Hono
 */
export function refreshHandler(options: RefreshHandlerOptions): WebHandler {
  const { families, signAccessToken } = options;
  const cookie = resolveCookie(options.cookie, 'refreshHandler');
  const now = options.now ?? (() => Date.now());
  const warn = warnings(options.onWarning as Warn | undefined);

  return async (request) => {
    const at = now();
    if (request.method !== 'POST') return failure(405, 'invalid_request', 'use POST', at, { headers: { allow: 'POST' } });
    if (cookie) {
      const forged = forgeryReason(request, cookie);
      if (forged) return failure(403, 'invalid_request', forged, at);
      const insecure = insecureHostWarning(request, cookie);
      if (insecure) warn.once('insecure-cookie', insecure);
    }
    const body = await readJsonObject(request);
    if (isBad(body)) return failure(body.status, body.error, body.description, at);
    const token = presentedToken(body, request, cookie);
    if (isBad(token)) return failure(token.status, token.error, token.description, at);
    if (token === undefined) {
      return cookie
        ? failure(401, 'invalid_grant', `there is no ${cookie.name} cookie: nobody is signed in here`, at)
        : failure(400, 'invalid_request', 'the body has no refreshToken', at);
    }

    let rotation;
    try {
      rotation = await families.rotate(token);
      warn.clear('store');
    } catch (error) {
      if (!isFamilyStoreError(error)) {
        warn.once('rotate', `rotate failed, refreshes answer 500: ${scrub(error instanceof Error ? error.message : String(error), [token])}`);
        return failure(500, 'server_error', 'the refresh failed on the server; try again', at);
      }
      warn.once('store', `refreshes answer 503 while the family store fails: ${error.message}`);
      return failure(503, 'temporarily_unavailable', 'the session store did not answer; try again', at, { headers: { 'retry-after': '1' } });
    }
    if (!rotation.ok) {
      if (rotation.reason === 'rate-limited') {
        const retryAfter = String(rotation.retryAfter ?? 60);
        return failure(429, 'slow_down', `too many refreshes of this session in a minute; retry after ${retryAfter} s`, at, { headers: { 'retry-after': retryAfter } });
      }
      return failure(401, 'invalid_grant', DESCRIBE[rotation.reason], at, { clear: cookie });
    }

    let access: AccessToken;
    try {
      access = await signAccessToken(rotation.subject, rotation.extra, { familyId: rotation.familyId });
      if (typeof access?.accessToken !== 'string' || !(access.expiresIn > 0)) throw new TypeError('it must resolve to { accessToken: string, expiresIn: seconds > 0 }');
      warn.clear('sign');
    } catch (error) {
      // the rotation stands: the client's retry within the grace window gets the same token
      const message = scrub(error instanceof Error ? error.message : String(error), [token, rotation.refreshToken]);
      warn.once('sign', `signAccessToken failed, refreshes answer 500: ${message}`);
      return failure(500, 'server_error', 'the access token could not be issued; try again', at);
    }
    if (rotation.accessTtl !== access.expiresIn) {
      // so that the family can tell a refresh loop from the schedule of short-lived tokens
      await families.recordAccessTtl(rotation.familyId, access.expiresIn).catch((error: unknown) => {
        warn.once('record', `could not record the access-token lifetime (loop detection waits for the next refresh): ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    return tokenAnswer(rotation, access, now(), cookie);
  };
}
