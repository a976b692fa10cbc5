import axios, { type AxiosInstance } from 'axios';
import ky from 'ky';
import { describe, expect, it } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { kyHooks, withSession } from '../../src/ky.js';
import { kyAbsolute, kyBase, KY_MAJOR } from '../helpers/ky.js';
import { foreignJwt, probeServer } from '../helpers/probe.js';
import { createSession, jsonRefresh, type Session } from '../../src/index.js';
import { authServer, jumpClock } from '../helpers/server.js';

// An allowed API with an open redirect (`/go?to=`) sends the request on to another origin.
// What that origin answers is not the allowed API's word: a token in renewHeader is not adopted
// (login fixation: the session would become the attacker's account), and a 401 from it is not
// a verdict on our token (no refresh).

/** GET `url`: absolute, or a path under the client's base (written without the leading slash). */
type Get = (url: string) => Promise<unknown>;
const viaKy = (api: typeof ky): Get => (url) => (/^https?:/.test(url) ? api(url, kyAbsolute()) : api(url));

/** A real auth server and a session logged in to it, sharing a clock the test can move on. */
async function loggedInSession() {
  const clock = jumpClock();
  const server = await authServer({ now: clock.now });
  const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), wake: false, now: clock.now });
  session.login(await server.login());
  server.resetCounters();
  return { clock, server, session };
}

const clients: Array<{ name: string; make: (session: Session, base: string, options: { origins: string[]; renewHeader?: string }) => Get }> = [
  {
    name: 'fetch',
    make: (session, base, options) => {
      const authFetch = createAuthFetch(session, { baseUrl: base, ...options });
      return (url) => authFetch(url);
    },
  },
  {
    name: 'ky withSession',
    make: (session, base, options) => {
      return viaKy(withSession(ky.create({ ...kyBase(`${base}/`), retry: 0, throwHttpErrors: false }), session, options));
    },
  },
  {
    name: 'ky kyHooks',
    make: (session, base, options) => {
      return viaKy(ky.create({ ...kyBase(`${base}/`), retry: 0, throwHttpErrors: false, hooks: kyHooks(session, options) }));
    },
  },
  {
    name: 'axios',
    make: (session, base, options) => {
      const api: AxiosInstance = axios.create({ baseURL: base, validateStatus: () => true });
      attachSession(api, session, options);
      return (url) => api.get(url);
    },
  },
];

// The `ky1` project runs this file again on ky 1: only the ky clients then.
describe.each(KY_MAJOR === 1 ? clients.filter((c) => c.name.startsWith('ky')) : clients)('$name', ({ make }) => {
  it('does not adopt a token from renewHeader when the response came from another origin through a redirect', async () => {
    const { server, session } = await loggedInSession();
    const mallory = await foreignJwt('mallory');
    const evil = await probeServer({ renewToken: mallory });
    const api = await probeServer(); // the allowed API, with its open redirect
    const get = make(session, server.url, { origins: [api.url], renewHeader: 'x-access-token' });
    const before = session.getSnapshot().accessToken;
    await get(`${api.url}/go?to=${encodeURIComponent(`${evil.url}/x`)}`);
    expect(evil.seen.filter((r) => r.method === 'GET')).toHaveLength(1); // the redirect was followed
    expect(session.getSnapshot().accessToken).toBe(before);
    expect(session.getSnapshot().claims?.sub).toBe('user');
    session.stop();
  });

  it('still adopts a renewed token answered by an allowed origin', async () => {
    const { clock, server, session } = await loggedInSession();
    const get = make(session, server.url, { origins: [], renewHeader: 'x-access-token' });
    const before = session.getSnapshot().accessToken;
    clock.advance(5_000); // the renewed token expires later than the current one
    await get('api/renew');
    expect(session.getSnapshot().accessToken).not.toBe(before);
    expect(session.getSnapshot().claims?.sub).toBe('user');
    session.stop();
  });

  it('takes a 401 that another origin answered after a redirect as is: no refresh, no replay', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer({ status: 401 });
    const api = await probeServer();
    const get = make(session, server.url, { origins: [api.url] });
    await get(`${api.url}/go?to=${encodeURIComponent(`${evil.url}/x`)}`);
    expect(evil.seen.filter((r) => r.method === 'GET').map((r) => r.authorization)).toEqual([undefined]);
    expect(server.counters.refreshCalls).toBe(0);
    session.stop();
  });
});
