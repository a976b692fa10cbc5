import { SessionError } from '../machine/errors.js';
import type { RevokeContext, RevokeFunction } from '../machine/types.js';
import { discoveredEndpoint } from './discovery.js';
import { describeBody, request, type HttpAnswer, type HttpOptions } from './http.js';
import { clientPost, type OAuthClient } from './oauth.js';
import { provenRequest } from './proven.js';
import { tokenPost } from './refresh.js';

/**
 * Options of {@link jsonRevoke}.
 *
 * @example
 * jsonRevoke({ url: '/auth/revoke', field: 'refresh_token', timeout: 5_000 })
 */
export interface JsonRevokeOptions extends HttpOptions {
  /** The revocation (logout) endpoint; it receives a POST. */
  url: string | URL;
  /** JSON body field that carries the refresh token (default `refreshToken`). */
  field?: string;
  /** Send the refresh token in this header (e.g. `X-Refresh-Token`) instead of the JSON body. */
  header?: string;
  /** `'include'` for cookie mode: the httpOnly cookie tells the server which token to revoke. */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** A non-2xx answer to a revocation, as a SessionError of kind `http` whose text holds no token. */
function refused(what: string, { response, json }: HttpAnswer, secrets: ReadonlyArray<string | undefined>): SessionError {
  const detail = describeBody(json, secrets);
  return new SessionError('http', `${what} answered ${response.status}${detail ? ` (${detail})` : ''}`, { status: response.status });
}

/**
 * A revoke function (the session's `revoke` option) for a JSON endpoint: it POSTs
 * `{ refreshToken }` (or `field`, or the `header` you name), or in cookie mode
 * (`credentials: 'include'`, no refresh token) an empty body with the cookie. Never the access
 * token, never as Bearer. With neither a refresh token nor cookie mode there is nothing to
 * revoke and nothing is sent. A non-2xx answer rejects with a SessionError of kind `http`; a
 * refused connection `network`; past `timeout` (default 30 s) `timeout`.
 *
 * @example
 * createSession({
 *   refresh: jsonRefresh({ url: '/auth/refresh' }),
 *   revoke: jsonRevoke({ url: '/auth/revoke' }),
 * })
 */
export function jsonRevoke(options: JsonRevokeOptions): RevokeFunction {
  const { url, credentials } = options;
  return async ({ refreshToken, signal }) => {
    if (refreshToken === undefined && credentials !== 'include') return;
    const secrets = [refreshToken];
    const answer = await request('the revocation request', url, tokenPost(options, refreshToken), signal, options, secrets);
    if (!answer.response.ok) throw refused('revocation endpoint', answer, secrets);
  };
}

/**
 * Options of {@link oauthRevoke}.
 *
 * @example
 * oauthRevoke({ endpoint: 'https://id.example.com/oauth/revoke', clientId: 'spa' })
 */
export interface OAuthRevokeOptions extends OAuthClient, HttpOptions {
  /** The provider's `revocation_endpoint` (see `oauthRevoke.fromIssuer` to discover it). */
  endpoint: string | URL;
}

/**
 * Options of `oauthRevoke.fromIssuer`: those of {@link oauthRevoke} but the endpoint.
 *
 * @example
 * oauthRevoke.fromIssuer('https://id.example.com/realms/app', { clientId: 'spa' })
 */
export type OAuthRevokeIssuerOptions = Omit<OAuthRevokeOptions, 'endpoint'>;

/** The RFC 7009 request behind {@link oauthRevoke}. */
function revokeToken(options: OAuthRevokeOptions): RevokeFunction {
  return async ({ refreshToken, signal, dpop }: RevokeContext) => {
    // Revoking the refresh token ends its grant, access tokens included (RFC 7009 §2.1).
    if (refreshToken === undefined) return;
    const body = new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' });
    const { endpoint } = options;
    const secrets = [refreshToken];
    // a DPoP-bound refresh token is proven here too (the key is deleted only after this settles)
    const answer = await provenRequest(`the revocation request to ${String(endpoint)}`, endpoint, clientPost(options, body), signal, options, secrets, dpop);
    if (!answer.response.ok) throw refused('revocation endpoint', answer, secrets);
  };
}

/** Discovery, then {@link revokeToken}; see `oauthRevoke.fromIssuer`. */
function fromIssuer(issuer: string | URL, options: OAuthRevokeIssuerOptions): RevokeFunction {
  return async (context) => {
    if (context.refreshToken === undefined) return;
    const endpoint = await discoveredEndpoint(issuer, 'revocation_endpoint', options, context.signal);
    return revokeToken({ ...options, endpoint })(context);
  };
}

/**
 * A revoke function (the session's `revoke` option) for an OAuth 2.0 / OpenID Connect
 * provider: the RFC 7009 form POST `token=<refresh token>&token_type_hint=refresh_token`, with
 * `client_id` for public clients or HTTP Basic for confidential ones (as `oauthRefresh`).
 * Revoking the refresh token ends its grant at the provider. A session without a refresh token
 * sends nothing. A non-2xx answer rejects with a SessionError of kind `http`; a provider that
 * cannot be reached `network`.
 *
 * @example
 * createSession({
 *   refresh: oauthRefresh.fromIssuer('https://id.example.com/realms/app', { clientId: 'spa' }),
 *   revoke: oauthRevoke.fromIssuer('https://id.example.com/realms/app', { clientId: 'spa' }),
 * })
 */
export const oauthRevoke: {
  (options: OAuthRevokeOptions): RevokeFunction;
  /**
   * Like `oauthRevoke`, with the endpoint read from the issuer's discovery document
   * (`revocation_endpoint`). One read per issuer for the page, shared with
   * `oauthRefresh.fromIssuer`; a failed read is tried again next time.
   *
   * @example
   * oauthRevoke.fromIssuer('https://tenant.auth0.com/', { clientId: 'spa' })
   */
  fromIssuer(issuer: string | URL, options: OAuthRevokeIssuerOptions): RevokeFunction;
} = /* @__PURE__ */ Object.assign(revokeToken, { fromIssuer });
