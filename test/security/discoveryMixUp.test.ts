import { describe, expect, it } from 'vitest';
import { createSession, isSessionError, oauthRefresh, oauthRevoke, type SessionError } from '../../src/index.js';
import { probeServer } from '../helpers/probe.js';
import { scriptedEndpoint } from '../helpers/scriptedEndpoint.js';

// Issue 19 item 7, RFC 8414 §3.3: a discovery document must describe the issuer it was read
// for (mix-up), and its endpoints must be https (http only on loopback). Otherwise the refresh
// token is not sent: a SessionError of kind `invalid-response` says why. A real local issuer
// serves the document; a probe server plays the other authorization server.

const refreshToken = 'rt_discovery-secret-0123456789';
const call = (fn: (ctx: { refreshToken?: string; signal: AbortSignal }) => Promise<unknown>) =>
  fn({ refreshToken, signal: new AbortController().signal }).then(
    () => null,
    (e: unknown) => e as SessionError,
  );
const revokeCall = (fn: (ctx: { accessToken: string; refreshToken?: string; signal: AbortSignal }) => Promise<unknown>) =>
  fn({ accessToken: 'at', refreshToken, signal: new AbortController().signal }).then(
    () => null,
    (e: unknown) => e as SessionError,
  );

/** A local issuer whose discovery document is `doc(url)`; its token endpoint answers a grant. */
async function issuer(doc: (url: string) => Record<string, unknown>) {
  const endpoint = await scriptedEndpoint((r) =>
    r.path.includes('.well-known') ? { body: doc(endpoint.url) } : { body: { access_token: 'at-new', refresh_token: 'rt-new', token_type: 'Bearer', expires_in: 60 } },
  );
  return endpoint;
}

describe('oauthRefresh.fromIssuer and oauthRevoke.fromIssuer', () => {
  it('refuse a document that names another issuer: nothing reaches that server’s endpoints', async () => {
    const other = await probeServer();
    const op = await issuer(() => ({ issuer: other.url, token_endpoint: `${other.url}/token`, revocation_endpoint: `${other.url}/revoke` }));
    const refreshed = await call(oauthRefresh.fromIssuer(op.url, { clientId: 'spa' }));
    const revoked = await revokeCall(oauthRevoke.fromIssuer(op.url, { clientId: 'spa' }));
    for (const error of [refreshed, revoked]) {
      expect(isSessionError(error) && error.kind).toBe('invalid-response');
      expect(error?.message).toContain(`describes the issuer "${other.url}", not "${op.url}" (a mix-up); nothing was sent`);
      expect(error?.message).not.toContain(refreshToken);
    }
    expect(other.seen).toEqual([]);
  });

  it('refuse a document without an issuer, and read it again next time', async () => {
    let n = 0;
    const op = await issuer((url) => (++n === 1 ? { token_endpoint: `${url}/token` } : { issuer: url, token_endpoint: `${url}/token` }));
    const refresh = oauthRefresh.fromIssuer(op.url, { clientId: 'spa' });
    expect((await call(refresh))?.message).toContain('names no issuer');
    expect(await call(refresh)).toBeNull(); // the corrected document is read and used
    expect(op.seen.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', '/.well-known/openid-configuration', '/token']);
  });

  it.each([
    ['http on a host that is not loopback', 'http://id.example.test/token'],
    ['another scheme', 'ftp://127.0.0.1/token'],
  ])('refuse a token endpoint over %s', async (_why, tokenEndpoint) => {
    const op = await issuer((url) => ({ issuer: url, token_endpoint: tokenEndpoint }));
    const error = await call(oauthRefresh.fromIssuer(op.url, { clientId: 'spa' }));
    expect(isSessionError(error) && error.kind).toBe('invalid-response');
    expect(op.seen.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
  });

  it('refuse an http issuer that is not loopback before any request', async () => {
    const error = await call(oauthRefresh.fromIssuer('http://id.example.test/realms/app', { clientId: 'spa' }));
    expect(isSessionError(error) && error.kind).toBe('invalid-response');
    expect(error?.message).toContain('is not https');
  });

  it.each([
    ['the same string', (url: string) => url, (url: string) => url],
    ['a trailing slash in the document only', (url: string) => `${url}/`, (url: string) => url],
    ['a trailing slash in the configuration only', (url: string) => url, (url: string) => `${url}/`],
  ])('accept %s, with http on loopback and endpoints on another loopback origin', async (_why, said, configured) => {
    const tokens = await scriptedEndpoint(() => ({ body: { access_token: 'at-elsewhere', token_type: 'Bearer', expires_in: 60 } }));
    const op = await issuer((url) => ({ issuer: said(url), token_endpoint: `${tokens.url}/token`, revocation_endpoint: `${tokens.url}/revoke` }));
    expect(await call(oauthRefresh.fromIssuer(configured(op.url), { clientId: 'spa' }))).toBeNull();
    expect(await revokeCall(oauthRevoke.fromIssuer(configured(op.url), { clientId: 'spa' }))).toBeNull();
    expect(tokens.seen.map((r) => new URLSearchParams(r.body).get('refresh_token') ?? new URLSearchParams(r.body).get('token'))).toEqual([refreshToken, refreshToken]);
  });

  it('a session with a mixed-up issuer ends in refreshFailed with its tokens, not logged out', async () => {
    const other = await probeServer();
    const op = await issuer(() => ({ issuer: other.url, token_endpoint: `${other.url}/token` }));
    const session = createSession({ refresh: oauthRefresh.fromIssuer(op.url, { clientId: 'spa' }), wake: false });
    session.login({ accessToken: 'opaque-at', refreshToken, expiresIn: 600 });
    const error = await session.refresh().catch((e: unknown) => e);
    expect(isSessionError(error) && error.kind).toBe('invalid-response');
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: 'opaque-at' });
    expect(other.seen).toEqual([]);
    session.stop();
  });
});
