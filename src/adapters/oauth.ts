import { SessionError, httpError, isTransient } from '../machine/errors.js';
import { after } from '../machine/timer.js';
import type { RefreshFunction, TokenSet } from '../machine/types.js';
import { refuseAuthorizedFetch } from './authorizedFetch.js';

/** Options of {@link oauthRefresh}. */
export interface OAuthRefreshOptions {
  /** The provider's token endpoint (see `oauthRefresh.fromIssuer` to discover it). */
  tokenEndpoint: string | URL;
  clientId: string;
  /** Confidential clients only: sent as HTTP Basic. Without it `client_id` goes in the body. */
  clientSecret?: string;
  /** Ask for fewer scopes than the refresh token carries (RFC 6749 §6). */
  scope?: string;
  fetch?: typeof fetch;
  /** Hard cap in ms on one request, after which it is aborted (default 30 000). */
  timeout?: number;
}

// RFC 6749 §5.2 codes that mean this refresh token will never work again.
const REJECTED = ['invalid_grant', 'invalid_client', 'unauthorized_client'];

const invalid = (message: string) => new SessionError('invalid-response', message);

// RFC 6749 §2.3.1 / Appendix B: application/x-www-form-urlencoded, so a space is '+'.
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

/** The refresh_token grant behind {@link oauthRefresh}. */
function refreshGrant(options: OAuthRefreshOptions): RefreshFunction {
  refuseAuthorizedFetch(options.fetch, 'oauthRefresh');
  const { tokenEndpoint, clientId, clientSecret, scope } = options;
  return async ({ refreshToken, signal }) => {
    if (refreshToken === undefined) throw new SessionError('rejected', 'there is no refresh token to send');
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (scope !== undefined) body.set('scope', scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64ed.
    if (clientSecret !== undefined) headers.authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
    else body.set('client_id', clientId);

    const { response, json } = await send(options, tokenEndpoint, { method: 'POST', headers, body: body.toString() }, signal);
    const o = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
    const code = typeof o.error === 'string' ? o.error.slice(0, 60) : undefined;
    if (!response.ok) {
      const { status } = response;
      const text = `token endpoint answered ${status}${code ? ` (${code})` : ''}`;
      if (code !== undefined && REJECTED.includes(code)) throw new SessionError('rejected', text, { status });
      if (code === 'temporarily_unavailable') {
        const error = new SessionError('http', text, { status });
        // the session retries http errors with a 5xx/408/429 status, or with none
        throw isTransient(error) ? error : new SessionError('http', text);
      }
      throw httpError(status, code);
    }
    const { access_token: accessToken, refresh_token: rotated, expires_in: expiresIn, token_type: type } = o;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw invalid(`the token endpoint answered ${response.status} without an access_token${code ? ` (${code})` : ''}`);
    }
    if (rotated != null && typeof rotated !== 'string') throw invalid('the token response has a refresh_token that is not a string');
    if (type !== undefined && typeof type !== 'string') throw invalid('the token response has a token_type that is not a string');
    const tokens: TokenSet = { accessToken };
    if (typeof rotated === 'string') tokens.refreshToken = rotated; // else the session keeps the old one
    const seconds = typeof expiresIn === 'string' ? parseFloat(expiresIn) : typeof expiresIn === 'number' ? expiresIn : NaN;
    if (Number.isFinite(seconds)) tokens.expiresIn = seconds;
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
  const url = `${String(issuer).replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let refresh: Promise<RefreshFunction> | null = null;
  const discover = async () => {
    // Shared by every refresh waiting for it, so no caller's abort ends it; `timeout` bounds it.
    const { response, json } = await send(options, url, { headers: { accept: 'application/json' } }, new AbortController().signal);
    // Whatever the status, the refresh token was not refused: never 'rejected' here.
    if (!response.ok) throw new SessionError('http', `discovery at ${url} answered ${response.status}`, { status: response.status });
    const endpoint = (json as { token_endpoint?: unknown } | undefined)?.token_endpoint;
    if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) throw invalid(`discovery at ${url} has no token_endpoint`);
    return refreshGrant({ ...options, tokenEndpoint: endpoint });
  };
  return async (context) => {
    const pending = (refresh ??= discover());
    pending.catch(() => {
      if (refresh === pending) refresh = null;
    });
    // The discovery goes on for the next caller; this caller stops waiting when it aborts.
    const { signal } = context;
    let stopWaiting = () => {};
    const aborted = new Promise<never>((_, reject) => {
      stopWaiting = () => reject(new SessionError('aborted', 'the refresh request was aborted', { cause: signal.reason }));
      if (signal.aborted) stopWaiting();
      else signal.addEventListener('abort', stopWaiting, { once: true });
    });
    try {
      return (await Promise.race([pending, aborted]))(context);
    } finally {
      signal.removeEventListener('abort', stopWaiting);
    }
  };
}

/**
 * A refresh function for any OAuth 2.0 / OpenID Connect provider (Keycloak, Auth0, Cognito,
 * Entra ID, …): the RFC 6749 §6 `refresh_token` grant, form-encoded. Public clients send
 * `client_id`; confidential ones authenticate with HTTP Basic, never Bearer. A response
 * without `refresh_token` keeps the current one; `expires_in` and the `Date` header give the
 * expiry of opaque access tokens. `invalid_grant`, `invalid_client` and `unauthorized_client`
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
   * `/.well-known/openid-configuration` on the first refresh. The answer is kept; a failed
   * discovery is not, and is tried again on the next refresh.
   *
   * @example
   * oauthRefresh.fromIssuer('https://tenant.auth0.com/', { clientId: 'spa' })
   */
  fromIssuer(issuer: string | URL, options: OAuthIssuerOptions): RefreshFunction;
} = /* @__PURE__ */ Object.assign(refreshGrant, { fromIssuer });

/** One request with a hard timeout; its body read as JSON (undefined when it is not). */
async function send(
  options: Pick<OAuthRefreshOptions, 'fetch' | 'timeout'>,
  url: string | URL,
  init: RequestInit,
  signal: AbortSignal,
): Promise<{ response: Response; json: unknown }> {
  const { timeout = 30_000 } = options;
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  if (signal.aborted) abort();
  const cancel = after(timeout, () => controller.abort());
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(url, { ...init, signal: controller.signal });
    text = await response.text();
  } catch (cause) {
    if (signal.aborted) throw new SessionError('aborted', 'the refresh request was aborted', { cause });
    if (controller.signal.aborted) throw new SessionError('timeout', `the request to ${String(url)} took longer than ${timeout} ms`, { cause });
    throw new SessionError('network', `the request to ${String(url)} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  } finally {
    cancel();
    signal.removeEventListener('abort', abort);
  }
  try {
    return { response, json: JSON.parse(text) as unknown };
  } catch {
    return { response, json: undefined };
  }
}
