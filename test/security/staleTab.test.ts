import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  createSession,
  jsonRefresh,
  jsonRevoke,
  webStorage,
  type Session,
  type SessionOptions,
  type TokenSet,
  type TokenStorage,
} from '../../src/index.js';
import type { AuthServer } from '../../demo/server/authServer.js';
import { inMemoryWebStorage, STORAGE_KEY, type InMemoryWebStorage } from '../helpers/integration.js';
import { authServer } from '../helpers/server.js';

// Issue 19.5, DESIGN rule 14: a tab removes only what it owns. Shared localStorage without sync
// (the quick start): alice's old tab ends her session — a refused refresh, a logout, a lifetime
// end — after bob logged in in another tab. Bob's stored session must survive it, so his next
// reload comes up signed in as bob. Real auth server; two sessions over one shared storage.

const subOf = (accessToken: string | null | undefined) =>
  accessToken ? (JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub : null;

function open(server: AuthServer, storage: TokenStorage, extra: Partial<SessionOptions> = {}): Session {
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    revoke: jsonRevoke({ url: `${server.url}/revoke` }),
    storage,
    wake: false,
    activity: false,
    retry: { attempts: 0 },
    onWarning: () => {},
    ...extra,
  });
  onTestFinished(() => session.stop());
  return session;
}

const web = (w: InMemoryWebStorage) => webStorage(w.storage, { key: STORAGE_KEY, onWarning: () => {} });

/** A TokenStorage that answers every call a turn later (IndexedDB, a native bridge), shared by tabs. */
function asyncStorage() {
  let value: TokenSet | null = null;
  const later = <T>(f: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(f()), 1));
  const storage: TokenStorage = {
    load: () => later(() => (value === null ? null : { ...value })),
    save: (tokens) => later(() => void (value = { ...tokens })),
    clear: () => later(() => void (value = null)),
  };
  return { storage, get: () => value, set: (v: TokenSet | null) => void (value = v) };
}

function deferred() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * Alice's old tab has a refresh in flight (held at the server); in another tab alice logs out
 * (revoking her login) and bob logs in; then the old refresh is refused.
 */
async function refusedAfterAccountSwitch(storage: () => TokenStorage) {
  const server = await authServer({ accessTtl: 600 });
  const old = open(server, storage());
  old.login(await server.login('alice'));
  await vi.waitFor(() => expect(old.getSnapshot().status).toBe('authenticated'));
  const gate = deferred();
  server.setFault({ type: 'gate', open: gate.promise }, 1);
  const refused = old.refresh().catch((error: unknown) => error);
  await vi.waitFor(() => expect(server.counters.refreshCalls).toBe(1));

  const other = open(server, storage());
  await vi.waitFor(() => expect(other.getSnapshot().status).toBe('authenticated'));
  await other.logout(); // revokes alice's login at the server
  other.login(await server.login('bob'));
  gate.open();
  expect(await refused).toMatchObject({ kind: 'rejected' });
  expect(old.getSnapshot().status).toBe('loggedOut');
  return { server, other };
}

describe('alice’s old tab, refused after bob logged in elsewhere, leaves bob’s stored session alone', () => {
  it('localStorage (webStorage): bob’s set stays, and his reload comes up signed in as bob', async () => {
    const w = inMemoryWebStorage();
    const { server } = await refusedAfterAccountSwitch(() => web(w));
    await Promise.resolve();
    expect(subOf(w.tokens()?.accessToken)).toBe('bob');
    const reload = open(server, web(w));
    expect(reload.getSnapshot().status).toBe('authenticated');
    expect(subOf(await reload.getAccessToken())).toBe('bob');
  });

  it('an asynchronous storage: the same', async () => {
    const shared = asyncStorage();
    const { server } = await refusedAfterAccountSwitch(() => shared.storage);
    await vi.waitFor(() => expect(subOf(shared.get()?.accessToken)).toBe('bob'));
    await new Promise((r) => setTimeout(r, 20)); // a clear queued behind would have landed by now
    expect(subOf(shared.get()?.accessToken)).toBe('bob');
    const reload = open(server, shared.storage);
    expect(subOf(await reload.getAccessToken())).toBe('bob');
  });

  it('the login record (maxSessionAge) keeps bob’s stamp too', async () => {
    const w = inMemoryWebStorage();
    const record = inMemoryWebStorage();
    const options = { maxSessionAge: 3_600_000, loginRecord: { storage: record.storage } };
    const server = await authServer({ accessTtl: 600 });
    const old = open(server, web(w), options);
    old.login(await server.login('alice'));
    const gate = deferred();
    server.setFault({ type: 'gate', open: gate.promise }, 1);
    const refused = old.refresh().catch((error: unknown) => error);
    await vi.waitFor(() => expect(server.counters.refreshCalls).toBe(1));
    const other = open(server, web(w), options);
    await other.logout();
    other.login(await server.login('bob'));
    const bobs = [...record.data.values()];
    gate.open();
    expect(await refused).toMatchObject({ kind: 'rejected' });
    expect(subOf(w.tokens()?.accessToken)).toBe('bob');
    expect([...record.data.values()]).toEqual(bobs);
    expect(JSON.parse(bobs[0] as string)).toMatchObject({ loginId: w.tokens()?.loginId });
  });
});

