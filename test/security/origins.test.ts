import axios from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { loggedInSession } from '../helpers/server.js';
import { probeServer } from '../helpers/probe.js';

// Where a token may go is decided on the URL the transport will request. Each test here sends
// real requests to a real auth server (the allowed origin) and a second server on another port
// (an origin that must never see the token), and asserts what that second server received.

afterEach(() => {
  vi.unstubAllGlobals();
});

/**
 * A page at `pageUrl`, as far as the adapters can tell (location), and a fetch that resolves a
 * relative URL against it the way a browser's fetch does (Node's fetch refuses relative URLs).
 */
function inPage(pageUrl: string): typeof fetch {
  vi.stubGlobal('location', new URL(pageUrl));
  return (input, init) => fetch(typeof input === 'string' ? new URL(input, pageUrl) : input, init);
}

const bearer = (token: string | null) => `Bearer ${token}`;

describe('createAuthFetch without baseUrl, in a page (the page origin is the allowed one)', () => {
  it.each([
    ['/\\HOST/x', 'a backslash after the first slash'],
    ['/\t/HOST/x', 'a tab between the slashes'],
    ['/\n/HOST/x', 'a newline between the slashes'],
    ['/\r\n/HOST/x', 'CR LF between the slashes'],
    ['/\t\\HOST/x', 'a tab, then a backslash'],
    ['\\\\HOST/x', 'two backslashes'],
    [' //HOST/x', 'a leading space'],
    ['\t//HOST/x', 'a leading tab'],
  ])('sends no token to another origin for %j (%s)', async (shape, _why) => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    const authFetch = createAuthFetch(session, { fetch: inPage(`${server.url}/app/`) });
    const input = shape.replace('HOST', `127.0.0.1:${evil.port}`);
    expect(new URL(input, `${server.url}/app/`).origin).toBe(evil.url); // where a browser sends it
    const res = await authFetch(input);
    expect(res.status).toBe(200);
    expect(evil.authorizations()).toEqual([undefined]);
    session.stop();
  });

  it('still attaches the token to paths on the page origin', async () => {
    const { server, session } = await loggedInSession();
    const authFetch = createAuthFetch(session, { fetch: inPage(`${server.url}/app/`) });
    await authFetch('/api/a');
    await authFetch('api/b');
    await authFetch(`${server.url}/api/c`);
    const token = session.getSnapshot().accessToken;
    expect(server.seen.map((r) => [r.path, r.authorization])).toEqual([
      ['/api/a', bearer(token)],
      ['/app/api/b', bearer(token)],
      ['/api/c', bearer(token)],
    ]);
    session.stop();
  });
});

describe('createAuthFetch with a baseUrl', () => {
  it('judges `http:///host` (extra slashes) by its own host, not by a decision cached for another host', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    // Both parse to the host after the extra slash: the first is the allowed origin, the second is not.
    await authFetch(`http:///127.0.0.1:${server.port}/api/first`);
    await authFetch(`http:///127.0.0.1:${evil.port}/steal`);
    expect(server.seen.map((r) => r.authorization)).toEqual([bearer(session.getSnapshot().accessToken)]);
    expect(evil.authorizations()).toEqual([undefined]);
    session.stop();
  });

  it('resolves odd relative input with new URL() against the base, and judges that URL', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    const authFetch = createAuthFetch(session, { baseUrl: `${server.url}/v1/` });
    for (const shape of ['/\\HOST/x', '/\t/HOST/x', '/\n/HOST/x']) {
      await authFetch(shape.replace('HOST', `127.0.0.1:${evil.port}`));
    }
    // Resolved as new URL() resolves them (the documented meaning of baseUrl): the other origin,
    // reached without the token.
    expect(evil.authorizations()).toEqual([undefined, undefined, undefined]);
    expect(server.seen).toHaveLength(0);
    session.stop();
  });

  it('gives a URL object the same decision every time, whatever the origins patterns’ flags', async () => {
    const { server, session } = await loggedInSession();
    const other = await probeServer();
    // A /g pattern remembers lastIndex between test() calls: alone it would say yes, no, yes.
    const authFetch = createAuthFetch(session, { baseUrl: server.url, origins: [new RegExp(`^http://127\\.0\\.0\\.1:${other.port}$`, 'g')] });
    for (let i = 0; i < 3; i++) await authFetch(new URL(`${other.url}/x${i}`));
    const token = bearer(session.getSnapshot().accessToken);
    expect(other.authorizations()).toEqual([token, token, token]);
    session.stop();
  });

  it('warns about an origins pattern that is not anchored at the end (it would also match api.example.com.evil.test)', async () => {
    const { server, session } = await loggedInSession();
    const warnings: string[] = [];
    createAuthFetch(session, { baseUrl: server.url, origins: [/^https:\/\/files\.example\.com/], onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/files\\\.example\\\.com.*\$/);
    session.stop();
  });

  it('never treats an opaque origin ("null", e.g. from a custom scheme in `origins`) as allowed', async () => {
    const { server, session } = await loggedInSession();
    const warnings: string[] = [];
    const seen: Array<string | null> = [];
    const authFetch = createAuthFetch(session, {
      baseUrl: server.url,
      origins: ['app://local'],
      onWarning: (m) => warnings.push(m),
      fetch: async (input, init) => {
        seen.push(new Headers(init?.headers).get('authorization'));
        return new Response('{}');
      },
    });
    await authFetch('other-app://evil/x');
    expect(seen).toEqual([null]);
    expect(warnings.join('\n')).toMatch(/app:\/\/local/);
    session.stop();
  });
});

describe('attachSession', () => {
  it('judges the URL axios requests with allowAbsoluteUrls: false and a per-request baseURL (baseURL + url)', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    const res = await api.get(`${server.url}/api/x`, { baseURL: evil.url, allowAbsoluteUrls: false });
    expect(res.data).toMatchObject({ probe: true }); // axios did request the other origin
    expect(evil.authorizations()).toEqual([undefined]);
    session.stop();
  });

  it('attaches the token when allowAbsoluteUrls: false joins an allowed baseURL with an absolute-looking url', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    const api = axios.create({ baseURL: server.url, allowAbsoluteUrls: false });
    attachSession(api, session);
    // axios requests `${server.url}/http://127.0.0.1:<evil>/api/x`: a path on the allowed origin
    await api.get(`${evil.url}/api/x`).catch(() => {}); // the auth server has no such path: 404
    expect(server.seen.map((r) => [r.path, r.authorization])).toEqual([[`/${evil.url}/api/x`, bearer(session.getSnapshot().accessToken)]]);
    expect(evil.seen).toHaveLength(0);
    session.stop();
  });

  it('sends no token to a per-request baseURL on another origin', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    const api = axios.create({ baseURL: server.url });
    attachSession(api, session);
    await api.get('/x', { baseURL: evil.url });
    await api.get('x', { baseURL: `${evil.url}/v2` });
    expect(evil.authorizations()).toEqual([undefined, undefined]);
    session.stop();
  });
});
