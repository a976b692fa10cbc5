import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { loggedInSession } from '../helpers/server.js';

describe('fetch adapter edges', () => {
  it('returns the 401 as is for a one-shot stream body it cannot send twice, and refreshes for the next request', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    server.revokeAccessTokens();
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const res = await authFetch('/api/stream', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(401);
    expect(server.seen.filter((r) => r.path === '/api/stream')).toHaveLength(1);
    expect((await authFetch('/api/next')).status).toBe(200);
    expect(server.counters.refreshCalls).toBe(1);
    session.stop();
  });

  it('leaves a request that already carries Authorization alone', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    await authFetch('/api/own', { headers: { Authorization: 'Basic dXNlcjpwdw==' } });
    await authFetch(new Request(`${server.url}/api/own-request`, { headers: { authorization: 'Basic eA==' } }));
    expect(server.seen.map((r) => r.authorization)).toEqual(['Basic dXNlcjpwdw==', 'Basic eA==']);
    session.stop();
  });

  it('accepts Request objects, keeping their method, headers and body', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    server.revokeAccessTokens();
    const res = await authFetch(new Request(`${server.url}/api/req`, { method: 'PUT', body: 'x=1', headers: { 'x-trace': 't1' } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ method: 'PUT', body: 'x=1' });
    session.stop();
  });

  it('refuses to attach the token and warns once when it cannot tell where a request goes', async () => {
    const { server, session } = await loggedInSession();
    const warnings: string[] = [];
    const authFetch = createAuthFetch(session, { onWarning: (m) => warnings.push(m) }); // no baseUrl, no page
    await authFetch(`${server.url}/api/a`);
    await authFetch(`${server.url}/api/b`);
    expect(server.seen.map((r) => r.authorization)).toEqual([undefined, undefined]);
    expect(warnings).toHaveLength(1);
    session.stop();
  });

  it('after logout() sends requests as fetch would, without a token, and returns their 401 as is', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    session.logout();
    const res = await authFetch('/api/x');
    expect(res.status).toBe(401);
    expect(server.seen.map((r) => r.authorization)).toEqual([undefined]);
    expect(server.counters.refreshCalls).toBe(0);
    session.stop();
  });

  it('rejects with the refresh failure when the replay cannot get a new token', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    server.revokeAll();
    server.revokeAccessTokens();
    await expect(authFetch('/api/x')).rejects.toMatchObject({ kind: 'rejected', status: 401 });
    expect(session.getSnapshot().status).toBe('loggedOut');
    session.stop();
  });
});

describe('axios adapter edges', () => {
  it('detaches cleanly: afterwards requests go out without a token', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    const detach = attachSession(api, session);
    await api.get('/api/with');
    detach();
    await api.get('/api/without').catch(() => {});
    expect(server.seen.map((r) => r.authorization)).toEqual([`Bearer ${session.getSnapshot().accessToken}`, undefined]);
    session.stop();
  });

  it('adds no bookkeeping to the caller’s config (no _retry flag) and runs interceptors once', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    let requestInterceptorRuns = 0;
    let responseInterceptorRuns = 0;
    api.interceptors.request.use((c) => (requestInterceptorRuns++, c));
    api.interceptors.response.use((r) => (responseInterceptorRuns++, r));
    server.revokeAccessTokens();
    const config = { url: '/api/replayed', method: 'get' as const };
    const res = await api.request(config);
    expect(res.status).toBe(200);
    expect(Object.keys(config)).toEqual(['url', 'method']);
    expect(Object.keys(res.config).filter((k) => k.startsWith('_'))).toEqual([]);
    expect([requestInterceptorRuns, responseInterceptorRuns]).toEqual([1, 1]);
    expect(server.seen.filter((r) => r.path === '/api/replayed')).toHaveLength(2);
    session.stop();
  });
});
