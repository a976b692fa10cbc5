import { SessionError, httpError, isTransient } from '../machine/errors.js';
import { retryAfterOf } from '../machine/retryAfter.js';
import type { RefreshFunction, TokenSet } from '../machine/types.js';
import { discoveredEndpoint } from './discovery.js';
import { tokenTypeMismatch } from '../machine/sessionDpop.js';
import { asObject, describeBody, errorCode, invalid, type HttpOptions } from './http.js';
import { proofRefused, provenRequest } from './proven.js';
import { refuseAuthorizedFetch } from './authorizedFetch.js';
import { registerEndpoint } from './credentialEndpoints.js';

/** Options of {@link oauthRefresh}. */
export interface OAuthRefreshOptions extends OAuthClient, HttpOptions {
  /** The provider's token endpoint (see `oauthRefresh.fromIssuer` to discover it). */
  tokenEndpoint: string | URL;
  /** Ask for fewer scopes than the refresh token carries (RFC 6749 §6). */
  scope?: string;
}

/**
 * How an OAuth client identifies itself at the provider (RFC 6749 §2.3.1).
 *
 * @example
 * oauthRefresh({ tokenEndpoint, clientId: 'spa' }) // public client: client_id in the body
 * oauthRevoke({ endpoint, clientId: 'backend', clientSecret: process.env.SECRET }) // HTTP Basic
 */
export interface OAuthClient {
  clientId: string;
  /** Confidential clients only: sent as HTTP Basic. Without it `client_id` goes in the body. */
  clientSecret?: string;
}

// RFC 6749 §5.2 codes that mean this refresh token will never work again.
const REJECTED = ['invalid_grant', 'invalid_client', 'unauthorized_client'];

// RFC 6749 §2.3.1 / Appendix B: application/x-www-form-urlencoded, so a space is '+'.
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

/**
 * A form POST to a provider endpoint (token, revocation) with RFC 6749 §2.3.1 client
 * authentication: HTTP Basic over the form-encoded id and secret for confidential clients,
 * `client_id` in the body for public ones. Never Bearer.
 */
export function clientPost(client: OAuthClient, body: URLSearchParams): RequestInit {
  const { clientId, clientSecret } = client;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (clientSecret !== undefined) headers.authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
  else body.set('client_id', clientId);
  return { method: 'POST', headers, body: body.toString() };
}

