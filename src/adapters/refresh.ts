import { SessionError, httpError, isSessionError } from '../machine/errors.js';
import { sanitizeCause } from '../machine/cause.js';
import { cleanText, redact, secretsIn } from '../machine/redact.js';
import type { RefreshFunction, TokenSet } from '../machine/types.js';
import { errorMessage } from '../machine/util.js';
import { retryAfterOf } from '../machine/retryAfter.js';
import { asObject, describeBody, errorCode, invalid, type HttpOptions } from './http.js';
import { proofRefused, provenRequest } from './proven.js';
import { refuseAuthorizedFetch } from './authorizedFetch.js';
import { registerEndpoint } from './credentialEndpoints.js';
import { msg } from '../machine/dev.js';

/**
 * Options of {@link jsonRefresh}; see its documentation for the answers it reads.
 *
 * @example
 * jsonRefresh({ url: '/auth/refresh', field: 'refresh_token', headers: { 'X-App': 'web' } })
 */
export interface JsonRefreshOptions extends HttpOptions {
  /** The refresh endpoint; it receives a POST. */
  url: string | URL;
  /** Send the refresh token in this header (e.g. `X-Refresh-Token`) instead of the JSON body. */
  header?: string;
  /** JSON body field that carries the refresh token (default `refreshToken`). */
  field?: string;
  /** `'include'` for cookie mode, where an httpOnly cookie carries the refresh token. */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * Maps a 2xx answer to tokens, for shapes the default reading does not know. `body` is the
   * parsed JSON, or the raw text when the body is not JSON (empty: `''`). Throw a SessionError
   * to say how it failed (e.g. kind `rejected` for a body that says the refresh token is dead);
   * anything else it throws is an `invalid-response`.
   */
  parse?: (body: unknown, response: Response) => TokenSet;
  /**
   * `true`: in a DPoP session (`createSession({ dpop })`) the request carries a `DPoP` proof for
   * your endpoint (which binds the tokens it issues to that key), with one retry after a
   * `400 { error: 'use_dpop_nonce' }` or a nonce challenge. Default: no proof.
   */
  dpop?: boolean;
}

/**
 * A refresh function for JSON endpoints. It never sends the refresh token as
 * `Authorization: Bearer`, and it reads the body rather than trusting `res.ok`.
 *
 * Answers it reads without `parse`: the access token from `accessToken`, `access_token` or
 * `token`; `refreshToken` / `refresh_token`; `expiresIn` / `expires_in` (seconds) or `expiresAt`
 * (epoch ms); `refreshExpiresIn` / `refresh_expires_in` / `refresh_token_expires_in` (seconds);
 * when the login happened, `loginAt` (epoch ms) or `auth_time` (epoch seconds), for
 * `maxSessionAge`; at the top level or wrapped one level deep in `data` or `result`. An answer
 * that is the access token itself is read too: a text body (`text/plain`, not JSON), a JSON
 * string, or `data` / `result` as a string (`{ code: 0, data: "<token>" }`); the refresh token is
 * then kept.
 *
 * Failures: 400/401/403 and `invalid_grant` are `rejected` (the user must log in again), and so
 * is a 200 whose body says `code` (or `status`) 401 or 403; another failure code in a 200
 * (`{ code: 500 }`, `{ success: false }`, an `error`), a body without an access token, or one
 * that is not JSON is `invalid-response`; 5xx, 408 and 429 are transient `http` errors. Error
 * messages never hold the refresh token, nor anything in server text that looks like a token.
 *
 * @example
 * createSession({ refresh: jsonRefresh({ url: '/auth/refresh' }) })
 * createSession({ refresh: jsonRefresh({ url: '/auth/refresh', credentials: 'include' }) }) // cookie mode
 */
