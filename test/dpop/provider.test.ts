import { decodeJwt } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { dpop, memoryKeyStore, resourceNonceChallenge, type DpopKeyStore } from '../../src/dpop.js';
import { dpopResourceServer } from '../helpers/dpopResourceServer.js';
import { dpopRefresh, dpopRevoke, dpopSignIn, getWithProof } from '../helpers/dpopTokens.js';
import { oidcProvider, type OidcProviderOptions } from '../helpers/oidcProvider.js';

// DPoP against a real authorization server (panva's oidc-provider 9, features.dPoP with a
// nonce secret, requireNonce off and on) and the verifying resource server, driven by test code
// with the binding's proofs: sign-in by the authorization-code flow with PKCE and dpop_jkt,
// refresh, revocation, and what a thief holding only the tokens gets.

async function parts(options: { requireNonce: boolean; resource?: boolean; accessTtl?: number }) {
  const rs = await dpopResourceServer();
  onTestFinished(() => rs.close());
  const config: OidcProviderOptions = { dpop: { requireNonce: options.requireNonce }, accessTtl: options.accessTtl ?? 60 };
  if (options.resource !== false) config.resource = rs.url;
  const op = await oidcProvider(config);
  onTestFinished(() => op.close());
  rs.trust(op.issuer, `${op.issuer}/jwks`);
  const store = memoryKeyStore();
  return { rs, op, store, binding: dpop({ keyStore: store }) };
}
const API_SCOPE = { scope: 'openid offline_access api' };
const str = (v: unknown) => String(v);