/** Reads seconds from a number or a numeric string; anything else is "not given". */
const seconds = (value: unknown) => {
  const n = typeof value === 'string' ? parseFloat(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** The refresh_token grant behind {@link oauthRefresh}. */
function refreshGrant(options: OAuthRefreshOptions): RefreshFunction {
  refuseAuthorizedFetch(options.fetch, 'oauthRefresh');
  const { tokenEndpoint, scope } = options;
  registerEndpoint(tokenEndpoint);
  return async ({ refreshToken, signal, dpop }) => {
    if (refreshToken === undefined) throw new SessionError('rejected', 'there is no refresh token to send');
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (scope !== undefined) body.set('scope', scope);
    const secrets = [refreshToken];
    const init = clientPost(options, body);
    const what = `the refresh request to ${String(tokenEndpoint)}`;
    const { response, json } = await provenRequest(what, tokenEndpoint, init, signal, options, secrets, dpop);
    const o = asObject(json) ?? {};
    const code = errorCode(o);
    const detail = describeBody(o, secrets);
    if (!response.ok) {
      const { status } = response;
      const text = `token endpoint answered ${status}${detail ? ` (${detail})` : ''}`;
      if (code !== undefined && REJECTED.includes(code)) throw new SessionError('rejected', text, { status });
      if (proofRefused(code)) throw new SessionError('http', text); // the proof, not the refresh token
      const retryAfter = retryAfterOf(response.headers);
      if (code === 'temporarily_unavailable') {
        const error = new SessionError('http', text, { status, retryAfter });
        // the session retries http errors with a 5xx/408/429 status, or with none
        throw isTransient(error) ? error : new SessionError('http', text, { retryAfter });
      }
      throw httpError(status, detail, undefined, retryAfter);
    }
    const { access_token: accessToken, refresh_token: rotated, token_type: type } = o;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw invalid(`the token endpoint answered ${response.status} without an access_token${detail ? ` (${detail})` : ''}`);
    }
    if (rotated != null && typeof rotated !== 'string') throw invalid('the token response has a refresh_token that is not a string');
    if (type !== undefined && typeof type !== 'string') throw invalid('the token response has a token_type that is not a string');
    // a DPoP session takes DPoP-bound tokens only: a Bearer (or untyped) answer is no downgrade to accept
    const mismatch = dpop && type === undefined ? 'the token response has no token_type but the session asked for DPoP-bound tokens' : tokenTypeMismatch(type, dpop !== undefined);
    if (mismatch !== null) throw invalid(mismatch);
    const tokens: TokenSet = { accessToken };
    if (typeof rotated === 'string') tokens.refreshToken = rotated; // else the session keeps the old one
    const expiresIn = seconds(o.expires_in);
    if (expiresIn !== undefined) tokens.expiresIn = expiresIn;
    // Keycloak says refresh_expires_in, Entra ID / GitHub refresh_token_expires_in
    const refreshExpiresIn = seconds(o.refresh_expires_in ?? o.refresh_token_expires_in);
    if (refreshExpiresIn !== undefined) tokens.refreshExpiresIn = refreshExpiresIn;
    const date = Date.parse(response.headers.get('date') ?? '');
    if (!Number.isNaN(date)) tokens.serverDate = date;
    return tokens;
  };
}

/** Options of `oauthRefresh.fromIssuer`: those of {@link oauthRefresh} but the endpoint. */
export type OAuthIssuerOptions = Omit<OAuthRefreshOptions, 'tokenEndpoint'>;

/** Discovery, then {@link refreshGrant}; see `oauthRefresh.fromIssuer`. */
function fromIssuer(issuer: string | URL, options: OAuthIssuerOptions): RefreshFunction {
  refuseAuthorizedFetch(options.fetch, 'oauthRefresh.fromIssuer');
  return async (context) => {
    const tokenEndpoint = await discoveredEndpoint(issuer, 'token_endpoint', options, context.signal);
    return refreshGrant({ ...options, tokenEndpoint })(context);
  };
}

/**
 * A refresh function for any OAuth 2.0 / OpenID Connect provider (Keycloak, Auth0, Cognito,
 * Entra ID, …): the RFC 6749 §6 `refresh_token` grant, form-encoded. In a DPoP session
 * (`createSession({ dpop })`) each request carries a proof (one retry after `use_dpop_nonce`)
 * and an answer whose `token_type` is not `DPoP` is `invalid-response`. Public clients send
 * `client_id`; confidential ones authenticate with HTTP Basic, never Bearer. A response
 * without `refresh_token` keeps the current one; `expires_in` and the `Date` header give the
 * expiry of opaque access tokens; `refresh_expires_in` (Keycloak) or `refresh_token_expires_in`
 * becomes `refreshExpiresIn`. `invalid_grant`, `invalid_client` and `unauthorized_client`
 * are `rejected` (log in again); `temporarily_unavailable`, 5xx and 429 are transient `http`
 * errors; a 200 without a string `access_token` is `invalid-response`.
 *
 * @example
 * createSession({
 *   refresh: oauthRefresh({ tokenEndpoint: 'https://id.example.com/oauth/token', clientId: 'spa' }),
 * })
 * // or discover the token endpoint (read once) from the issuer:
 * createSession({ refresh: oauthRefresh.fromIssuer('https://id.example.com/realms/app', { clientId: 'spa' }) })
 */
export const oauthRefresh: {
  (options: OAuthRefreshOptions): RefreshFunction;
  /**
   * Like `oauthRefresh`, with `token_endpoint` read from the issuer's
   * `/.well-known/openid-configuration` on the first refresh. The document is kept for the
   * page (one read per issuer, shared with `oauthRevoke.fromIssuer`); a failed read is not,
   * and is tried again on the next refresh.
   *
   * @example
   * oauthRefresh.fromIssuer('https://tenant.auth0.com/', { clientId: 'spa' })
   */
  fromIssuer(issuer: string | URL, options: OAuthIssuerOptions): RefreshFunction;
} = /* @__PURE__ */ Object.assign(refreshGrant, { fromIssuer });
