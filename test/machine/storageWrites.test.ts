import { describe, expect, it } from 'vitest';
import { createSession, SessionError, type RefreshLock, type SessionOptions, type SessionSync, type SyncMessage, type TokenSet, type TokenStorage } from '../../src/index.js';
import { pair, scriptedRefresh } from '../helpers/refreshStub.js';

// What reaches storage, and when: one write per refresh, made while the refresh lock is held;
// one per login; none for tokens another tab wrote or sent; one clear per logout. Counted with
// a storage that records every call and whether this tab held the lock at that moment.

interface Write {
  op: 'save' | 'clear';
  /** This tab held the refresh lock when the call was made. */
  locked: boolean;
  accessToken?: string;
}

/** Browser tabs of one origin: a shared storage value, a lock and a message bus between them. */
function origin() {
  let stored: TokenSet | null = null;
  let holder: string | null = null;
  const queue: Array<() => void> = [];
  const listeners = new Map<string, (message: SyncMessage) => void>();

  function tab(name: string, options: Partial<Omit<SessionOptions, 'sync'>> & { sync?: boolean } = {}) {
    const writes: Write[] = [];
    const refresh = scriptedRefresh();
    const storage: TokenStorage = {
      load: () => stored,
      save: (tokens) => {
        writes.push({ op: 'save', locked: holder === name, accessToken: tokens.accessToken });
        stored = { ...tokens };
      },
      clear: () => {
        writes.push({ op: 'clear', locked: holder === name });
        stored = null;
      },
    };
    const lock: RefreshLock = {
      async withLock(fn, opts) {
        const contended = holder !== null;
        if (contended) {
          opts?.onWait?.();
          await new Promise<void>((resolve) => queue.push(resolve));
        }
        holder = name;
        try {
          return await fn({ contended });
        } finally {
          holder = null;
          queue.shift()?.();
        }
      },
    };
    const sync: SessionSync = {
      // delivered to the other tabs a moment later, as BroadcastChannel does
      publish: (message) => {
        for (const [other, listener] of listeners) if (other !== name) queueMicrotask(() => listener(structuredClone(message)));
      },
      subscribe: (listener) => {
        listeners.set(name, listener);
        return () => listeners.delete(name);
      },
    };
    const { sync: synced = true, ...rest } = options;
    const session = createSession({ refresh: refresh.fn, storage, lock, wake: false, retry: { attempts: 0 }, ...(synced ? { sync } : {}), ...rest });
    return { session, refresh, writes, saves: () => writes.filter((w) => w.op === 'save') };
  }
  return { tab, stored: () => stored };
}