export function jsonRefresh(options: JsonRefreshOptions): RefreshFunction {
  refuseAuthorizedFetch(options.fetch, 'jsonRefresh');
  const { url, credentials, parse } = options;
  registerEndpoint(url);
  return async ({ refreshToken, signal, dpop }) => {
    if (refreshToken === undefined && credentials !== 'include') {
      throw new SessionError('rejected', process.env.NODE_ENV !== 'production' ? 'there is no refresh token to send (cookie mode needs credentials: "include")' : msg('no-refresh-token'));
    }
    const secrets = [refreshToken];
    const init = tokenPost(options, refreshToken);
    const binding = options.dpop === true ? dpop : undefined;
    const { response, json, text } = await provenRequest('the refresh request', url, init, signal, options, secrets, binding);
    const { status } = response;
    if (!response.ok) {
      const detail = describeBody(json, secrets);
      if (errorCode(json) === 'invalid_grant') throw new SessionError('rejected', `refresh endpoint answered ${status} (${detail})`, { status });
      if (binding && proofRefused(errorCode(json))) throw new SessionError('http', `refresh endpoint answered ${status} (${detail})`);
      throw httpError(status, detail, undefined, retryAfterOf(response.headers));
    }
    let tokens: TokenSet;
    try {
      // not JSON: parse() reads the raw text; without it, a body that is the token itself
      if (parse) tokens = parse(json === undefined ? text : json, response);
      else tokens = json === undefined ? fromText(text, response, status) : toTokenSet(json, status, secrets);
    } catch (error) {
      if (isSessionError(error)) throw error;
      // a parse() that throws on this answer will throw on the next one too: not worth a retry;
      // its error may quote the answer, whose new tokens are secrets too (a text body may be one)
      const known = [...secrets, ...secretsIn(json), ...(json === undefined ? [text.trim()] : [])];
      const message = process.env.NODE_ENV !== 'production' ? `parse() could not read the refresh answer: ${cleanText(errorMessage(error), known)}` : msg('parse-threw');
      throw new SessionError('invalid-response', message, { cause: sanitizeCause(error, known) });
    }
    const date = Date.parse(response.headers.get('date') ?? '');
    return Number.isNaN(date) || tokens.serverDate !== undefined ? tokens : { ...tokens, serverDate: date };
  };
}

/** The POST of a JSON token endpoint: the refresh token in `field` or `header`, never as Bearer. */
export function tokenPost(options: Pick<JsonRefreshOptions, 'header' | 'field' | 'credentials' | 'headers'>, refreshToken: string | undefined): RequestInit {
  const { header, field = 'refreshToken', credentials } = options;
  // Headers, so that a caller's `Content-Type` replaces the default whatever its case
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  const body: Record<string, string> = {};
  if (refreshToken !== undefined) {
    if (header) {
      try {
        headers.set(header, refreshToken);
      } catch {
        throw invalid(process.env.NODE_ENV !== 'production' ? `the refresh token (${redact(refreshToken)}) cannot be sent in the ${header} header` : msg('refresh-header'));
      }
    } else body[field] = refreshToken;
  }
  return { method: 'POST', headers, body: JSON.stringify(body), ...(credentials ? { credentials } : {}) };
}

const ACCESS = ['accessToken', 'access_token', 'token'] as const;
const WRAPPERS = ['data', 'result'] as const;
const REJECTED_CODES = new Set([401, 403]);

