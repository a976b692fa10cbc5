import axios from 'axios';
import ky from 'ky';
import { decodeJwt } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, jsonRefresh, oauthRefresh, oauthRevoke } from '../../src/index.js';
import { dpop, memoryKeyStore } from '../../src/dpop.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { withSession } from '../../src/ky.js';
import { dpopResourceServer } from '../helpers/dpopResourceServer.js';
import { dpopRefresh, dpopSignIn } from '../helpers/dpopTokens.js';
import { oidcProvider } from '../helpers/oidcProvider.js';

// The whole DPoP session against the real parts: oidc-provider with features.dPoP (requireNonce
// off and on) signs in by the authorization-code flow with PKCE and a proof; session.login() takes
// the DPoP token response; ky, fetch and axios reach the verifying resource server; the session
// refreshes through oauthRefresh.fromIssuer with a proof and revokes through oauthRevoke at logout,
// after which the key is gone.

async function parts(requireNonce: boolean) {
  const rs = await dpopResourceServer({ requireNonce });
  onTestFinished(() => rs.close());
  const op = await oidcProvider({ dpop: { requireNonce }, resource: rs.url, accessTtl: 60 });
  onTestFinished(() => op.close());
  rs.trust(op.issuer, `${op.issuer}/jwks`);
  const store = memoryKeyStore();
  const binding = dpop({ keyStore: store, name: 'app.session' });
  const warnings: string[] = [];
  const session = createSession({
    refresh: oauthRefresh.fromIssuer(op.issuer, { clientId: 'spa-dpop' }),
    revoke: oauthRevoke.fromIssuer(op.issuer, { clientId: 'spa-dpop' }),
    dpop: binding,
    wake: false,
    activity: false,
    onWarning: (m) => warnings.push(m),
  });
  onTestFinished(() => session.stop());
  return { rs, op, store, binding, session, warnings };
}

const str = (v: unknown) => String(v);

describe.for([false, true])('a DPoP session at oidc-provider, requireNonce %s', (requireNonce) => {
  it('login with the DPoP token response; ky, fetch and axios are accepted; a refresh with a proof; revocation at logout, then the key is gone', async () => {
    const { rs, op, store, binding, session, warnings } = await parts(requireNonce);
    const answer = await dpopSignIn(op, binding, { scope: 'openid offline_access api' });
    const { access_token, refresh_token, expires_in, token_type } = answer.body;
    session.login({ accessToken: str(access_token), refreshToken: str(refresh_token), expiresIn: Number(expires_in), tokenType: str(token_type) });
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', tokenType: 'DPoP' });

    const base = rs.url.slice(0, -1);
    const viaKy = withSession(ky.create({ retry: 0 }), session, { origins: [base] });
    const authFetch = createAuthFetch(session, { baseUrl: rs.url });
    const api = axios.create({ baseURL: base });
    attachSession(api, session);
    expect((await viaKy.get(`${rs.url}ky`).json<{ sub: string }>()).sub).toBe('alice');
    expect((await authFetch('/fetch')).status).toBe(200);
    expect((await api.post('/axios', { a: 1 })).status).toBe(200);
    // the resource server's own nonce: one challenge for the first request, then every proof carries it
    expect(rs.log.map((s) => s.verdict)).toEqual(requireNonce ? ['nonce', 'ok', 'ok', 'ok'] : ['ok', 'ok', 'ok']);
    expect(session.getSnapshot().nonceRetry?.count ?? 0).toBe(requireNonce ? 1 : 0);

    const before = session.getSnapshot().accessToken;
    const next = await session.refresh();
    expect(next).not.toBe(before);
    expect(op.grants.refresh_token).toBe(1);
    expect(decodeJwt(next).cnf).toEqual({ jkt: await binding.thumbprint() });
    expect((await authFetch('/after-refresh')).status).toBe(200);
    expect(rs.log.at(-1)?.verdict).toBe('ok');

    const spent = session.actor.getSnapshot().context.tokens?.refreshToken ?? '';
    const { jkt } = decodeJwt(next).cnf as { jkt: string };
    await session.logout(); // resolves once the revocation settled and the key is deleted
    expect(op.count('/token/revocation')).toBe(1);
    const probe = dpop({ keyStore: store, name: 'app.session' }); // another tab's view of the key store
    expect(await store.load('app.session')).toBeNull(); // deleted once the revocation settled
    expect((await dpopRefresh(op, binding, spent)).body).toMatchObject({ error: 'invalid_grant' }); // revoked
    expect(await probe.thumbprint()).not.toBe(jkt); // a new login gets a new key
    expect(warnings).toEqual([]);
  });
});

