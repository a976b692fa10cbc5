import { describe, expect, it, vi } from 'vitest';
import { createSession, webStorage, type StorageLike, type TokenSet, type TokenStorage } from '../../src/index.js';
import { flush, pair } from '../helpers/refreshStub.js';

/** A Storage-like map that can be told to throw, like Safari private mode or a full quota. */
function fakeWebStorage(init: Record<string, string> = {}) {
  const map = new Map(Object.entries(init));
  const fail = { get: false, set: false, remove: false };
  const writes: string[] = [];
  const storage: StorageLike = {
    getItem: (k) => {
      if (fail.get) throw new DOMException('The operation is insecure.', 'SecurityError');
      return map.get(k) ?? null;
    },
    setItem: (k, v) => {
      if (fail.set) throw new DOMException('Quota exceeded', 'QuotaExceededError');
      writes.push(k);
      map.set(k, v);
    },
    removeItem: (k) => {
      if (fail.remove) throw new DOMException('nope', 'SecurityError');
      map.delete(k);
    },
  };
  return { storage, map, fail, writes };
}

const refresh = async () => pair(99);

describe('webStorage', () => {
  it('writes the whole token set as one JSON value under one key, in one write', () => {
    const web = fakeWebStorage();
    const session = createSession({ refresh, wake: false, storage: webStorage(web.storage, { key: 'app.session' }) });
    session.login(pair(1));
    expect([...web.map.keys()]).toEqual(['app.session']);
    expect(web.writes).toEqual(['app.session']);
    expect(JSON.parse(web.map.get('app.session') as string)).toMatchObject({
      accessToken: pair(1).accessToken,
      refreshToken: pair(1).refreshToken,
      expiresAt: expect.any(Number),
    });
  });

  it('restores a session from it on the next page load', () => {
    const web = fakeWebStorage();
    createSession({ refresh, wake: false, storage: webStorage(web.storage, { key: 'k' }) }).login(pair(1));
    const reloaded = createSession({ refresh, wake: false, storage: webStorage(web.storage, { key: 'k' }) });
    expect(reloaded.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(1).accessToken });
  });

  it.each([
    ['garbage', '{not json'],
    ['a wrong shape', JSON.stringify({ token: 'x' })],
    ['an array', '[1,2]'],
    ['a number for the access token', JSON.stringify({ accessToken: 5 })],
    ['a string expiry', JSON.stringify({ accessToken: 'a', expiresAt: 'soon' })],
  ])('starts logged out on %s, clears the key and warns', (_, raw) => {
    const web = fakeWebStorage({ k: raw });
    const warnings: string[] = [];
    const session = createSession({
      refresh,
      wake: false,
      storage: webStorage(web.storage, { key: 'k', onWarning: (m) => warnings.push(m) }),
    });
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(web.map.has('k')).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it('keeps working in memory when writes throw (quota), warning once', async () => {
    const web = fakeWebStorage();
    web.fail.set = true;
    const warnings: string[] = [];
    const storage = webStorage(web.storage, { key: 'k', onWarning: (m) => warnings.push(m) });
    const session = createSession({ refresh, wake: false, storage });
    session.login(pair(1));
    session.login(pair(2));
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(storage.load()).toMatchObject({ accessToken: pair(2).accessToken });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/QuotaExceededError/);
    expect(warnings[0]).not.toContain(pair(2).accessToken);
  });

  it('keeps working in memory when reading throws (Safari private mode) and when there is no storage at all', () => {
    const web = fakeWebStorage();
    web.fail.get = true;
    const warnings: string[] = [];
    const session = createSession({
      refresh,
      wake: false,
      storage: webStorage(web.storage, { key: 'k', onWarning: (m) => warnings.push(m) }),
    });
    expect(session.getSnapshot().status).toBe('loggedOut');
    session.login(pair(1));
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(warnings).toHaveLength(1);

    const none = webStorage(undefined, { key: 'k', onWarning: (m) => warnings.push(m) });
    none.save(pair(2));
    expect(none.load()).toMatchObject({ accessToken: pair(2).accessToken });
  });
});

describe('any storage, through the session', () => {
  it('starts logged out with one warning when load() throws', () => {
    const warnings: string[] = [];
    const broken: TokenStorage = {
      load: () => {
        throw new Error('disk on fire');
      },
      save: () => {},
      clear: () => {},
    };
    const session = createSession({ refresh, wake: false, storage: broken, onWarning: (m) => warnings.push(m) });
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(warnings).toEqual([expect.stringMatching(/disk on fire/)]);
  });

  it('lands asynchronous writes in the order they were made', async () => {
    // Each write lands when the test says. The newest outstanding one is always let through
    // first: if the session started a write before the previous one had landed, the writes
    // would land out of order.
    const landed: string[] = [];
    const outstanding: Array<{ what: string; land: () => void }> = [];
    let value: TokenSet | null = null;
    const held = (what: string, apply: () => void) =>
      new Promise<void>((resolve) => outstanding.push({ what, land: () => (apply(), landed.push(what), resolve()) }));
    const slow: TokenStorage = {
      load: async () => value,
      save: (tokens) => held(tokens.accessToken, () => (value = tokens)),
      clear: () => held('cleared', () => (value = null)),
    };
    const session = createSession({ refresh, wake: false, storage: slow });
    await flush();
    session.login(pair(1));
    session.login(pair(2));
    session.logout();
    session.login(pair(3));
    const expected = [pair(1).accessToken, pair(2).accessToken, 'cleared', pair(3).accessToken];
    for (let i = 0; i < expected.length; i++) {
      await vi.waitFor(() => expect(outstanding.length).toBeGreaterThan(0));
      outstanding.splice(-1, 1)[0]?.land(); // the newest first
    }
    expect(landed).toEqual(expected);
    expect(outstanding).toEqual([]);
    expect(value).toMatchObject({ accessToken: pair(3).accessToken });
  });

  it('never stores half a pair: every saved value carries both tokens', () => {
    const saved: TokenSet[] = [];
    const storage: TokenStorage = { load: () => null, save: (t) => void saved.push(t), clear: () => {} };
    const session = createSession({ refresh, wake: false, storage });
    session.login(pair(1));
    session.tokensRenewed({ accessToken: 'renewed-0001', expiresIn: 900 });
    expect(saved).toHaveLength(2);
    for (const set of saved) expect(set).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
  });
});