describe('every other way an old tab ends its session leaves a newer login alone', () => {
  async function switched(extra: Partial<SessionOptions> = {}) {
    const server = await authServer({ accessTtl: 600 });
    const w = inMemoryWebStorage();
    const old = open(server, web(w), extra);
    old.login(await server.login('alice'));
    const other = open(server, web(w)); // bob's tab, in use
    await other.logout();
    other.login(await server.login('bob'));
    return { server, w, old };
  }

  it('logout() in the old tab', async () => {
    const { w, old } = await switched();
    await old.logout();
    expect(subOf(w.tokens()?.accessToken)).toBe('bob');
  });

  it('the old tab’s idle timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const { w, old } = await switched({ idleTimeout: 60_000, endingWarning: 0 });
    await vi.advanceTimersByTimeAsync(60_001);
    expect(old.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'idle-timeout' } });
    expect(subOf(w.tokens()?.accessToken)).toBe('bob');
  });

  it('the old tab’s maximum age', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const server = await authServer({ accessTtl: 600, refreshTtl: 24 * 3_600 });
    const w = inMemoryWebStorage();
    const options = { maxSessionAge: 120_000, endingWarning: 0 };
    const old = open(server, web(w), options);
    old.login(await server.login('alice'));
    await vi.advanceTimersByTimeAsync(60_000);
    const other = open(server, web(w), options);
    await other.logout();
    other.login(await server.login('bob'));
    await vi.advanceTimersByTimeAsync(60_001);
    expect(old.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    expect(other.getSnapshot().status).toBe('authenticated');
    expect(subOf(w.tokens()?.accessToken)).toBe('bob');
  });

  it('the old tab’s refresh token expiring', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const server = await authServer({ accessTtl: 600, refreshMaxAge: 120 });
    const w = inMemoryWebStorage();
    const old = open(server, web(w), { endingWarning: 0 });
    old.login(await server.login('alice'));
    await vi.advanceTimersByTimeAsync(60_000);
    const other = open(server, web(w));
    await other.logout();
    other.login(await server.login('bob'));
    await vi.advanceTimersByTimeAsync(61_000);
    expect(old.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    expect(subOf(w.tokens()?.accessToken)).toBe('bob');
  });

  it('logout() while the old tab is still restoring from a slow storage', async () => {
    const server = await authServer({ accessTtl: 600 });
    const shared = asyncStorage();
    const gate = deferred();
    const slow: TokenStorage = { ...shared.storage, load: () => gate.promise.then(() => shared.storage.load()) };
    const old = open(server, slow);
    expect(old.getSnapshot().status).toBe('restoring');
    const other = open(server, shared.storage);
    await vi.waitFor(() => expect(other.getSnapshot().status).toBe('loggedOut'));
    other.login(await server.login('bob'));
    await vi.waitFor(() => expect(subOf(shared.get()?.accessToken)).toBe('bob'));
    await old.logout();
    gate.open();
    await new Promise((r) => setTimeout(r, 20)); // the old tab's queued clear would have landed
    expect(subOf(shared.get()?.accessToken)).toBe('bob');
  });

  it('garbage the old tab read is cleared only if it is still garbage when the clear runs', async () => {
    const server = await authServer({ accessTtl: 600 });
    const shared = asyncStorage();
    shared.set({ accessToken: '' } as TokenSet); // garbage
    const gate = deferred();
    // the old tab's read sees the garbage, and answers after bob's login landed
    const stale: TokenStorage = { ...shared.storage, load: () => { const seen = shared.get(); return gate.promise.then(() => seen); } };
    const old = open(server, stale);
    const other = open(server, shared.storage);
    await vi.waitFor(() => expect(other.getSnapshot().status).toBe('loggedOut'));
    other.login(await server.login('bob'));
    await vi.waitFor(() => expect(subOf(shared.get()?.accessToken)).toBe('bob'));
    gate.open();
    await vi.waitFor(() => expect(old.getSnapshot().status).toBe('loggedOut'));
    await new Promise((r) => setTimeout(r, 20));
    expect(subOf(shared.get()?.accessToken)).toBe('bob');
  });
});

describe('what a tab owns is still cleared', () => {
  it('a refused refresh of the stored login clears it (nobody else logged in)', async () => {
    const server = await authServer({ accessTtl: 600 });
    const w = inMemoryWebStorage();
    const s = open(server, web(w));
    s.login(await server.login('alice'));
    server.revokeAll();
    await expect(s.refresh()).rejects.toMatchObject({ kind: 'rejected' });
    expect(w.raw()).toBeNull();
  });

  it('logout() clears a newer set of the same login that another tab stored', async () => {
    const server = await authServer({ accessTtl: 600 });
    const w = inMemoryWebStorage();
    const a = open(server, web(w));
    a.login(await server.login('alice'));
    const b = open(server, web(w));
    await b.refresh(); // the same login, newer tokens, stored; A never heard (no sync)
    expect(w.tokens()?.accessToken).not.toBe(a.getSnapshot().accessToken);
    await a.logout();
    expect(w.raw()).toBeNull();
  });
});
