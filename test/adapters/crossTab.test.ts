import { describe, expect, it, vi } from 'vitest';
import { broadcastSync, createSession, jsonRefresh, webLocks, webStorage, type Session, type SessionSnapshot, type StorageLike } from '../../src/index.js';
import { authServer } from '../helpers/server.js';

// Node has BroadcastChannel (delivered between channel objects of one process), so two
// sessions here behave like two tabs sharing a localStorage. The real-browser versions of
// these scenarios (Web Locks, several pages) are in test/browser/crossTab.test.ts.

function sharedStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

/** Resolves once the session's snapshot satisfies `ready` (the message from the other tab arrived). */
function until(session: Session, ready: (s: SessionSnapshot) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (ready(session.getSnapshot())) return resolve();
    const stop = session.subscribe((s) => {
      if (ready(s)) {
        stop();
        resolve();
      }
    });
  });
}

async function twoTabs(name: string, fetchOf: (tab: 'a' | 'b') => typeof fetch = () => fetch) {
  const server = await authServer();
  const local = sharedStorage();
  const tab = (which: 'a' | 'b') =>
    createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh`, fetch: fetchOf(which) }),
      storage: webStorage(local, { key: name }),
      sync: broadcastSync(name),
      wake: false,
    });
  return { server, local, a: tab('a'), b: tab('b') };
}

describe('broadcastSync between two sessions', () => {
  it('logs the other tab in on login, without a login or refresh of its own', async () => {
    const { server, a, b } = await twoTabs('login-sync');
    a.login(await server.login());
    await until(b, (s) => s.status === 'authenticated');
    expect(b.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: a.getSnapshot().accessToken });
    expect(server.counters.logins).toBe(1);
    expect(server.counters.refreshCalls).toBe(0);
    a.stop();
    b.stop();
  });

  it('hands a refresh in one tab to the other, which adopts it without refreshing', async () => {
    const { server, a, b } = await twoTabs('refresh-sync');
    a.login(await server.login());
    await until(b, (s) => s.status === 'authenticated');
    const fresh = await a.refresh();
    await until(b, (s) => s.accessToken === fresh);
    expect(b.getSnapshot().accessToken).toBe(fresh);
    expect(server.counters.refreshCalls).toBe(1);
    a.stop();
    b.stop();
  });

  it('obeys a logout from another tab at once, even mid-refresh, leaving the cleared storage alone', async () => {
    // how tab b's refresh request ended, as its fetch saw it
    const requests: Array<Promise<string>> = [];
    const { server, local, a, b } = await twoTabs('logout-sync', (tab) =>
      tab === 'a'
        ? fetch
        : (input, init) => {
            const response = fetch(input, init);
            requests.push(response.then((r) => r.clone().text().then(() => `answered ${r.status}`), () => (init?.signal?.aborted ? 'abandoned' : 'failed')));
            return response;
          },
    );
    a.login(await server.login());
    await until(b, (s) => s.status === 'authenticated');
    server.setFault({ type: 'delay', ms: 300 }, 1);
    const waiting = b.refresh();
    expect(b.getSnapshot().status).toBe('refreshing');
    await vi.waitFor(() => expect(server.counters.refreshCalls).toBe(1), { timeout: 5_000, interval: 10 });
    a.logout();
    await expect(waiting).rejects.toMatchObject({ kind: 'logged-out' });
    expect(b.getSnapshot()).toMatchObject({ status: 'loggedOut', accessToken: null });
    expect(local.map.size).toBe(0);
    // The server answers after the logout; tab b had abandoned its request, so the answer never reaches it.
    await vi.waitFor(() => expect(server.counters.refreshOk).toBe(1), { timeout: 5_000, interval: 10 });
    expect(await Promise.all(requests)).toEqual(['abandoned']);
    expect(b.getSnapshot().status).toBe('loggedOut');
    expect(local.map.size).toBe(0);
    a.stop();
    b.stop();
  });
});

describe('shared storage', () => {
  it('is not overwritten with older tokens by a tab that has fallen behind', async () => {
    const server = await authServer();
    const local = sharedStorage();
    const stale = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), storage: webStorage(local, { key: 'k' }), wake: false });
    stale.login({ accessToken: 'tab-a-access-0001', refreshToken: 'rt-a', expiresIn: 300 });
    // another tab of the same login (no sync here) writes a newer set
    const { loginId, loginAt } = JSON.parse(local.getItem('k') as string) as { loginId: string; loginAt: number };
    local.setItem('k', JSON.stringify({ accessToken: 'tab-b-access-0002', refreshToken: 'rt-b', expiresAt: Date.now() + 900_000, expiresIn: 900, loginId, loginAt }));
    stale.tokensRenewed({ accessToken: 'tab-a-renewed-0003', expiresIn: 600 });
    expect(stale.getSnapshot().accessToken).toBe('tab-a-renewed-0003');
    expect(JSON.parse(local.getItem('k') as string)).toMatchObject({ accessToken: 'tab-b-access-0002', refreshToken: 'rt-b' });
    // a login always replaces it
    stale.login({ accessToken: 'fresh-login-0004', refreshToken: 'rt-c', expiresIn: 60 });
    expect(JSON.parse(local.getItem('k') as string)).toMatchObject({ accessToken: 'fresh-login-0004' });
    stale.stop();
  });
});

describe('webLocks without navigator.locks', () => {
  it('falls back to single flight in this tab, with one warning', async () => {
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined();
    const server = await authServer();
    const warnings: string[] = [];
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh` }),
      lock: webLocks('no-locks', { onWarning: (m) => warnings.push(m) }),
      wake: false,
    });
    session.login(await server.login());
    await Promise.all([session.refresh(), session.refresh(), session.tokenRejected(session.getSnapshot().accessToken as string)]);
    await session.refresh();
    expect(server.counters.refreshCalls).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/navigator\.locks is not available/)]);
    session.stop();
  });
});
