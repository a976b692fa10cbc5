import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createSession, jsonRefresh, memoryStorage, type SessionError } from '../../src/index.js';
import type { AuthServer } from '../../demo/server/authServer.js';
import { authServer, cookieFetch } from '../helpers/server.js';

// Issue 13.3: cookie mode (an httpOnly cookie carries the refresh token, memoryStorage keeps
// nothing across a reload). With `checkSession: true`, a reloaded page asks the server once:
// status `restoring` (isAuthenticated false) until it answers, then authenticated; a refusal
// means nobody was logged in (loggedOut, onLoggedOut not called); a network failure is
// refreshFailed and the next request asks again. Real auth server in cookie mode; one cookie
// jar plays the browser across the "reload".

function page(server: AuthServer, jar: typeof fetch) {
  const loggedOut: Array<SessionError | null> = [];
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh`, credentials: 'include', fetch: jar }),
    storage: memoryStorage(),
    checkSession: true,
    retry: { attempts: 0 },
    wake: false,
    onWarning: () => {},
    onLoggedOut: (reason) => loggedOut.push(reason),
  });
  onTestFinished(() => session.stop());
  return { session, loggedOut };
}

/** Logs in through the jar, as the app's login form does: the server sets the refresh cookie. */
async function logIn(server: AuthServer, jar: typeof fetch) {
  const res = await jar(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol' }) });
  return (await res.json()) as { accessToken: string; expiresIn: number };
}

function deferred() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('checkSession after a reload in cookie mode', () => {
  it('is restoring (not authenticated) until the one refresh answers, then authenticated as the same user', async () => {
    const server = await authServer({ cookie: true });
    const jar = cookieFetch();
    const first = page(server, jar);
    first.session.login(await logIn(server, jar));
    expect(first.session.getSnapshot().status).toBe('authenticated');
    first.session.stop();
    server.resetCounters();

    const gate = deferred();
    server.setFault({ type: 'gate', open: gate.promise }, 1);
    const reload = page(server, jar); // a new page: memory is empty, the cookie jar is not
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'restoring', isRestoring: true, isAuthenticated: false, accessToken: null });
    const token = reload.session.getAccessToken();
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'restoring', isAuthenticated: false, pending: 1 });

    gate.open();
    await expect(token).resolves.toEqual(expect.any(String));
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'authenticated', isAuthenticated: true, isRestoring: false, claims: { sub: 'carol' } });
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshOk).toBe(1);
    expect(refreshesWithBody(server)).toEqual([]); // the cookie, not a body, carried the refresh token
    expect(reload.loggedOut).toEqual([]);
  });

  it('without a session cookie: one refused refresh, then loggedOut, and onLoggedOut is not called', async () => {
    const server = await authServer({ cookie: true });
    const reload = page(server, cookieFetch());
    // nobody was logged in: the caller hears "logged out", as before any login
    await expect(reload.session.getAccessToken()).rejects.toMatchObject({ kind: 'logged-out' });
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'loggedOut', isAuthenticated: false, isRestoring: false, error: null });
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshRejected).toBe(1);
    expect(reload.loggedOut).toEqual([]);
  });

  it('with the network down: refreshFailed (not loggedOut), and the next request asks again and gets in', async () => {
    const server = await authServer({ cookie: true });
    const jar = cookieFetch();
    await logIn(server, jar);
    server.resetCounters();

    server.setFault({ type: 'drop' }, 1);
    const reload = page(server, jar);
    await expect(reload.session.getAccessToken()).rejects.toMatchObject({ kind: 'network' });
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'refreshFailed', isRestoring: false });
    expect(reload.loggedOut).toEqual([]);

    // cooling down (rule 15): the next request fails at once; once the wait is over it asks again
    await expect(reload.session.getAccessToken()).rejects.toMatchObject({ kind: 'network' });
    await vi.waitFor(() => expect(reload.session.getSnapshot().retryAt).toBeNull(), { timeout: 2_000 });
    await expect(reload.session.getAccessToken()).resolves.toEqual(expect.any(String));
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'authenticated', claims: { sub: 'carol' } });
    expect(server.counters.refreshCalls).toBe(2);
    expect(server.counters.refreshOk).toBe(1);
  });
});

const refreshesWithBody = (server: AuthServer) =>
  server.seen.filter((r) => r.path === '/refresh' && /refresh_?token/i.test(r.body));