describe.for([false, true])('oidc-provider with DPoP, requireNonce %s', (requireNonce) => {
  it('signs in by the authorization-code flow with PKCE and a proof: a DPoP token whose cnf.jkt is the key’s thumbprint', async () => {
    const { op, binding } = await parts({ requireNonce });
    const answer = await dpopSignIn(op, binding, API_SCOPE);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'DPoP', scope: 'api' });
    expect(decodeJwt(str(answer.body.access_token)).cnf).toEqual({ jkt: await binding.thumbprint() });
    // with requireNonce the first exchange is answered 400 use_dpop_nonce, the retry carries it
    expect(answer.sent).toBe(requireNonce ? 2 : 1);
    expect(op.grants).toMatchObject({ authorization_code: 1, errors: requireNonce ? ['authorization_code: use_dpop_nonce'] : [] });
  });

  it('the resource server accepts the token with the key’s proof, and refuses a thief holding only the token', async () => {
    const { op, rs, binding } = await parts({ requireNonce });
    const token = str((await dpopSignIn(op, binding, API_SCOPE)).body.access_token);
    const me = `${rs.url}me`;
    const { response } = await getWithProof(binding, me, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'alice', jkt: await binding.thumbprint() });

    const thief = dpop({ keyStore: memoryKeyStore() });
    expect((await fetch(me, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401); // as a Bearer token
    expect((await fetch(me, { headers: { authorization: `DPoP ${token}` } })).status).toBe(401); // no proof
    expect((await getWithProof(thief, me, token)).response.status).toBe(401); // a proof by the thief's own key
    expect(rs.log.map((s) => s.verdict)).toEqual(['ok', 'bearer', 'proof-count', 'jkt']);
  });

  it('refreshes with a proof: new tokens bound to the same key; the refresh token is useless without the key', async () => {
    const { op, rs, binding } = await parts({ requireNonce });
    const first = await dpopSignIn(op, binding, API_SCOPE);
    const refreshToken = str(first.body.refresh_token);
    const thief = dpop({ keyStore: memoryKeyStore() });
    expect((await dpopRefresh(op, thief, refreshToken)).body).toMatchObject({ error: 'invalid_grant' });
    expect((await dpopRefresh(op, null, refreshToken)).body).toMatchObject({ error: 'invalid_grant' });

    const refreshed = await dpopRefresh(op, binding, refreshToken);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ token_type: 'DPoP' });
    expect(refreshed.sent).toBe(1); // the nonce from the sign-in is remembered for the issuer's origin
    expect(decodeJwt(str(refreshed.body.access_token)).cnf).toEqual({ jkt: await binding.thumbprint() });
    expect(refreshed.body.refresh_token).not.toBe(refreshToken); // rotated
    const { response } = await getWithProof(binding, `${rs.url}me`, str(refreshed.body.access_token));
    expect(response.status).toBe(200);
    expect(op.grants.refresh_token).toBe(1);
    // the thief's first proof has no nonce: with requireNonce it is challenged, then refused
    const refused = ['refresh_token: invalid_grant', 'refresh_token: invalid_grant'];
    expect(op.grants.errors.filter((e) => e.startsWith('refresh_token'))).toEqual(requireNonce ? ['refresh_token: use_dpop_nonce', ...refused] : refused);
  });

  it('revokes with a proof: the refresh token is dead afterwards', async () => {
    const { op, binding } = await parts({ requireNonce });
    const { body } = await dpopSignIn(op, binding, API_SCOPE);
    const revoked = await dpopRevoke(op, binding, str(body.refresh_token));
    expect(revoked).toMatchObject({ status: 200, sent: 1 });
    expect(op.count('/token/revocation')).toBe(1);
    expect((await dpopRefresh(op, binding, str(body.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
  });

  it('the provider’s own resource (userinfo) takes the DPoP token with a proof; a second binding on the same key store (another tab) learns its nonce from one challenge', async () => {
    const { op, store, binding } = await parts({ requireNonce, resource: false });
    const { body } = await dpopSignIn(op, binding);
    const token = str(body.access_token);
    const userinfo = `${op.issuer}/me`;
    const tab = dpop({ keyStore: store as DpopKeyStore });
    expect(await tab.thumbprint()).toBe(await binding.thumbprint());
    const { response, sent } = await getWithProof(tab, userinfo, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'alice' });
    expect(sent).toBe(requireNonce ? 2 : 1);
  });
});

describe('oidc-provider with DPoP: the code and the nonce', () => {
  it('a code bound to one key by dpop_jkt cannot be exchanged with another key', async () => {
    const { op, binding } = await parts({ requireNonce: false });
    const other = dpop({ keyStore: memoryKeyStore() });
    const answer = await dpopSignIn(op, binding, { ...API_SCOPE, exchangeWith: other });
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(op.grants.authorization_code).toBe(0);
  });

  it('its resource-server nonce challenge (userinfo, 401 WWW-Authenticate: DPoP error="use_dpop_nonce") is recognised as is', async () => {
    const { op, binding } = await parts({ requireNonce: true, resource: false });
    const token = str((await dpopSignIn(op, binding)).body.access_token);
    const url = `${op.issuer}/me`;
    const fresh = dpop({ keyStore: memoryKeyStore() }); // knows no nonce: the provider challenges before it checks the key
    const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await fresh.proof({ method: 'GET', url, accessToken: token }) } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
    expect(resourceNonceChallenge(response.status, (n) => response.headers.get(n))).toBe(response.headers.get('dpop-nonce'));
  });

  it('a remembered nonce the server no longer takes costs one challenge, after which its new nonce is used', async () => {
    const { op, binding } = await parts({ requireNonce: true });
    const signedIn = await dpopSignIn(op, binding, API_SCOPE);
    // a nonce the provider never issued (or one from long ago), heard from the issuer's origin
    binding.observe({ url: op.issuer, status: 200, header: (n) => (n === 'dpop-nonce' ? 'stale-nonce' : null) });
    const refreshed = await dpopRefresh(op, binding, str(signedIn.body.refresh_token));
    expect(refreshed).toMatchObject({ status: 200, sent: 2 });
    expect(binding.nonce(op.issuer)).not.toBe('stale-nonce');
    expect((await dpopRefresh(op, binding, str(refreshed.body.refresh_token))).sent).toBe(1);
    expect(op.grants.errors).toEqual(['authorization_code: use_dpop_nonce', 'refresh_token: use_dpop_nonce']);
  });
});