/** Lets the bus deliver (its messages are microtasks) and promise callbacks run: one macrotask. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('storage writes per refresh', () => {
  it('a refresh writes the new tokens exactly once, while holding the lock', async () => {
    const { tab, stored } = origin();
    const a = tab('a');
    a.session.login(pair(1));
    const renewed = a.session.refresh();
    (await a.refresh.next()).resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    expect(a.writes).toEqual([
      { op: 'save', locked: false, accessToken: pair(1).accessToken }, // the login
      { op: 'save', locked: true, accessToken: pair(2).accessToken }, // the refresh, inside the lock
    ]);
    expect(stored()).toMatchObject({ accessToken: pair(2).accessToken, refreshToken: pair(2).refreshToken });
  });

  it('three refreshes in a row: three writes, each inside the lock', async () => {
    const { tab } = origin();
    const a = tab('a');
    a.session.login(pair(1));
    for (const n of [2, 3, 4]) {
      const renewed = a.session.refresh();
      (await a.refresh.next()).resolve(pair(n));
      await expect(renewed).resolves.toBe(pair(n).accessToken);
    }
    expect(a.saves().slice(1)).toEqual([2, 3, 4].map((n) => ({ op: 'save', locked: true, accessToken: pair(n).accessToken })));
  });

  it('a background refresh (lead time reached) writes once, inside the lock', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    let wake: (reason: 'timer') => void = () => {};
    const { tab } = origin();
    const a = tab('a', { now: () => now, wake: (notify) => ((wake = notify), () => {}) });
    a.session.login(pair(1, 300));
    now += 250_000; // 50 s left: inside the 60 s lead time
    wake('timer');
    expect(a.session.getSnapshot().status).toBe('expiringSoon');
    (await a.refresh.next()).resolve(pair(2));
    await settle();
    expect(a.session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(2).accessToken });
    expect(a.saves()).toEqual([
      { op: 'save', locked: false, accessToken: pair(1).accessToken },
      { op: 'save', locked: true, accessToken: pair(2).accessToken },
    ]);
  });

  it('a refresh that needs a retry writes the failure (the schedule every tab keeps to) and then the answer, each inside the lock', async () => {
    const { tab, stored } = origin();
    const a = tab('a', { retry: { attempts: 1, backoff: () => 0 } });
    a.session.login(pair(1));
    const renewed = a.session.refresh();
    (await a.refresh.nth(1)).reject(new SessionError('network', 'offline'));
    await settle();
    expect(stored()).toMatchObject({ accessToken: pair(1).accessToken, backoff: { failures: 0, kind: 'network' } });
    (await a.refresh.nth(2)).resolve(pair(2));
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    expect(a.saves()).toEqual([
      { op: 'save', locked: false, accessToken: pair(1).accessToken },
      { op: 'save', locked: true, accessToken: pair(1).accessToken }, // the failure's schedule
      { op: 'save', locked: true, accessToken: pair(2).accessToken },
    ]);
    expect(stored()).not.toHaveProperty('backoff'); // a success ends it
  });

  it('a refresh that finds another tab’s newer tokens on its re-read writes nothing and sends no request', async () => {
    const { tab, stored } = origin();
    // no messages between these two: only the storage tells b that a refreshed
    const a = tab('a', { sync: false });
    a.session.login(pair(1));
    const b = tab('b', { sync: false }); // restores a's login from storage
    expect(b.session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    const renewedInA = a.session.refresh();
    (await a.refresh.next()).resolve(pair(2));
    await renewedInA;
    await expect(b.session.refresh()).resolves.toBe(pair(2).accessToken);
    expect(b.refresh.calls).toHaveLength(0);
    expect(b.writes).toEqual([]);
    expect(a.saves()).toHaveLength(2);
    expect(stored()).toMatchObject({ accessToken: pair(2).accessToken });
  });
});

describe('storage writes per login, per adoption and per logout', () => {
  it('each login writes its tokens once, replacing what is stored', async () => {
    const { tab, stored } = origin();
    const a = tab('a');
    a.session.login(pair(1));
    a.session.login(pair(2));
    expect(a.writes).toEqual([
      { op: 'save', locked: false, accessToken: pair(1).accessToken },
      { op: 'save', locked: false, accessToken: pair(2).accessToken },
    ]);
    expect(stored()).toMatchObject({ accessToken: pair(2).accessToken });
  });

  it('tokens adopted from another tab’s message are not written again', async () => {
    const { tab } = origin();
    const a = tab('a');
    const b = tab('b');
    a.session.login(pair(1));
    await settle();
    expect(b.session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair(1).accessToken });
    const renewed = a.session.refresh();
    (await a.refresh.next()).resolve(pair(2));
    await renewed;
    await settle();
    expect(b.session.getSnapshot().accessToken).toBe(pair(2).accessToken);
    expect(b.writes).toEqual([]);
    expect(a.saves()).toHaveLength(2);
  });

  it('a logout clears storage once, in the tab that logged out; the other tab writes nothing', async () => {
    const { tab, stored } = origin();
    const a = tab('a');
    const b = tab('b');
    a.session.login(pair(1));
    await settle();
    await a.session.logout();
    await settle();
    expect(b.session.getSnapshot().status).toBe('loggedOut');
    expect(a.writes).toEqual([
      { op: 'save', locked: false, accessToken: pair(1).accessToken },
      { op: 'clear', locked: false },
    ]);
    expect(b.writes).toEqual([]);
    expect(stored()).toBeNull();
  });
});

describe('the write is the storing state\'s work, and a skipped write is an outcome the chart shows', () => {
  it('while the answer is being written the chart is in storing, running its storeAnswer actor; callers get the token once it landed', async () => {
    let land: () => void = () => {};
    let stored: TokenSet | null = null;
    const storage: TokenStorage = {
      load: () => stored,
      save: (tokens) => {
        if (tokens.accessToken !== pair(2).accessToken) return void (stored = tokens);
        return new Promise<void>((resolve) => (land = () => resolve(void (stored = tokens))));
      },
      clear: () => void (stored = null),
    };
    const refresh = scriptedRefresh();
    const session = createSession({ refresh: refresh.fn, storage, wake: false, retry: { attempts: 0 } });
    session.login(pair(1));
    const renewed = session.refresh();
    (await refresh.next()).resolve(pair(2));
    await settle();
    const machine = session.actor.getSnapshot();
    expect(machine.matches({ session: { renewing: { attempt: { running: 'storing' } } } })).toBe(true);
    expect(Object.keys(machine.children)).toContain('storeAnswer');
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshing', pending: 1 });
    land();
    await expect(renewed).resolves.toBe(pair(2).accessToken);
    expect(stored).toMatchObject({ accessToken: pair(2).accessToken });
    session.stop();
  });

  it('another tab stored a newer login while this tab\'s refresh was out: the write is skipped and this tab takes the stored login', async () => {
    const { tab, stored } = origin();
    const a = tab('a', { sync: false });
    a.session.login(pair(1));
    const renewed = a.session.refresh();
    const call = await a.refresh.next();
    const b = tab('b', { sync: false });
    b.session.login(pair('other')); // a newer login, stored while a's request is out
    call.resolve(pair(2));
    await expect(renewed).resolves.toBe(pair('other').accessToken);
    expect(a.session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair('other').accessToken });
    expect(stored()).toMatchObject({ accessToken: pair('other').accessToken });
    expect(a.saves()).toEqual([{ op: 'save', locked: false, accessToken: pair(1).accessToken }]); // nothing written over it
  });
});
