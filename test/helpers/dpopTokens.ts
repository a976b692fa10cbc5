import type { DpopBinding } from '../../src/dpop.js';
import { REDIRECT_URI, type OidcProvider } from './oidcProvider.js';

// The client half of DPoP at a real authorization server, driven by test code with the
// binding's proofs (phase 2 moves this into oauthRefresh / oauthRevoke): every token-endpoint
// request carries a proof without `ath`; a `400 use_dpop_nonce` is answered by one retry with
// the nonce the binding remembered from it, never two.

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  /** How many requests it took (2 after a nonce challenge). */
  sent: number;
}

/** POSTs a form to `url` with a fresh proof; one retry after a nonce challenge. */
export async function postWithProof(binding: DpopBinding | null, url: string, form: Record<string, string>): Promise<TokenAnswer> {
  for (let sent = 1; ; sent++) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (binding) headers.dpop = await binding.proof({ method: 'POST', url });
    const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
    const text = await response.text();
    const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    const challenged = binding?.observe({ url: response.url, status: response.status, body, header: (n) => response.headers.get(n) }) ?? false;
    if (!challenged || sent === 2) return { status: response.status, body, sent };
  }
}

/**
 * Signs in as `account` through the authorization-code flow with PKCE, the code bound to the
 * binding's key by `dpop_jkt` (RFC 9449 §10) unless `jkt` is null, and exchanged with a proof.
 */
export async function dpopSignIn(
  op: OidcProvider,
  binding: DpopBinding | null,
  options: { clientId?: string; jkt?: string | null; scope?: string; exchangeWith?: DpopBinding | null } = {},
): Promise<TokenAnswer> {
  const { clientId = 'spa-dpop', scope = 'openid offline_access' } = options;
  const jkt = options.jkt === undefined ? await binding?.thumbprint() : options.jkt;
  const extra: Record<string, string> = { scope };
  if (jkt) extra.dpop_jkt = jkt;
  const { code, verifier } = await op.authorize(clientId, 'alice', extra);
  const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: clientId };
  return postWithProof(options.exchangeWith === undefined ? binding : options.exchangeWith, `${op.issuer}/token`, form);
}

/** The refresh_token grant with a proof. */
export function dpopRefresh(op: OidcProvider, binding: DpopBinding | null, refreshToken: string, clientId = 'spa-dpop'): Promise<TokenAnswer> {
  return postWithProof(binding, `${op.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
}

/** Revocation (RFC 7009) with a proof. */
export function dpopRevoke(op: OidcProvider, binding: DpopBinding | null, token: string, clientId = 'spa-dpop'): Promise<TokenAnswer> {
  return postWithProof(binding, `${op.issuer}/token/revocation`, { token, client_id: clientId });
}

/** A GET with `Authorization: DPoP token` and a proof; one retry after a resource server's nonce challenge. */
export async function getWithProof(binding: DpopBinding, url: string, token: string, scheme = 'DPoP') {
  for (let sent = 1; ; sent++) {
    const proof = await binding.proof({ method: 'GET', url, accessToken: token });
    const response = await fetch(url, { headers: { authorization: `${scheme} ${token}`, dpop: proof } });
    const challenged = binding.observe({ url: response.url, status: response.status, header: (n) => response.headers.get(n) });
    if (!challenged || sent === 2) return { response, sent };
  }
}
