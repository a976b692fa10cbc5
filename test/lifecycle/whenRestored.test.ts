import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, jsonRefresh, webStorage, whenRestored, type Session, type TokenSet, type TokenStorage } from '../../src/index.js';
import { inMemoryWebStorage, sessionErrorOf, STORAGE_KEY, type InMemoryWebStorage } from '../helpers/integration.js';
import { authServer, cookieFetch, jumpClock } from '../helpers/server.js';

// whenRestored(session): what a route guard or an auth provider awaits before it decides. It
// settles once the session knows whether the user is signed in, starts nothing itself, and
// never hangs. Against the real auth server: a reload is a new session over the same storage.

/** A gate the test opens: the server holds refresh answers until then. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function tab(server: { url: string }, web: InMemoryWebStorage, now: () => number, extra: Partial<Parameters<typeof createSession>[0]> = {}): Session {
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    storage: webStorage(web.storage, { key: STORAGE_KEY }),
    retry: { attempts: 0 },
    wake: false,
    activity: false,
    now,
    onWarning: () => {},
    ...extra,
  });
  onTestFinished(() => session.stop());
  return session;
}

describe('whenRestored', () => {
  it('cookie mode: ten guards awaiting the checkSession restore all get the signed-in snapshot, and the server sees 1 refresh', async () => {
    const server = await authServer({ cookie: true });
    const fetch = cookieFetch();
    await fetch(`${server.url}/login`, { method: 'POST', body: JSON.stringify({ username: 'ann' }) }); // the cookie a login set
    server.resetCounters();
    const held = gate();
    server.setFault({ type: 'gate', open: held.opened }, 1);
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh`, credentials: 'include', fetch }),
      checkSession: true,
      wake: false,
      activity: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());

    expect(session.getSnapshot().status).toBe('restoring');
    const guards = Array.from({ length: 10 }, () => whenRestored(session));
    expect(session.getSnapshot().pending).toBe(0); // nobody is queued for a token
    held.open();
    const snapshots = await Promise.all(guards);

    expect(snapshots.map((s) => [s.status, s.isAuthenticated, s.claims?.sub])).toEqual(Array.from({ length: 10 }, () => ['authenticated', true, 'ann']));
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('cookie mode without a cookie: resolves logged out after the one refresh is refused', async () => {
    const server = await authServer({ cookie: true });
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh`, credentials: 'include', fetch: cookieFetch() }),
      checkSession: true,
      wake: false,
      activity: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());
    const snapshot = await whenRestored(session);
    expect(snapshot).toMatchObject({ status: 'loggedOut', isAuthenticated: false, isRestoring: false });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a reload with a stored token that expired meanwhile waits for its refresh: signed in when the server agrees', async () => {
    const clock = jumpClock();
    const server = await authServer({ accessTtl: 60, now: clock.now });
    const web = inMemoryWebStorage();
    const before = tab(server, web, clock.now);
    before.login(await server.login('ann'));
    before.stop(); // the page is reloaded...
    clock.advance(120_000); // ...after the access token expired
    server.resetCounters();

    const after = tab(server, web, clock.now);
    expect(after.getSnapshot().status).toBe('refreshing'); // restored, and the dead token is being renewed
    const snapshot = await whenRestored(after);
    expect(snapshot).toMatchObject({ status: 'authenticated', isAuthenticated: true });
    expect(snapshot.accessToken).toBe(after.getSnapshot().accessToken);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('a reload with a stored token whose refresh the server refuses resolves logged out, never with the refreshing snapshot', async () => {
    const clock = jumpClock();
    const server = await authServer({ accessTtl: 60, now: clock.now });
    const web = inMemoryWebStorage();
    const before = tab(server, web, clock.now);
    before.login(await server.login('ann'));
    before.stop();
    clock.advance(120_000);
    server.revokeAll();
    server.resetCounters();

    const after = tab(server, web, clock.now);
    expect(after.getSnapshot().isAuthenticated).toBe(true); // what a guard reading the status now would trust
    const snapshot = await whenRestored(after);
    expect(snapshot).toMatchObject({ status: 'loggedOut', isAuthenticated: false, error: { kind: 'rejected' } });
    expect(web.raw()).toBeNull();
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('an asynchronous storage: resolves with what it loaded', async () => {
    let finishLoading!: (tokens: TokenSet | null) => void;
    const loading = new Promise<TokenSet | null>((resolve) => (finishLoading = resolve));
    const storage: TokenStorage = { load: () => loading, save: () => {}, clear: () => {} };
    const session = createSession({ refresh: async () => ({ accessToken: 'never' }), storage, wake: false, activity: false });
    onTestFinished(() => session.stop());
    const restored = whenRestored(session);
    expect(session.getSnapshot().status).toBe('restoring');
    finishLoading({ accessToken: 'opaque-stored-token', refreshToken: 'r' });
    await expect(restored).resolves.toMatchObject({ status: 'authenticated', accessToken: 'opaque-stored-token' });
  });

  it('resolves at once with the current snapshot when the session already knows', async () => {
    const session = createSession({ refresh: async () => ({ accessToken: 'never' }), wake: false, activity: false });
    onTestFinished(() => session.stop());
    await expect(whenRestored(session)).resolves.toBe(session.getSnapshot());
    session.login({ accessToken: 'opaque', refreshToken: 'r' });
    await expect(whenRestored(session)).resolves.toMatchObject({ status: 'authenticated' });
  });

  it('never hangs: stop() during the restore rejects it with kind aborted, and so does a call after stop()', async () => {
    const server = await authServer({ cookie: true });
    server.setFault({ type: 'hang' });
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh`, credentials: 'include', fetch: cookieFetch() }),
      checkSession: true,
      wake: false,
      activity: false,
      onWarning: () => {},
    });
    const waiting = whenRestored(session);
    session.stop();
    expect((await sessionErrorOf(waiting)).kind).toBe('aborted');
    expect((await sessionErrorOf(whenRestored(session))).kind).toBe('aborted');
  });
});
