import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createSession, jsonRefresh, memoryStorage, webStorage, type CreateSessionOptions, type Session } from '../../src/index.js';
import { inMemoryWebStorage } from '../helpers/integration.js';
import { authServer } from '../helpers/server.js';
import type { AuthServer } from '../../demo/server/authServer.js';

// Issue 20 item 10: with `storage: webStorage(localStorage, { key })`, `sync` and `lock` default
// to `broadcastSync(key)` and `webLocks(key)`. Node 20 has BroadcastChannel but no
// navigator.locks: the sync works between two sessions of this process (two "tabs"), and the
// lock takes its warning path. The page's localStorage is a Map-backed stand-in installed as
// the global, as a browser has it. Real auth server.

const KEY = 'app.session';
afterEach(() => {
  vi.unstubAllGlobals();
});

/** The page's localStorage, as a browser has it: one for every tab of the origin. */
function installLocalStorage() {
  const web = inMemoryWebStorage();
  vi.stubGlobal('localStorage', web.storage);
  return web;
}

/** A session as a tab of the app makes it; `storage` given as undefined means none at all. */
function tab(server: AuthServer, options: Partial<Omit<CreateSessionOptions, 'storage'>> & { storage?: CreateSessionOptions['storage'] | undefined } = {}) {
  const warnings: string[] = [];
  const { storage, ...rest } = options;
  const chosen = 'storage' in options ? storage : webStorage(localStorage, { key: KEY });
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    ...(chosen === undefined ? {} : { storage: chosen }),
    wake: false,
    onWarning: (m) => warnings.push(m),
    ...rest,
  });
  onTestFinished(() => session.stop());
  return { session, warnings };
}

const becomes = (session: Session, status: string) =>
  new Promise<void>((resolve) => {
    if (session.getSnapshot().status === status) return resolve();
    const off = session.subscribe((s) => {
      if (s.status !== status) return;
      off();
      resolve();
    });
  });

/**
 * What the tabs' channel for `KEY` carried until a sentinel posted after `act` arrived: the
 * types of the messages a tab would have heard. (Messages posted from one thread arrive in order.)
 */
async function heardDuring(act: () => void | Promise<void>): Promise<string[]> {
  const heard: string[] = [];
  const listener = new BroadcastChannel(`silent-session:${KEY}`);
  const poster = new BroadcastChannel(`silent-session:${KEY}`);
  const done = new Promise<void>((resolve) => {
    listener.onmessage = (event: MessageEvent<{ type: string }>) => {
      if (event.data.type === 'sentinel') resolve();
      else heard.push(event.data.type);
    };
  });
  await act();
  poster.postMessage({ type: 'sentinel' });
  await done;
  listener.close();
  poster.close();
  return heard;
}

describe('webStorage(localStorage, { key }) without sync or lock: the tabs are wired by default', () => {
  it('a login in one tab signs the other in with the same token, without a login or refresh of its own', async () => {
    const server = await authServer();
    installLocalStorage();
    const a = tab(server);
    const b = tab(server);
    const signedIn = becomes(b.session, 'authenticated');
    a.session.login(await server.login());
    await signedIn;
    expect(b.session.getSnapshot().accessToken).toBe(a.session.getSnapshot().accessToken);
    expect([server.counters.logins, server.counters.refreshCalls]).toEqual([1, 0]);
  });

  it('a refresh in one tab reaches the other, and a logout logs both out', async () => {
    const server = await authServer();
    installLocalStorage();
    const a = tab(server);
    const b = tab(server);
    const signedIn = becomes(b.session, 'authenticated');
    a.session.login(await server.login());
    await signedIn;
    const adopted = new Promise<void>((resolve) => b.session.subscribe((s) => s.accessToken === a.session.getSnapshot().accessToken && resolve()));
    await a.session.refresh();
    await adopted;
    expect(server.counters.refreshCalls).toBe(1);
    const out = becomes(b.session, 'loggedOut');
    await a.session.logout();
    await out;
  });

  it('the default lock is webLocks(key): where navigator.locks is missing (Node) it says so once, through the session’s onWarning', async () => {
    const server = await authServer();
    installLocalStorage();
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined();
    const { session, warnings } = tab(server);
    session.login(await server.login());
    await session.refresh();
    await session.refresh();
    expect(warnings).toEqual([`webLocks("${KEY}"): navigator.locks is not available; refreshes are single-flight in this tab only`]);
  });

  it('`sync: false` and `lock: false` opt out: nothing is told to the other tabs, and no lock is asked for', async () => {
    const server = await authServer();
    installLocalStorage();
    const { session, warnings } = tab(server, { sync: false, lock: false });
    expect(await heardDuring(async () => session.login(await server.login()))).toEqual([]);
    await session.refresh();
    expect(warnings).toEqual([]);
    // the same steps with the defaults: the other tabs hear the login
    const wired = tab(server);
    expect(await heardDuring(async () => wired.session.login(await server.login()))).toEqual(['tokens']);
  });

  it('an explicit sync or lock is used as given, the other one still defaults', async () => {
    const server = await authServer();
    installLocalStorage();
    let locked = 0;
    const lock = { withLock: <T,>(fn: (s: { contended: boolean }) => Promise<T>) => (locked++, fn({ contended: false })) };
    const { session, warnings } = tab(server, { lock });
    expect(await heardDuring(async () => session.login(await server.login()))).toEqual(['tokens']);
    await session.refresh();
    expect([locked, warnings]).toEqual([1, []]);
  });
});

describe('no default for storage the tabs do not share', () => {
  it.each<[string, () => CreateSessionOptions['storage']]>([
    ['memoryStorage()', () => memoryStorage()],
    ['webStorage over sessionStorage (one per tab)', () => webStorage(inMemoryWebStorage().storage, { key: KEY })],
    ['a storage of the app’s own', () => ({ load: () => null, save: () => {}, clear: () => {} })],
    ['no storage', () => undefined],
  ])('%s: no sync and no lock', async (_name, storage) => {
    const server = await authServer();
    installLocalStorage();
    const { session, warnings } = tab(server, { storage: storage() });
    expect(await heardDuring(async () => session.login(await server.login()))).toEqual([]);
    await session.refresh();
    expect(warnings).toEqual([]);
  });

  it('webStorage(localStorage) outside a browser (no localStorage: the session keeps tokens in memory): no default either', async () => {
    const server = await authServer();
    const warnings: string[] = [];
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh` }),
      storage: webStorage((globalThis as { localStorage?: Storage }).localStorage, { key: KEY, onWarning: (m) => warnings.push(m) }),
      wake: false,
      onWarning: (m) => warnings.push(m),
    });
    onTestFinished(() => session.stop());
    expect(await heardDuring(async () => session.login(await server.login()))).toEqual([]);
    await session.refresh();
    expect(warnings).toEqual([`webStorage "${KEY}": opening the storage failed (no storage available); keeping tokens in memory`]);
  });
});
