import { Readable } from 'node:stream';
import axios from 'axios';
import ky from 'ky';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, type Session, type TokenSet } from '../../src/index.js';
import { dpop, memoryKeyStore, type DpopBinding } from '../../src/dpop.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { withSession } from '../../src/ky.js';
import { kyAbsolute } from '../helpers/ky.js';
import { harnesses } from '../adapters/clients.js';
import { dpopResourceServer, type DpopResourceServer, type DpopResourceServerOptions } from '../helpers/dpopResourceServer.js';

// A DPoP session (createSession({ dpop })) through every adapter — fetch, ky's withSession and
// kyHooks (ky 2 here, ky 1 in the ky1 project), axios — at the resource server that verifies
// every proof (signature, htm, htu, iat, jti, ath, nonce, cnf.jkt of the token).

interface Parts {
  rs: DpopResourceServer;
  session: Session;
  binding: DpopBinding;
  /** Refresh calls the session made. */
  refreshes: () => number;
}

async function parts(rsOptions: DpopResourceServerOptions = {}, o: { bearer?: boolean; firstToken?: 'bound' | 'other-key' } = {}): Promise<Parts> {
  const rs = await dpopResourceServer(rsOptions);
  onTestFinished(() => rs.close());
  const binding = dpop({ keyStore: memoryKeyStore(), onWarning: () => {} });
  const jkt = o.bearer ? null : await binding.thumbprint();
  let refreshes = 0;
  const refresh = async (): Promise<TokenSet> => {
    refreshes++;
    return { accessToken: await rs.mint(jkt), refreshToken: `r${refreshes}`, expiresIn: 300 };
  };
  const session = createSession({ refresh, ...(o.bearer ? {} : { dpop: binding }), wake: false, activity: false, onWarning: () => {} });
  onTestFinished(() => session.stop());
  const first = o.firstToken === 'other-key' ? await rs.mint(await dpop({ keyStore: memoryKeyStore() }).thumbprint()) : await rs.mint(jkt);
  session.login({ accessToken: first, refreshToken: 'r0', expiresIn: 300 });
  return { rs, session, binding, refreshes: () => refreshes };
}

const base = (rs: DpopResourceServer) => rs.url.slice(0, -1);

describe.each(harnesses)('DPoP through $name', (harness) => {
  it('every request carries Authorization: DPoP and a fresh proof the resource server accepts (GET, POST with a JSON and a form body)', async () => {
    const { rs, session, refreshes } = await parts();
    const client = harness.make(session, base(rs));
    expect((await client.request('GET', '/me')).status).toBe(200);
    expect((await client.request('POST', '/items', { body: 'json' })).status).toBe(200);
    expect((await client.request('PUT', '/items/1', { body: 'form' })).status).toBe(200);
    expect(rs.log.map((s) => [s.method, s.path, s.verdict, s.scheme])).toEqual([
      ['GET', '/me', 'ok', 'DPoP'],
      ['POST', '/items', 'ok', 'DPoP'],
      ['PUT', '/items/1', 'ok', 'DPoP'],
    ]);
    expect(new Set(rs.log.map((s) => s.proof?.jti)).size).toBe(3);
    expect(refreshes()).toBe(0);
    expect(session.getSnapshot()).toMatchObject({ tokenType: 'DPoP', nonceRetry: null });
  });

  it('a nonce challenge gets one retry with the nonce (no refresh); later requests carry the nonce at once', async () => {
    const { rs, session, refreshes } = await parts({ requireNonce: true });
    const client = harness.make(session, base(rs));
    expect((await client.request('GET', '/me')).status).toBe(200);
    expect((await client.request('POST', '/items', { body: 'json' })).status).toBe(200);
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce', 'ok', 'ok']);
    expect(rs.log[1]?.proof?.nonce).toBe(rs.nonce());
    expect(refreshes()).toBe(0);
    expect(session.getSnapshot().nonceRetry).toMatchObject({ count: 1, origin: base(rs) });
  });

  it('a nonce that changes with every answer is taken from each DPoP-Nonce header: no challenge after the first', async () => {
    const { rs, session, refreshes } = await parts({ requireNonce: true, rotateNonce: true });
    const client = harness.make(session, base(rs));
    for (let i = 0; i < 4; i++) expect((await client.request('GET', `/n/${i}`)).status).toBe(200);
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce', 'ok', 'ok', 'ok', 'ok']);
    expect(refreshes()).toBe(0);
  });

  it('a server that repeats the challenge gets no second retry, and no refresh: the caller gets its 401', async () => {
    const { rs, session, refreshes } = await parts({ challengeAlways: true });
    const client = harness.make(session, base(rs));
    expect((await client.request('GET', '/me')).status).toBe(401);
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce', 'nonce']);
    expect(refreshes()).toBe(0);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', nonceRetry: { count: 1 } });
  });

  it('a refused token (another key) is refreshed once and replayed with a new proof for the new token', async () => {
    const { rs, session, refreshes } = await parts({}, { firstToken: 'other-key' });
    const client = harness.make(session, base(rs));
    expect((await client.request('POST', '/items', { body: 'json' })).status).toBe(200);
    expect(rs.log.map((s) => s.verdict)).toEqual(['jkt', 'ok']);
    expect(refreshes()).toBe(1);
  });

  it('a refused token at a nonce-requiring server: nonce retry, then one refresh and a replay that carries the nonce', async () => {
    const { rs, session, refreshes } = await parts({ requireNonce: true }, { firstToken: 'other-key' });
    const client = harness.make(session, base(rs));
    expect((await client.request('GET', '/me')).status).toBe(200);
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce', 'jkt', 'ok']);
    expect(refreshes()).toBe(1);
  });

  it('no token and no proof to an origin that is not allowed, nor on a request marked session: false', async () => {
    const { rs, session } = await parts();
    const other = await dpopResourceServer();
    onTestFinished(() => other.close());
    const client = harness.make(session, base(rs));
    await client.request('GET', `${other.url}elsewhere`);
    expect(other.log.map((s) => [s.verdict, s.scheme, s.dpop])).toEqual([['no-token', '', false]]);
    expect(rs.log).toEqual([]);
  });

  it('a Bearer session stays Bearer: no DPoP header, the Bearer scheme', async () => {
    const { rs, session } = await parts({}, { bearer: true });
    const client = harness.make(session, base(rs));
    await client.request('GET', '/me');
    expect(rs.log[0]).toMatchObject({ verdict: 'bearer', scheme: 'Bearer', dpop: false });
    expect(session.getSnapshot().tokenType).toBe('Bearer');
  });
});