/** A number, or a numeric string; null, '' and the like mean "not given". */
function seconds(value: unknown): number | undefined {
  const n = typeof value === 'number' || (typeof value === 'string' && value.trim() !== '') ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

// A token as RFC 6750 spells one (b64token: JWTs, opaque tokens), long enough not to be a word.
const TOKEN_TEXT = /^[A-Za-z0-9\-._~+/]{16,}=*$/;

/** A body that is the access token itself (`text/plain`), or else what it is instead. */
function fromText(text: string, response: Response, status: number): TokenSet {
  const token = text.trim();
  const type = response.headers.get('content-type') ?? '';
  if (token === '') throw invalid(process.env.NODE_ENV !== 'production' ? `the refresh endpoint answered ${status} without a body` : msg('empty-answer'));
  if (!/json|html|xml/i.test(type) && TOKEN_TEXT.test(token)) return { accessToken: token };
  const what = /html/i.test(type) || token.startsWith('<') ? 'an HTML or XML page' : /json/i.test(type) ? 'JSON it could not parse' : 'text that is not a token';
  throw invalid(process.env.NODE_ENV !== 'production' ? `the refresh endpoint answered ${status} with ${what}; pass \`parse\` to read it (it receives the raw text)` : msg('not-json'));
}

function toTokenSet(json: unknown, status: number, secrets: ReadonlyArray<string | undefined>): TokenSet {
  // a JSON string: the token itself
  if (typeof json === 'string' && TOKEN_TEXT.test(json)) return { accessToken: json };
  const outer = asObject(json);
  if (!outer) throw invalid(process.env.NODE_ENV !== 'production' ? `the refresh endpoint answered ${status} with JSON that is not an object; pass \`parse\` to read it` : msg('not-json'));
  const { code } = outer;
  // DESIGN rule 4: a 200 whose body says 401/403 means the refresh token is dead
  const said = [code, outer.status, outer.statusCode].map(seconds).find((n) => n !== undefined && REJECTED_CODES.has(n));
  const failed = (code !== undefined && code !== 0 && code !== '0' && code !== 200 && code !== '200') || outer.success === false || (outer.error != null && outer.error !== false);
  if (said !== undefined || failed) {
    const detail = describeBody(outer, secrets) ?? `code ${String(code)}`;
    if (said !== undefined) throw new SessionError('rejected', process.env.NODE_ENV !== 'production' ? `the refresh endpoint answered ${status} but its body says ${said}: the refresh token was refused (${detail})` : msg('body-rejected'));
    throw invalid(process.env.NODE_ENV !== 'production' ? `the refresh endpoint answered ${status} but its body says it failed (${detail}); other success codes than 0 and 200 need \`parse\`` : msg('body-failed'));
  }
  // `{ code: 0, data: "<token>" }`: the wrapper holds the token itself
  const bare = WRAPPERS.map((k) => outer[k]).find((v): v is string => typeof v === 'string' && TOKEN_TEXT.test(v));
  if (bare !== undefined && !ACCESS.some((k) => outer[k] !== undefined)) return { accessToken: bare };
  const b = [outer, ...WRAPPERS.map((k) => asObject(outer[k]))].find((o) => o && ACCESS.some((k) => o[k] !== undefined)) ?? outer;
  const accessToken = b.accessToken ?? b.access_token ?? b.token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    if (process.env.NODE_ENV === 'production') throw invalid(msg('no-access-token'));
    const keys = (o: Record<string, unknown> | undefined) => Object.keys(o ?? {}).map((k) => k.slice(0, 24));
    const found = [...keys(outer), ...WRAPPERS.flatMap((w) => keys(asObject(outer[w])).map((k) => `${w}.${k}`))];
    throw invalid(
      `the refresh answer has no access token: looked for ${ACCESS.join(', ')}, at the top level and in ${WRAPPERS.join(' or ')}; ` +
        `found ${found.slice(0, 12).join(', ') || 'nothing'}. Pass \`parse\` to read another shape (\`field\` names the refresh token in the request)`,
    );
  }
  const refreshToken = b.refreshToken ?? b.refresh_token;
  if (refreshToken != null && typeof refreshToken !== 'string') throw invalid(process.env.NODE_ENV !== 'production' ? 'the refresh answer has a refresh token that is not a string' : msg('refresh-token-type'));
  const set: TokenSet = { accessToken };
  if (typeof refreshToken === 'string') set.refreshToken = refreshToken;
  const expiresIn = seconds(b.expiresIn ?? b.expires_in);
  if (expiresIn !== undefined) set.expiresIn = expiresIn;
  if (typeof b.expiresAt === 'number') set.expiresAt = b.expiresAt;
  const refreshExpiresIn = seconds(b.refreshExpiresIn ?? b.refresh_expires_in ?? b.refresh_token_expires_in);
  if (refreshExpiresIn !== undefined) set.refreshExpiresIn = refreshExpiresIn;
  // when the login happened, the server's word (DESIGN rule 14): loginAt in ms, auth_time in s
  const loginAt = seconds(b.loginAt);
  const authTime = seconds(b.auth_time);
  if (loginAt !== undefined) set.loginAt = loginAt;
  else if (authTime !== undefined) set.loginAt = authTime * 1000;
  return set;
}
