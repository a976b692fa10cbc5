import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  broadcastSync,
  createSession,
  webStorage,
  type RefreshContext,
  type RefreshLock,
  type Session,
  type StorageLike,
  type TokenSet,
} from '../../src/index.js';
import { fakeJwt } from '../helpers/refreshStub.js';

// Issue 12.6 / DESIGN rule 12 (v2): the most recent login wins in every tab, whatever the
// tokens' expiry order. Two sessions here are two tabs of one origin: one shared Web
// Storage, a real broadcastSync (Node 20 has BroadcastChannel) and an in-process lock that
// behaves like navigator.locks. The "server" issues JWTs for the user a refresh token belongs to.

function sharedStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

/** One lock for all tabs, like navigator.locks for one name: holders run one after another. */
function sharedLock(): RefreshLock {
  let tail: Promise<unknown> = Promise.resolve();
  let held = false;
  return {
    withLock(fn, options) {
      const contended = held;
      if (contended) options?.onWait?.();
      const run = tail.then(async () => {
        held = true;
        try {
          return await fn({ contended });
        } finally {
          held = false;
        }
      });
      tail = run.catch(() => {});
      return run;
    },
  };
}

/**
 * A token issuer with rotation: each refresh token belongs to one user and is good once.
 * `ttl` is the access token's lifetime in seconds for that user.
 */
function issuer(ttl: Record<string, number>) {
  const owners = new Map<string, string>();
  const spentTokens: string[] = [];
  let n = 0;
  const issue = (user: string): TokenSet => {
    n++;
    const now = Math.floor(Date.now() / 1000);
    const refreshToken = `rt-${user}-${n}-0123456789`;
    owners.set(refreshToken, user);
    return { accessToken: fakeJwt({ sub: user, n, iat: now, exp: now + (ttl[user] ?? 600) }), refreshToken };
  };
  const refreshed: string[] = []; // the user of each refresh, in order
  const refresh = async ({ refreshToken }: RefreshContext): Promise<TokenSet> => {
    const user = refreshToken === undefined ? undefined : owners.get(refreshToken);
    if (user === undefined || refreshToken === undefined || spentTokens.includes(refreshToken)) throw Object.assign(new Error('invalid_grant'), { status: 401 });
    spentTokens.push(refreshToken);
    refreshed.push(user);
    return issue(user);
  };
  return { issue, refresh, refreshed };
}

const subOf = (session: Session) => session.getSnapshot().claims?.sub;
const storedSub = (local: StorageLike, key: string) => {
  const raw = local.getItem(key);
  if (raw === null) return null;
  const { accessToken } = JSON.parse(raw) as TokenSet;
  return JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()).sub as string;
};

function tabs(name: string, refresh: (ctx: RefreshContext) => Promise<TokenSet>, { sync = true } = {}) {
  const local = sharedStorage();
  const lock = sharedLock();
  const tab = () => {
    const session = createSession({
      refresh,
      storage: webStorage(local, { key: name }),
      ...(sync ? { sync: broadcastSync(name) } : {}),
      lock,
      wake: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());
    return session;
  };
  return { stored: () => storedSub(local, name), a: tab(), b: tab() };
}

describe('an account switch in one tab', () => {
  it('is adopted by the other tab although the new login expires first, and the other tab’s next refresh never brings the old account back', async () => {
    // alice's tokens live 10 minutes, bob's 5: bob's expire BEFORE alice's
    const server = issuer({ alice: 600, bob: 300 });
    const { stored, a, b } = tabs(`switch-${Math.random()}`, server.refresh);

    b.login(server.issue('alice'));
    await vi.waitFor(() => expect(subOf(a)).toBe('alice'));

    a.login(server.issue('bob')); // the user switches account in tab A
    await vi.waitFor(() => expect(subOf(b)).toBe('bob')); // most recent login wins
    expect(stored()).toBe('bob');

    // B refreshes: it spends bob's refresh token and tells A about bob's new token
    const fresh = await b.refresh();
    expect(server.refreshed).toEqual(['bob']);
    await vi.waitFor(() => expect(a.getSnapshot().accessToken).toBe(fresh));
    expect(subOf(a)).toBe('bob');
    expect(subOf(b)).toBe('bob');
    expect(stored()).toBe('bob');
  });

  it('a later login of the same user in the other tab also wins, whatever the expiry order', async () => {
    const server = issuer({ alice: 600, bob: 60 });
    const { a, b } = tabs(`relogin-${Math.random()}`, server.refresh);
    a.login(server.issue('alice'));
    await vi.waitFor(() => expect(subOf(b)).toBe('alice'));
    b.login(server.issue('bob'));
    await vi.waitFor(() => expect(subOf(a)).toBe('bob'));
    a.login(server.issue('alice')); // and back
    await vi.waitFor(() => expect(subOf(b)).toBe('alice'));
    await b.refresh();
    await vi.waitFor(() => expect(a.getSnapshot().accessToken).toBe(b.getSnapshot().accessToken));
    expect([subOf(a), subOf(b)]).toEqual(['alice', 'alice']);
  });
});

describe('an account switch that arrives while the old account is refreshing', () => {
  it('the old account’s late answer is neither adopted, stored nor published', async () => {
    const server = issuer({ alice: 600, bob: 300 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    let sent = false;
    const slowFirst = async (ctx: RefreshContext) => {
      if (first) {
        first = false;
        sent = true;
        await held; // alice's refresh is slow to answer
      }
      return server.refresh(ctx);
    };
    const { stored, a, b } = tabs(`inflight-${Math.random()}`, slowFirst);
    b.login(server.issue('alice'));
    await vi.waitFor(() => expect(subOf(a)).toBe('alice'));

    const waiting = b.refresh();
    await vi.waitFor(() => expect(sent).toBe(true)); // alice's refresh token is on its way to the server
    a.login(server.issue('bob'));
    await vi.waitFor(() => expect(subOf(b)).toBe('bob'));
    await expect(waiting).resolves.toBe(b.getSnapshot().accessToken); // the caller gets bob's token

    release();
    await vi.waitFor(() => expect(server.refreshed).toEqual(['alice'])); // the server did answer
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([subOf(a), subOf(b), stored()]).toEqual(['bob', 'bob', 'bob']);
    // the next refresh is bob's, and its message is what the other tab hears last
    const fresh = await b.refresh();
    await vi.waitFor(() => expect(a.getSnapshot().accessToken).toBe(fresh));
    expect(server.refreshed).toEqual(['alice', 'bob']);
    expect([subOf(a), subOf(b), stored()]).toEqual(['bob', 'bob', 'bob']);
  });
});

describe('the storage re-read inside the refresh lock', () => {
  it('adopts the newer login’s tokens (written by another tab whose message never came) instead of refreshing the old account', async () => {
    const server = issuer({ alice: 600, bob: 300 });
    // no sync: B only learns of the switch through the shared storage
    const { a, b } = tabs(`reread-${Math.random()}`, server.refresh, { sync: false });
    b.login(server.issue('alice'));
    a.login(server.issue('bob'));
    expect(subOf(b)).toBe('alice');

    const token = await b.refresh();
    expect(subOf(b)).toBe('bob');
    expect(token).toBe(a.getSnapshot().accessToken); // bob's token from storage, not a new alice
    expect(server.refreshed).toEqual([]); // alice's refresh token was not spent
  });
});