describe('the token endpoint answers with the wrong token type', () => {
  const endpoint = 'https://id.example.com/token';
  const answering = (body: Record<string, unknown>) => {
    const sent: Headers[] = [];
    const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
      sent.push(new Headers(init?.headers));
      return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    };
    return { sent, fetch: fetch as typeof globalThis.fetch };
  };

  it.for([
    ['Bearer', { access_token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa', token_type: 'Bearer', expires_in: 60 }],
    ['no token_type', { access_token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa', expires_in: 60 }],
  ] as const)('%s when DPoP was asked is invalid-response, not a silent downgrade', async ([, body]) => {
    const { sent, fetch } = answering(body);
    const binding = dpop({ keyStore: memoryKeyStore() });
    const refresh = oauthRefresh({ tokenEndpoint: endpoint, clientId: 'spa', fetch });
    await expect(refresh({ refreshToken: 'r1', signal: new AbortController().signal, dpop: binding })).rejects.toMatchObject({ kind: 'invalid-response' });
    expect(sent[0]?.get('dpop')).toMatch(/^ey/); // the request carried a proof
  });

  it('a DPoP answer in a session without a binding is invalid-response; a Bearer one is taken as before', async () => {
    const dpopAnswer = answering({ access_token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa', token_type: 'DPoP', expires_in: 60 });
    const refresh = oauthRefresh({ tokenEndpoint: endpoint, clientId: 'spa', fetch: dpopAnswer.fetch });
    await expect(refresh({ refreshToken: 'r1', signal: new AbortController().signal })).rejects.toMatchObject({ kind: 'invalid-response' });
    expect(dpopAnswer.sent[0]?.has('dpop')).toBe(false);
    const bearer = answering({ access_token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa', token_type: 'Bearer', expires_in: 60 });
    const plain = oauthRefresh({ tokenEndpoint: endpoint, clientId: 'spa', fetch: bearer.fetch });
    await expect(plain({ refreshToken: 'r1', signal: new AbortController().signal })).resolves.toMatchObject({ accessToken: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
  });

  it('login() refuses a Bearer token response in a DPoP session, and a DPoP one in a Bearer session', () => {
    const refresh = async () => ({ accessToken: 'x' });
    const bound = createSession({ refresh, dpop: dpop({ keyStore: memoryKeyStore() }), wake: false, activity: false });
    const plain = createSession({ refresh, wake: false, activity: false });
    onTestFinished(() => (bound.stop(), plain.stop()));
    expect(() => bound.login({ accessToken: 'aaaaaaaaaaaaaaaaaaaaaaaa', tokenType: 'Bearer' })).toThrow(/token_type Bearer, not DPoP: enable DPoP for this client at the server/);
    expect(() => plain.login({ accessToken: 'aaaaaaaaaaaaaaaaaaaaaaaa', tokenType: 'DPoP' })).toThrow(/createSession\(\{ dpop/);
    expect(bound.getSnapshot().status).toBe('loggedOut');
    bound.login({ accessToken: 'aaaaaaaaaaaaaaaaaaaaaaaa', tokenType: 'dpop' }); // case-insensitive
    expect(bound.getSnapshot()).toMatchObject({ status: 'authenticated', tokenType: 'DPoP' });
  });
});

describe('the token endpoint asks for a nonce', () => {
  const endpoint = 'https://id.example.com/token';
  const challenge = (nonce: string) => Response.json({ error: 'use_dpop_nonce', error_description: 'nonce required' }, { status: 400, headers: { 'dpop-nonce': nonce } });
  const proofsOf = (sent: Headers[]) => sent.map((h) => JSON.parse(Buffer.from((h.get('dpop') ?? '').split('.')[1] ?? '', 'base64url').toString()) as { nonce?: string });

  it('oauthRefresh: one retry with the nonce, then the tokens', async () => {
    const sent: Headers[] = [];
    const answers = [challenge('n-1'), Response.json({ access_token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa', token_type: 'DPoP', expires_in: 60 })];
    const fetch = (async (_u: string | URL | Request, init?: RequestInit) => (sent.push(new Headers(init?.headers)), answers.shift() as Response)) as typeof globalThis.fetch;
    const refresh = oauthRefresh({ tokenEndpoint: endpoint, clientId: 'spa', fetch });
    await expect(refresh({ refreshToken: 'r1', signal: new AbortController().signal, dpop: dpop({ keyStore: memoryKeyStore() }) })).resolves.toMatchObject({ accessToken: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(proofsOf(sent).map((p) => p.nonce)).toEqual([undefined, 'n-1']);
  });

  it.for(['use_dpop_nonce', 'invalid_dpop_proof'])('a repeated %s is a transient failure: the session keeps its tokens (refreshFailed), never logged out', async (code) => {
    let calls = 0;
    const fetch = (async () => {
      calls++;
      return Response.json({ error: code }, { status: 400, headers: { 'dpop-nonce': `n-${calls}` } });
    }) as typeof globalThis.fetch;
    const session = createSession({
      refresh: oauthRefresh({ tokenEndpoint: endpoint, clientId: 'spa', fetch }),
      dpop: dpop({ keyStore: memoryKeyStore() }),
      retry: { attempts: 0 },
      wake: false,
      activity: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'aaaaaaaaaaaaaaaaaaaaaaaa', refreshToken: 'r1', expiresIn: 300 });
    await expect(session.refresh()).rejects.toMatchObject({ kind: 'http' });
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(calls).toBe(code === 'use_dpop_nonce' ? 2 : 1); // one nonce retry, never two
  });

  it('jsonRefresh({ dpop: true }): a repeated nonce challenge is transient too, not a rejected refresh token', async () => {
    const fetch = (async () => challenge('n-x')) as typeof globalThis.fetch;
    const refresh = jsonRefresh({ url: 'https://api.example.com/auth/refresh', fetch, dpop: true });
    await expect(refresh({ refreshToken: 'r1', signal: new AbortController().signal, dpop: dpop({ keyStore: memoryKeyStore() }) })).rejects.toMatchObject({ kind: 'http' });
  });
});
