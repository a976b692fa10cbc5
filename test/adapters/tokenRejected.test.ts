import axios from 'axios';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { createSession, jsonRefresh } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { appApi } from '../helpers/appApi.js';
import { kyBase, KY_MAJOR } from '../helpers/ky.js';
import { authServer } from '../helpers/server.js';
import { harnesses } from './clients.js';

// Issue 20 item 4: `isTokenRejected` adds cases to the 401 check, never replaces it. With the
// docs' own example (`body.code === 401`), a real 401 whose body is vben's `{ code: -1 }` must
// still be refreshed and replayed, in every adapter. Real auth server behind a vben-style API.

const clients = KY_MAJOR === 1 ? harnesses.filter((h) => h.name.startsWith('ky')) : harnesses;

async function setup() {
  const auth = await authServer();
  const api = await appApi(auth);
  const session = createSession({ refresh: jsonRefresh({ url: `${auth.url}/refresh` }), wake: false });
  session.login(await auth.login());
  auth.resetCounters();
  return { auth, api, session };
}

describe.each(clients)('$name: isTokenRejected adds to the 401 check', (harness) => {
  it('a 401 whose body is { code: -1 } is refreshed once and replayed, with the docs’ isTokenRejected (body.code === 401) set', async () => {
    const { auth, api, session } = await setup();
    const client = harness.make(session, api.url, { bodySaysRejected: true });
    auth.revokeAccessTokens();
    const outcome = await client.request('GET', '/api/users');
    expect(outcome.status).toBe(200);
    expect(outcome.data).toMatchObject({ code: 0, data: { path: '/api/users' } });
    expect(auth.counters.refreshCalls).toBe(1);
    expect(api.seen.map((r) => r.authorization === `Bearer ${session.getSnapshot().accessToken}`)).toEqual([false, true]);
    session.stop();
  });

  it('a 200 whose body says { code: 401 } is still refreshed and replayed (the case the option adds)', async () => {
    const { auth, api, session } = await setup();
    const client = harness.make(session, api.url, { bodySaysRejected: true });
    auth.revokeAccessTokens();
    const outcome = await client.request('GET', '/envelope/users');
    expect(outcome).toMatchObject({ status: 200, data: { code: 0 } });
    expect(auth.counters.refreshCalls).toBe(1);
    expect(api.seen).toHaveLength(2);
    session.stop();
  });

  it('without the option, the same 401 is refreshed too, and a 200 { code: 401 } is not', async () => {
    const { auth, api, session } = await setup();
    const client = harness.make(session, api.url);
    auth.revokeAccessTokens();
    expect((await client.request('GET', '/api/users')).status).toBe(200);
    expect(auth.counters.refreshCalls).toBe(1);
    auth.revokeAccessTokens();
    expect(await client.request('GET', '/envelope/users')).toMatchObject({ status: 200, data: { code: 401 } });
    expect(auth.counters.refreshCalls).toBe(1);
    session.stop();
  });
});

describe('an isTokenRejected that throws on an answer it did not expect', () => {
  // The docs' example parses the body as JSON; a CSV export is not JSON.
  const docsCheck = async (response: Response) => ((await response.json()) as { code?: number }).code === 401;
  const clientsOf = (base: string, session: ReturnType<typeof createSession>, onWarning: (m: string) => void): Array<[string, (path: string) => Promise<string>]> => {
    const authFetch = createAuthFetch(session, { baseUrl: base, isTokenRejected: docsCheck, onWarning });
    const kyApi = withSession(ky.create({ ...kyBase(`${base}/`), retry: 0 }), session, { isTokenRejected: docsCheck, onWarning });
    const kyHooked = ky.create({ ...kyBase(`${base}/`), retry: 0, hooks: kyHooks(session, { isTokenRejected: docsCheck, onWarning }) });
    const axiosApi = axios.create({ baseURL: base });
    attachSession(axiosApi, session, {
      isTokenRejected: (r) => {
        if (typeof r.data !== 'object') throw new SyntaxError(`Unexpected token in ${String(r.data)}`);
        return (r.data as { code?: number }).code === 401;
      },
      onWarning,
    });
    const all: Array<[string, (path: string) => Promise<string>]> = [
      ['fetch', async (path) => (await authFetch(path)).text()],
      ['ky withSession', (path) => kyApi(path.slice(1)).text()],
      ['ky kyHooks', (path) => kyHooked(path.slice(1)).text()],
      ['axios', async (path) => String((await axiosApi.get(path)).data)],
    ];
    return KY_MAJOR === 1 ? all.filter(([name]) => name.startsWith('ky')) : all;
  };

  it('returns the response as it came (no rejection), and warns once naming the remedy, in every adapter', async () => {
    const { api, session } = await setup();
    const warnings: string[] = [];
    for (const [name, get] of clientsOf(api.url, session, (m) => warnings.push(m))) {
      warnings.length = 0;
      expect(await get('/text/export.csv'), name).toBe('id,name\n1,alice\n');
      expect(await get('/text/export.csv'), name).toBe('id,name\n1,alice\n');
      expect(warnings, name).toEqual([expect.stringContaining('isTokenRejected threw on a 200 response (SyntaxError)')]);
      expect(warnings[0]).toContain('check the content-type');
      expect(warnings[0]).not.toContain('alice'); // what the body said stays out of the warning
    }
    session.stop();
  });
});
