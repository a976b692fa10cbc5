import { isFamilyStoreError } from '../errors.js';
import type { IssuedRefresh, TokenFamilies } from '../types.js';
import { failure, json, tokenAnswer, type AccessToken } from './answers.js';
import { isBad, presentedToken, readJsonObject } from './body.js';
import { clearCookie, forgeryReason, resolveCookie, type CookieOptions } from './cookie.js';
import type { WebHandler } from './refreshHandler.js';
import { warnings } from './warnings.js';

/**
 * Options of {@link revokeHandler}.
 *
 * @example
 * revokeHandler({ families, cookie: {} })
 */
export interface RevokeHandlerOptions {
  families: TokenFamilies;
  /** Cookie mode: the token comes from the cookie, and the answer clears it. */
  cookie?: CookieOptions;
  /** Server-side problems (a store that fails); default `console.warn`. */
  onWarning?: (message: string) => void;
  now?: () => number;
}

/**
 * The logout endpoint (RFC 7009 semantics): POST `{ refreshToken }` (or the cookie) ends the
 * token's family and answers 200 `{}` for any token, known or not. Cookie mode clears the cookie
 * and applies the same same-origin JSON check as the refresh. 503 when the store does not answer.
 *
 * @example
 * app.post('/auth/logout', revokeHandler({ families })); // Hono; the client: jsonRevoke({ url: '/auth/logout' })
 */
export function revokeHandler(options: RevokeHandlerOptions): WebHandler {
  const { families } = options;
  const cookie = resolveCookie(options.cookie, 'revokeHandler');
  const now = options.now ?? (() => Date.now());
  const warn = warnings(options.onWarning);

  return async (request) => {
    const at = now();
    if (request.method !== 'POST') return failure(405, 'invalid_request', 'use POST', at, { headers: { allow: 'POST' } });
    if (cookie) {
      const forged = forgeryReason(request, cookie);
      if (forged) return failure(403, 'invalid_request', forged, at);
    }
    const body = await readJsonObject(request);
    if (isBad(body)) return failure(body.status, body.error, body.description, at);
    const token = presentedToken(body, request, cookie);
    if (isBad(token)) return failure(token.status, token.error, token.description, at);
    if (token === undefined && !cookie) return failure(400, 'invalid_request', 'the body has no refreshToken', at);
    if (token !== undefined) {
      try {
        await families.revoke(token);
        warn.clear('store');
      } catch (error) {
        if (!isFamilyStoreError(error)) throw error;
        warn.once('store', `revocations answer 503 while the family store fails: ${error.message}`);
        return failure(503, 'temporarily_unavailable', 'the session store did not answer; try again', at, { headers: { 'retry-after': '1' } });
      }
    }
    return json(200, {}, at, {}, cookie ? [clearCookie(cookie)] : []);
  };
}

/**
 * The login answer, in the refresh answer's shape (so `session.login(await res.json())` works),
 * and in cookie mode with the refresh cookie set exactly as the handlers expect it.
 *
 * @example
 * const issued = await families.issue(user.id);
 * return loginResponse(issued, await signAccessToken(user.id, {}, issued), { cookie: {} });
 */
export function loginResponse(issued: IssuedRefresh, access: AccessToken, options: { cookie?: CookieOptions; now?: () => number } = {}): Response {
  const now = options.now ?? (() => Date.now());
  return tokenAnswer(issued, access, now(), resolveCookie(options.cookie, 'loginResponse'));
}
