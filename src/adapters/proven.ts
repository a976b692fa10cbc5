import type { DpopPort } from '../machine/ports.js';
import { endpointUrl } from './endpoint.js';
import { request, type HttpAnswer, type HttpOptions } from './http.js';

/**
 * `request()` with a DPoP proof when the session has a binding (RFC 9449 §5: a public client's
 * refresh token is bound to the key, so its refresh and revocation prove it): a fresh proof per
 * send, without `ath` (no access token goes to a token endpoint). An authorization server's
 * `400 use_dpop_nonce` (or a resource server's nonce challenge) gets one retry with the nonce it
 * sent; a second challenge is the answer. Without a binding, `request()` as is.
 */
export async function provenRequest(
  what: string,
  url: string | URL,
  init: RequestInit,
  signal: AbortSignal,
  options: HttpOptions,
  secrets: ReadonlyArray<string | undefined>,
  dpop: DpopPort | undefined,
): Promise<HttpAnswer> {
  if (!dpop) return request(what, url, init, signal, options, secrets);
  const target = endpointUrl(url, what);
  for (let sent = 1; ; sent++) {
    const headers = new Headers(init.headers);
    headers.set('dpop', await dpop.proof({ method: init.method ?? 'GET', url: target }));
    const answer = await request(what, target, { ...init, headers }, signal, options, secrets);
    const { response, json } = answer;
    const challenged = dpop.observe({ url: target, status: response.status, header: (name) => response.headers.get(name), body: json });
    if (!challenged || sent === 2) return answer;
  }
}

/**
 * A token endpoint's word about the proof, not the refresh token (`use_dpop_nonce` after the one
 * retry, `invalid_dpop_proof`): a transient failure the session retries later, never `rejected`,
 * which would log the user out with a refresh token that still works.
 */
export const proofRefused = (code: string | undefined): boolean => code === 'use_dpop_nonce' || code === 'invalid_dpop_proof';
