import { describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, oauthRefresh } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';
import { authServer } from '../helpers/server.js';

// The refresh request must not go through the client that waits for the refresh: it would
// carry the access token as a Bearer (rule 4) and, once the token expired, wait for itself
// until the timeout. Passing createAuthFetch's fetch to a refresh helper is refused at once.

describe('a refresh helper given the fetch createAuthFetch returned', () => {
  it.each([
    ['jsonRefresh', (f: typeof fetch) => jsonRefresh({ url: 'https://auth.example.com/refresh', fetch: f })],
    ['oauthRefresh', (f: typeof fetch) => oauthRefresh({ tokenEndpoint: 'https://id.example.com/token', clientId: 'spa', fetch: f })],
    ['oauthRefresh.fromIssuer', (f: typeof fetch) => oauthRefresh.fromIssuer('https://id.example.com', { clientId: 'spa', fetch: f })],
  ])('%s throws a TypeError when it is created, naming the option', async (_name, create) => {
    const server = await authServer();
    const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), wake: false });
    const authFetch = createAuthFetch(session, { baseUrl: server.url });
    expect(() => create(authFetch)).toThrow(TypeError);
    expect(() => create(authFetch)).toThrow(/`fetch`.*createAuthFetch/);
    session.stop();
  });

  it('accepts any other fetch, including one that wraps the global fetch', async () => {
    const server = await authServer();
    const logged: string[] = [];
    const refresh = jsonRefresh({
      url: `${server.url}/refresh`,
      fetch: (input, init) => (logged.push(String(input)), fetch(input, init)),
    });
    const session = createSession({ refresh, wake: false });
    session.login(await server.login());
    await session.refresh();
    expect(logged).toEqual([`${server.url}/refresh`]);
    expect(server.counters.refreshWithBearer).toBe(0);
    session.stop();
  });
});
