import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, jsonRefresh, SessionError, webStorage, type RefreshContext, type SessionSync, type SyncMessage, type TokenSet } from '../../src/index.js';
import { dpop, memoryKeyStore, type DpopKeyStore } from '../../src/dpop.js';
import { inMemoryWebStorage } from '../helpers/integration.js';
import { walkReachable } from '../helpers/reachable.js';

// The key's life in a DPoP session: named after the storage key, the same for every tab, kept
// through login() (tokens are bound to the key of the code exchange), deleted at each end of the
// session in the tab that ended it (after revoke settled), read again when another tab logs in
// or out; and never shown by storage, tab messages, snapshots, errors or the inspector.

const TOKEN = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const fresh = (n: number): TokenSet => ({ accessToken: `${TOKEN}${n}`, refreshToken: `r${n}`, expiresIn: 300 });

/** Two tabs' SessionSync, delivering each message to the other tab at once; every message kept. */
function pairedSync() {
  const listeners = new Map<'a' | 'b', (m: SyncMessage) => void>();
  const messages: SyncMessage[] = [];
  const side = (self: 'a' | 'b', other: 'a' | 'b'): SessionSync => ({
    publish: (message) => (messages.push(message), listeners.get(other)?.(structuredClone(message))),
    subscribe: (listener) => (listeners.set(self, listener), () => void listeners.delete(self)),
  });
  return { a: side('a', 'b'), b: side('b', 'a'), messages };
}

function tab(store: DpopKeyStore, extra: Partial<Parameters<typeof createSession>[0]> = {}) {
  const binding = dpop({ keyStore: store, onWarning: () => {} });
  let n = 0;
  const contexts: RefreshContext[] = [];
  const session = createSession({
    refresh: async (context) => (contexts.push(context), fresh(++n)),
    dpop: binding,
    wake: false,
    activity: false,
    onWarning: () => {},
    ...extra,
  });
  onTestFinished(() => session.stop());
  return { session, binding, contexts };
}

describe('the key in a DPoP session', () => {
  it('is named after the storage key (one key per session storage key), and a refresh function gets the binding as context.dpop', async () => {
    const store = memoryKeyStore();
    const web = inMemoryWebStorage();
    const { session, binding, contexts } = tab(store, { storage: webStorage(web.storage, { key: 'app.session' }) });
    expect(binding.toJSON().key).toBe('app.session');
    await binding.thumbprint(); // the code exchange's key, made on first use
    session.login(fresh(0));
    await session.refresh();
    expect(contexts[0]?.dpop).toBe(binding);
    expect(await store.load('app.session')).not.toBeNull();
  });

  it('login() keeps the key the tokens were bound to; logout() deletes it after revoke settled, and the next login gets a new one', async () => {
    const store = memoryKeyStore();
    const revoked: Array<{ dpop: unknown; keyThen: unknown }> = [];
    const { session, binding } = tab(store, {
      revoke: async (context) => void revoked.push({ dpop: context.dpop, keyThen: await store.load('silent-session') }),
    });
    const bound = await binding.thumbprint(); // the code exchange's key
    session.login(fresh(0));
    expect(await binding.thumbprint()).toBe(bound);
    await session.logout();
    expect(revoked).toHaveLength(1);
    expect(revoked[0]?.dpop).toBe(binding);
    expect(revoked[0]?.keyThen).not.toBeNull(); // still there while revoking (its proof needs it)
    expect(await store.load('silent-session')).toBeNull();
    expect(await binding.thumbprint()).not.toBe(bound);
  });

  it('a session ended by the server (refresh rejected) deletes the key too', async () => {
    const store = memoryKeyStore();
    const { binding } = tab(store);
    const session = createSession({
      refresh: async () => {
        throw new SessionError('rejected', 'invalid_grant');
      },
      dpop: binding,
      wake: false,
      activity: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());
    const bound = await binding.thumbprint();
    session.login(fresh(0));
    await session.refresh().catch(() => {});
    expect(session.getSnapshot().status).toBe('loggedOut');
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.load('silent-session')).toBeNull();
    expect(await binding.thumbprint()).not.toBe(bound);
  });

  it('a login made while the revocation is still out keeps its key (the deletion is dropped)', async () => {
    const store = memoryKeyStore();
    let release = () => {};
    const { session, binding } = tab(store, { revoke: () => new Promise<void>((resolve) => (release = resolve)) });
    session.login(fresh(0));
    const ending = session.logout();
    const next = await binding.thumbprint(); // the new login's code exchange
    session.login(fresh(1));
    release();
    await ending;
    expect(await binding.thumbprint()).toBe(next);
    expect(await store.load('silent-session')).not.toBeNull();
  });

  it('tabs: one key for both; a logout in one deletes it there, the other reads the store again (no deletion of its own); another tab’s new login brings its key', async () => {
    const store = memoryKeyStore(); // one store, as IndexedDB is for every tab of the origin
    const sync = pairedSync();
    const a = tab(store, { sync: sync.a });
    const b = tab(store, { sync: sync.b });
    const first = await a.binding.thumbprint();
    expect(await b.binding.thumbprint()).toBe(first);
    a.session.login(fresh(0));
    expect(b.session.getSnapshot().status).toBe('authenticated');

    const deletes: string[] = [];
    const del = store.delete.bind(store);
    store.delete = (name) => (deletes.push(name), del(name));
    await a.session.logout();
    expect(b.session.getSnapshot().status).toBe('loggedOut');
    expect(deletes).toEqual(['silent-session']); // once, by the tab that ended it

    const second = await a.binding.thumbprint(); // tab A's next login, on a new key
    expect(second).not.toBe(first);
    a.session.login(fresh(1));
    expect(await b.binding.thumbprint()).toBe(second);

    // another tab rotates the key for a new login flow; this tab adopts that login and its key
    const third = await a.binding.rotate();
    a.session.login(fresh(2));
    expect(b.session.getSnapshot().accessToken).toBe(fresh(2).accessToken);
    expect(await b.binding.thumbprint()).toBe(third);
  });

  it('jsonRefresh({ dpop: true }) proves its request with the session’s key; without the option it sends no proof', async () => {
    const sent: Headers[] = [];
    const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      sent.push(new Headers(init?.headers));
      return Response.json({ accessToken: `${TOKEN}9`, expiresIn: 60 });
    }) as typeof globalThis.fetch;
    const binding = dpop({ keyStore: memoryKeyStore() });
    const signal = new AbortController().signal;
    await jsonRefresh({ url: 'https://api.example.com/auth/refresh', fetch, dpop: true })({ refreshToken: 'r1', signal, dpop: binding });
    await jsonRefresh({ url: 'https://api.example.com/auth/refresh', fetch })({ refreshToken: 'r1', signal, dpop: binding });
    const proof = sent[0]?.get('dpop') ?? '';
    const claims = JSON.parse(Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ htm: 'POST', htu: 'https://api.example.com/auth/refresh' });
    expect(claims.ath).toBeUndefined();
    expect(sent[1]?.has('dpop')).toBe(false);
  });
});

