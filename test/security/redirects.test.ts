import axios from 'axios';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { kyAbsolute, kyBase, KY_MAJOR } from '../helpers/ky.js';
import { probeServer } from '../helpers/probe.js';
import { loggedInSession } from '../helpers/server.js';

// A request to an allowed origin that answers with a redirect to another origin: the token
// goes to the first hop only. Node's fetch (undici) and follow-redirects (axios) drop
// Authorization on a cross-origin hop; these tests keep it that way under the adapters.

type Get = (url: string) => Promise<unknown>;
const all: Array<[string, (session: Session, base: string, origins: string[]) => Get]> = [
  ['fetch', (session, base, origins) => {
    const authFetch = createAuthFetch(session, { baseUrl: base, origins });
    return (url) => authFetch(url);
  }],
  ['ky withSession', (session, base, origins) => {
    const api = withSession(ky.create({ ...kyBase(`${base}/`), retry: 0 }), session, { origins });
    return (url) => api(url, kyAbsolute());
  }],
  ['ky kyHooks', (session, base, origins) => {
    const api = ky.create({ ...kyBase(`${base}/`), retry: 0, hooks: kyHooks(session, { origins }) });
    return (url) => api(url, kyAbsolute());
  }],
  ['axios', (session, base, origins) => {
    const api = axios.create({ baseURL: base });
    attachSession(api, session, { origins });
    return (url) => api.get(url);
  }],
];
const clients = KY_MAJOR === 1 ? all.filter(([name]) => name.startsWith('ky')) : all;

describe.each(clients)('%s', (_name, make) => {
  it('sends the token to the allowed first hop and not to the origin it redirects to', async () => {
    const { server, session } = await loggedInSession();
    const api = await probeServer();
    const evil = await probeServer();
    const get = make(session, server.url, [api.url]);
    await get(`${api.url}/go?to=${encodeURIComponent(`${evil.url}/x`)}`);
    expect(api.authorizations()).toEqual([`Bearer ${session.getSnapshot().accessToken}`]);
    expect(evil.authorizations()).toEqual([undefined]);
    session.stop();
  });
});