describe('DPoP: requests that cannot be sent again, and the per-request opt-out', () => {
  const stream = () =>
    new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('once'));
        c.close();
      },
    });

  it('fetch: a nonce challenge to a streamed body is the caller’s answer (one request, no refresh)', async () => {
    const { rs, session, refreshes } = await parts({ requireNonce: true });
    const authFetch = createAuthFetch(session, { baseUrl: rs.url });
    const res = await authFetch('/upload', { method: 'POST', body: stream(), duplex: 'half' } as RequestInit);
    expect(res.status).toBe(401);
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce']);
    expect(refreshes()).toBe(0);
    // the nonce was remembered all the same: the next request needs no retry
    expect((await authFetch('/me')).status).toBe(200);
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce', 'ok']);
  });

  it('axios: a nonce challenge to a stream body is the caller’s answer (one request, no refresh)', async () => {
    const { rs, session, refreshes } = await parts({ requireNonce: true });
    const api = axios.create({ baseURL: base(rs) });
    attachSession(api, session);
    const status = await api.post('/upload', Readable.from(['once'])).then((r) => r.status, (e: { response?: { status: number } }) => e.response?.status);
    expect(status).toBe(401);
    expect(rs.log.map((s) => s.verdict)).toEqual(['nonce']);
    expect(refreshes()).toBe(0);
  });

  it('session: false sends neither the token nor a proof (fetch, axios)', async () => {
    const { rs, session } = await parts();
    const authFetch = createAuthFetch(session, { baseUrl: rs.url });
    await authFetch('/public', { session: false });
    const api = axios.create({ baseURL: base(rs) });
    attachSession(api, session);
    await api.get('/public', { session: false }).catch(() => {});
    expect(rs.log.map((s) => [s.verdict, s.dpop])).toEqual([
      ['no-token', false],
      ['no-token', false],
    ]);
  });

  it('a scheme option other than DPoP is not used in a DPoP session, and the app hears so once (fetch, ky, axios)', async () => {
    const { rs, session } = await parts();
    const warnings: string[] = [];
    const onWarning = (m: string) => void warnings.push(m);
    const authFetch = createAuthFetch(session, { baseUrl: rs.url, scheme: 'Bearer', onWarning });
    await authFetch('/me');
    const api = axios.create({ baseURL: base(rs) });
    attachSession(api, session, { scheme: 'Token', onWarning });
    await api.get('/me');
    await withSession(ky.create({ retry: 0 }), session, { origins: [base(rs)], scheme: 'Key', onWarning }).get(`${rs.url}me`, kyAbsolute());
    expect(rs.log.map((s) => [s.verdict, s.scheme])).toEqual([
      ['ok', 'DPoP'],
      ['ok', 'DPoP'],
      ['ok', 'DPoP'],
    ]);
    expect(warnings).toEqual([
      'scheme "Bearer" is not used: this session\'s tokens are DPoP-bound and go as DPoP; remove the option',
      'scheme "Token" is not used: this session\'s tokens are DPoP-bound and go as DPoP; remove the option',
      'scheme "Key" is not used: this session\'s tokens are DPoP-bound and go as DPoP; remove the option',
    ]);
  });
});