describe('no key material on any surface', () => {
  it('storage, tab messages, snapshots, errors and everything the inspector received hold neither the key nor its coordinates', async () => {
    const store = memoryKeyStore();
    const web = inMemoryWebStorage();
    const sync = pairedSync();
    const inspected: unknown[] = [];
    const snapshots: unknown[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    const binding = dpop({ keyStore: store, onWarning: () => {} });
    const session = createSession({
      refresh: async () => {
        if (++calls === 2) throw new SessionError('network', 'down');
        return fresh(calls);
      },
      storage: webStorage(web.storage, { key: 'app.session' }),
      sync: sync.a,
      dpop: binding,
      inspect: (event) => void inspected.push(event),
      retry: { attempts: 0 },
      wake: false,
      activity: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());
    session.subscribe((s) => void snapshots.push(s));
    session.login(fresh(0));
    await session.refresh();
    await session.refresh().catch((e: unknown) => void errors.push(e));
    await session.logout();
    const jwk = await binding.publicJwk(); // a new key now; the old one's coordinates are checked below too
    const pair = await store.load('app.session');

    const needles = [jwk.x, jwk.y];
    const walked = [web.data, sync.messages, snapshots, errors, inspected, session.getSnapshot()];
    const found = walkReachable(walked, needles);
    expect(found.found).toEqual([]);
    // and no CryptoKey object anywhere (the private key cannot be read, but must not be reachable either)
    const keys: string[] = [];
    const seen = new Set<unknown>();
    const visit = (value: unknown, path: string, depth: number) => {
      if (typeof value !== 'object' || value === null || seen.has(value) || depth > 40) return;
      seen.add(value);
      if (value instanceof CryptoKey) return void keys.push(path);
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      for (const [k, v] of entries) visit(v, `${path}.${String(k)}`, depth + 1);
    };
    visit(walked, '$', 0);
    expect(keys).toEqual([]);
    expect(pair?.privateKey.extractable).toBe(false);
    expect(JSON.stringify(binding)).not.toMatch(/"d"|"x"|"y"/);
  });
});
