import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, memoryStorage, type TokenSet, type TokenStorage } from '../../src/index.js';
import { authServer } from '../helpers/server.js';
import { KY_MAJOR } from '../helpers/ky.js';
import { harnesses } from './clients.js';

// One client instance for the whole app: while nobody is logged in it behaves exactly like the
// bare client (no token, no waiting, a 401 returned as is), so the login request and public
// endpoints go through it too. While the session is still finding out (restoring), requests wait.

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'silent-session-public-'));
  await writeFile(join(dir, 'public.json'), JSON.stringify({ hello: 'world' }));
  const server = await authServer({ staticDir: dir });
  const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), storage: memoryStorage(), wake: false });
  return { server, session };
}

// The `ky1` project runs this file again on ky 1: only the ky harnesses then.
describe.each(KY_MAJOR === 1 ? harnesses.filter((h) => h.name.startsWith('ky')) : harnesses)('$name, logged out', (harness) => {
  it('logs in through the same client, then the next request carries the token', async () => {
    const { server, session } = await setup();
    const client = harness.make(session, server.url);
    expect(session.getSnapshot().status).toBe('loggedOut');
    const login = await client.request('POST', '/login', { body: 'json' });
    expect(login.status).toBe(200);
    session.login(login.data as TokenSet);
    const me = await client.request('GET', '/api/me');
    expect(me.status).toBe(200);
    expect(server.seen.map((r) => [r.path, r.authorization])).toEqual([
      ['/login', undefined],
      ['/api/me', `Bearer ${(login.data as TokenSet).accessToken}`],
    ]);
    session.stop();
  });

  it('reaches a public endpoint, and returns a 401 as is without any refresh', async () => {
    const { server, session } = await setup();
    const client = harness.make(session, server.url);
    const pub = await client.request('GET', '/public.json');
    expect([pub.status, pub.data]).toEqual([200, { hello: 'world' }]);
    const denied = await client.request('GET', '/api/profile');
    expect(denied.status).toBe(401);
    expect(client.reportsHttpErrorNatively(denied)).toBe(true);
    expect(server.seen.map((r) => r.authorization)).toEqual([undefined, undefined]);
    expect([server.counters.refreshCalls, server.counters.apiNoToken]).toEqual([0, 1]);
    expect(session.getSnapshot().status).toBe('loggedOut');
    session.stop();
  });

  it('makes requests wait while the session is restoring, then sends them with the restored token', async () => {
    const server = await authServer();
    const tokens = await server.login();
    let answer: (value: TokenSet | null) => void = () => {};
    const storage: TokenStorage = { load: () => new Promise((resolve) => (answer = resolve)), save: () => {}, clear: () => {} };
    const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), storage, wake: false });
    expect(session.getSnapshot().status).toBe('restoring');
    const client = harness.make(session, server.url);
    server.resetCounters();
    const pending = client.request('GET', '/api/after-restore');
    await expect.poll(() => session.getSnapshot().pending).toBe(1);
    expect(server.seen).toHaveLength(0);
    answer(tokens);
    expect((await pending).status).toBe(200);
    expect(server.seen.map((r) => r.authorization)).toEqual([`Bearer ${tokens.accessToken}`]);
    session.stop();
  });

  it('still rejects a request that was waiting for a refresh when the session ended', async () => {
    const { server, session } = await setup();
    session.login(await server.login());
    server.setFault({ type: 'hang' });
    const client = harness.make(session, server.url);
    void session.refresh().catch(() => {});
    const waiting = client.request('GET', '/api/waiting').then((outcome) => outcome.thrown);
    await expect.poll(() => session.getSnapshot().pending).toBe(2); // refresh() itself, and the request
    session.logout();
    expect(await waiting).toMatchObject({ name: 'SessionError', kind: 'logged-out' });
    expect(server.seen.filter((r) => r.path === '/api/waiting')).toHaveLength(0);
    session.stop();
  });
});
