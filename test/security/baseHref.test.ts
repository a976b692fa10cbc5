import axios from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachSession } from '../../src/axios.js';
import { createAuthFetch } from '../../src/fetch.js';
import { probeServer } from '../helpers/probe.js';
import { loggedInSession } from '../helpers/server.js';

// DESIGN rule 5 (v3) for the adapters, on the Node side (real Chromium: test/browser/security.test.ts).
// A relative client base names the page's origin, read from `location`; `document.baseURI`
// (which a <base href> sets) only says where a relative request really goes.

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A page at `pageUrl` whose document base URL is `baseURI` (as a <base href> sets it). */
function page(pageUrl: string, baseURI: string) {
  const doc = { baseURI };
  vi.stubGlobal('location', new URL(pageUrl));
  vi.stubGlobal('document', doc);
  return doc;
}

describe('createAuthFetch with a relative baseUrl', () => {
  it('sends a relative request bare to where an injected <base> points it, before or after creation, and the token home without it', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    const doc = page(`${server.url}/app/`, `${evil.url}/`); // injected before creation
    const authFetch = createAuthFetch(session, { baseUrl: '/api/' });
    await authFetch('me');
    doc.baseURI = `${server.url}/app/`; // removed
    await authFetch('me');
    doc.baseURI = `${evil.url}/x/`; // injected after creation
    await authFetch('me');
    expect(evil.seen.map((r) => [r.path, r.authorization])).toEqual([
      ['/api/me', undefined],
      ['/api/me', undefined],
    ]);
    expect(server.seen.map((r) => [r.path, r.authorization])).toEqual([['/api/me', `Bearer ${session.getSnapshot().accessToken}`]]);
    session.stop();
  });

  it('in Node, with no page, attaches nothing and says why once, naming the remedy', async () => {
    const { session } = await loggedInSession();
    const warnings: string[] = [];
    const sent: Array<[string, string | null]> = [];
    const authFetch = createAuthFetch(session, {
      baseUrl: '/api/',
      onWarning: (m) => warnings.push(m),
      fetch: async (input, init) => (sent.push([String(input), new Headers(init?.headers).get('authorization')]), new Response('{}')),
    });
    await authFetch('me');
    await authFetch('me');
    expect(sent).toEqual([
      ['me', null],
      ['me', null],
    ]);
    expect(warnings).toEqual(['the base URL "/api/" names no origin (a relative base needs a page to resolve against), so no token is attached; give an absolute base URL']);
    session.stop();
  });
});

describe('attachSession on an axios instance with a relative baseURL', () => {
  it('allows the page origin, not the origin of a <base> injected before attaching', async () => {
    const { server, session } = await loggedInSession();
    const evil = await probeServer();
    page(`${server.url}/app/`, `${evil.url}/`);
    const api = axios.create({ baseURL: '/api' });
    const seen: Array<[string | undefined, unknown]> = [];
    // axios's XHR adapter hands the joined URL to the browser, which resolves it against the base
    api.defaults.adapter = async (config) => {
      seen.push([config.url, config.headers.get('Authorization')]);
      return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
    };
    attachSession(api, session);
    await api.get('/me');
    await api.get(`${server.url}/api/me`);
    expect(seen).toEqual([
      ['/me', undefined],
      [`${server.url}/api/me`, `Bearer ${session.getSnapshot().accessToken}`],
    ]);
    session.stop();
  });
});
