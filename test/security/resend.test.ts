import axios, { isAxiosError, type AxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { loggedInSession } from '../helpers/server.js';
import { probeServer } from '../helpers/probe.js';

// Fail-over code sends a failed request again to a mirror: `{ ...error.config, baseURL }`
// (axios), `new Request(mirror, request)` (fetch; ky in kyResend.test.ts). The adapter's own Authorization
// header must not travel with it to an origin that is not allowed, through the adapter or
// around it, and nothing of the adapter stays in the config the app gets back.

const bearer = (token: string | null) => `Bearer ${token}`;

describe('axios: a config sent again', () => {
  it('keeps none of the adapter’s Authorization in response.config or error.config', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    const ok = await api.get('/api/ok');
    const failed = (await api.get('/api/always-401').catch((e: unknown) => e)) as AxiosError;
    expect(isAxiosError(failed)).toBe(true);
    expect([ok.config.headers.get('Authorization'), failed.config?.headers.get('Authorization')]).toEqual([undefined, undefined]);
    // ... while the server did get the token each time
    const api401 = server.seen.filter((r) => r.path.startsWith('/api/'));
    expect(api401.map((r) => r.authorization?.startsWith('Bearer ey'))).toEqual([true, true, true]);
    session.stop();
  });

  it('sends no token to a mirror that is not allowed, through the attached instance or a bare one', async () => {
    const { server, session } = await loggedInSession();
    const mirror = await probeServer();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    const failed = (await api.get('/api/always-401').catch((e: unknown) => e)) as AxiosError;
    await api.request({ ...failed.config, baseURL: mirror.url });
    await axios.request({ ...failed.config, baseURL: mirror.url });
    expect(mirror.authorizations()).toEqual([undefined, undefined]);
    session.stop();
  });

  it('keeps an Authorization the app set itself in the config it gets back', async () => {
    const { server, session } = await loggedInSession();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    const failed = (await api.get('/api/basic', { headers: { Authorization: 'Basic eA==' } }).catch((e: unknown) => e)) as AxiosError;
    expect(failed.config?.headers.get('Authorization')).toBe('Basic eA==');
    session.stop();
  });

  it('strips the adapter’s header from a config copied while in flight (by an adapter under it) and sent to another origin', async () => {
    const { server, session } = await loggedInSession();
    const mirror = await probeServer();
    const api = axios.create({ baseURL: server.url });
    // a logging adapter under attachSession keeps copies of the configs it sends
    const kept: Array<Record<string, unknown>> = [];
    const http = axios.getAdapter('http');
    api.defaults.adapter = (config) => {
      kept.push({ ...config, headers: config.headers.toJSON() });
      return http(config);
    };
    attachSession(api, session);
    await api.get('/api/ok');
    expect((kept[0]?.headers as Record<string, unknown>).Authorization).toBe(bearer(session.getSnapshot().accessToken));
    await api.request({ ...kept[0], baseURL: mirror.url });
    expect(mirror.authorizations()).toEqual([undefined]);
    session.stop();
  });
});

describe('fetch: a Request the adapter authorized, sent again', () => {
  it('strips the adapter’s Authorization when the new target is not allowed, and replaces it when it is', async () => {
    const { server, session } = await loggedInSession();
    const mirror = await probeServer();
    const given: Request[] = [];
    const authFetch = createAuthFetch(session, {
      baseUrl: server.url,
      // e.g. a logging or caching layer under the adapter that keeps the Requests it sends
      fetch: (input, init) => {
        if (input instanceof Request) given.push(input.clone());
        return fetch(input, init);
      },
    });
    await authFetch(new Request(`${server.url}/api/first`));
    const authorized = given[0] as Request;
    expect(authorized.headers.get('authorization')).toBe(bearer(session.getSnapshot().accessToken));
    await authFetch(new Request(`${mirror.url}/x`, authorized));
    await authFetch(`${mirror.url}/y`, { headers: { authorization: authorized.headers.get('authorization') as string } });
    expect(mirror.authorizations()).toEqual([undefined, undefined]);
    // on an allowed origin it is the adapter's again: the current token is attached
    await session.refresh();
    await authFetch(new Request(`${server.url}/api/again`, authorized));
    expect(server.seen.at(-1)?.authorization).toBe(bearer(session.getSnapshot().accessToken));
    session.stop();
  });
});
