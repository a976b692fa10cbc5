import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createSession,
  SessionError,
  webStorage,
  type RefreshContext,
  type Session,
  type SessionSync,
  type StorageLike,
  type SyncMessage,
  type TokenSet,
} from '../../src/index.js';
import { flush, pair } from '../helpers/refreshStub.js';

// Issue 12.7 / DESIGN rule 12 (v2): a message from another tab can only move a session
// forward; it never replaces a token with one that has less information (no expiry, no
// refresh token), and never logs a session out unless that session's own login ended.
// Any script of the origin can post on the channel, so these are the messages an attacker
// (or a buggy older tab) sends. The hub delivers at once, in order, to every other tab.

function hub() {
  const listeners = new Set<(m: SyncMessage) => void>();
  const sync = (): SessionSync => {
    let own: ((m: SyncMessage) => void) | undefined;
    return {
      publish: (m) => {
        const copy = structuredClone(m); // what a BroadcastChannel delivers
        for (const l of [...listeners]) if (l !== own) l(copy);
      },
      subscribe: (l) => {
        own = l;
        listeners.add(l);
        return () => void listeners.delete(l);
      },
    };
  };
  /** A message from a script of the origin: every tab receives it. */
  const forge = (m: unknown) => {
    for (const l of [...listeners]) l(structuredClone(m) as SyncMessage);
  };
  return { sync, forge };
}

function sharedStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

/** Refreshes with a refresh token; without one it is refused, as jsonRefresh refuses. */
function server() {
  let n = 0;
  const spent: Array<string | undefined> = [];
  const refresh = async ({ refreshToken }: RefreshContext): Promise<TokenSet> => {
    spent.push(refreshToken);
    if (refreshToken === undefined) throw new SessionError('rejected', 'there is no refresh token to send');
    return pair(`r${++n}`);
  };
  return { refresh, spent };
}

const KEY = 'app.session';

function twoTabs() {
  const h = hub();
  const local = sharedStorage();
  const srv = server();
  const loggedOut: unknown[] = [];
  const tab = () => {
    const session = createSession({
      refresh: srv.refresh,
      storage: webStorage(local, { key: KEY }),
      sync: h.sync(),
      wake: false,
      retry: { attempts: 0 },
      onWarning: () => {},
      onLoggedOut: (reason) => loggedOut.push(reason),
    });
    onTestFinished(() => session.stop());
    return session;
  };
  const a = tab();
  const b = tab();
  a.login(pair('login'));
  const stored = () => JSON.parse(local.map.get(KEY) ?? 'null') as TokenSet | null;
  const login = stored();
  // the login's stamp, as any script of the origin can read it from storage
  return { ...h, local, srv, a, b, loggedOut, stored, loginId: login?.loginId ?? 'unstamped', loginAt: login?.loginAt ?? Date.now() };
}

/** What a tab holds, as the inspector-facing actor sees it (the refresh token is not in the public snapshot). */
const held = (s: Session) => {
  const t = s.actor.getSnapshot().context.tokens;
  return { status: s.getSnapshot().status, accessToken: t?.accessToken, refreshToken: t?.refreshToken, expiresAt: t?.expiresAt };
};

describe('forged token messages', () => {
  it('{ type: tokens, tokens: { accessToken } } with no expiry and no login stamp changes nothing in any tab', async () => {
    const t = twoTabs();
    const before = [held(t.a), held(t.b)];
    const storedBefore = t.stored();
    expect(before[1]).toEqual(before[0]);
    t.forge({ type: 'tokens', tokens: { accessToken: 'x' } });
    t.forge({ type: 'tokens', tokens: { accessToken: 'forged-token-0123456789' } });
    await flush();
    expect([held(t.a), held(t.b)]).toEqual(before);
    expect(t.stored()).toEqual(storedBefore);
    // and the next 401 refreshes with the real refresh token instead of logging out
    await t.b.tokenRejected(pair('login').accessToken);
    expect(t.srv.spent).toEqual([pair('login').refreshToken]);
    expect(t.b.getSnapshot().status).toBe('authenticated');
    expect(t.loggedOut).toEqual([]);
  });

  it('a far expiry with no refresh token, stamped with the current login, is ignored (less information)', async () => {
    const t = twoTabs();
    const before = [held(t.a), held(t.b)];
    t.forge({
      type: 'tokens',
      tokens: { accessToken: 'forged-token-0123456789', expiresAt: Date.now() + 10 * 365 * 86_400_000, loginId: t.loginId, loginAt: t.loginAt },
    });
    // and the same without an expiry but with a refresh token: less information too
    t.forge({ type: 'tokens', tokens: { accessToken: 'forged-token-abcdefghij', refreshToken: 'forged-rt-0123456789', loginId: t.loginId, loginAt: t.loginAt } });
    await flush();
    expect([held(t.a), held(t.b)]).toEqual(before);
    const error = t.b.tokenRejected(pair('login').accessToken);
    await expect(error).resolves.toBe(pair('r1').accessToken);
    expect(t.loggedOut).toEqual([]);
  });

  it('a login stamp from the future (more than 60 s ahead) is ignored, however complete the tokens', async () => {
    const t = twoTabs();
    const before = [held(t.a), held(t.b)];
    t.forge({
      type: 'tokens',
      tokens: { ...pair('evil'), loginId: 'evil-login', loginAt: Date.now() + 61_000 },
    });
    t.forge({ type: 'tokens', tokens: { ...pair('evil2'), loginId: 'evil-login-2', loginAt: Number.MAX_SAFE_INTEGER } });
    await flush();
    expect([held(t.a), held(t.b)]).toEqual(before);
  });

  it('a newer login without a refresh token never replaces a session that has one', async () => {
    const t = twoTabs();
    const before = [held(t.a), held(t.b)];
    t.forge({ type: 'tokens', tokens: { accessToken: 'forged-token-0123456789', expiresIn: 3600, loginId: 'evil-login', loginAt: Date.now() + 1_000 } });
    t.forge({ type: 'tokens', tokens: { accessToken: 'forged-token-abcdefghij', loginId: 'evil-login-2', loginAt: Date.now() + 2_000 } });
    await flush();
    expect([held(t.a), held(t.b)]).toEqual(before);
  });
});

describe('forged logout messages', () => {
  it('{ type: logout, loginId: other-login } does not log out a newer login', async () => {
    const t = twoTabs();
    t.forge({ type: 'logout', loginId: 'other-login' });
    t.forge({ type: 'logout', loginId: 'other-login', kind: 'rejected', endedAt: Date.now(), tab: 'x' });
    await flush();
    expect([t.a.getSnapshot().status, t.b.getSnapshot().status]).toEqual(['authenticated', 'authenticated']);
    expect(t.stored()).toMatchObject({ loginId: t.loginId });
    expect(t.loggedOut).toEqual([]);
  });
});

describe('20,000 random messages', () => {
  const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 1e308, Number.MAX_VALUE, NaN, Infinity), fc.constant(Date.now() + 30_000));
  const text = fc.oneof(fc.string(), fc.constantFrom('', ' ', 'x', 'a\r\nb', 'forged-token-0123456789', '__proto__'));
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const OURS = Symbol('our login id');
  const tokens = fc.record(
    {
      accessToken: fc.oneof(text, number, fc.constant(null)),
      refreshToken: maybe(fc.oneof(text, fc.constant(null))),
      expiresAt: maybe(number),
      expiresIn: maybe(number),
      refreshExpiresAt: maybe(number),
      loginId: maybe(fc.oneof(text.filter((id) => !id.startsWith('other-')), fc.constant(OURS))),
      loginAt: maybe(fc.oneof(number, fc.constant(OURS))),
    },
    { requiredKeys: [] },
  );
  const message = fc.oneof(
    fc.record({ type: fc.constant('tokens'), tokens: fc.oneof(tokens, fc.anything()) }),
    // A logout naming a login: never ours, nor one a message of this run made current (a
    // forged but complete newer login is a login; its logout is a logout, see SECURITY.md).
    fc.record({ type: fc.constant('logout'), loginId: text.map((id) => `other-${id}`), kind: maybe(fc.constantFrom('rejected', 'idle-timeout', 'session-expired', 'logged-out')), endedAt: maybe(number), tab: maybe(text) }),
    fc.record({ type: fc.constant('activity'), at: number, loginId: maybe(text) }),
    fc.record({ type: text }),
    fc.anything(),
  );

  it('never log a session out without a rejection, and never leave it without its refresh token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 20, maxLength: 20 }), async (messages) => {
        const t = twoTabs();
        for (const raw of messages) {
          t.forge(substitute(raw, t.loginId, t.loginAt));
          await flush(5);
          for (const s of [t.a, t.b]) {
            expect(s.getSnapshot().status).not.toBe('loggedOut');
            expect(held(s).refreshToken).toEqual(expect.any(String));
          }
        }
        // the next 401 in each tab is a refresh with a refresh token, never a logout
        for (const s of [t.a, t.b]) {
          const current = s.getSnapshot().accessToken;
          if (current !== null) await s.tokenRejected(current).catch(() => {});
        }
        await flush();
        expect(t.srv.spent.every((rt) => rt !== undefined)).toBe(true);
        expect(t.loggedOut).toEqual([]);
        for (const s of [t.a, t.b]) expect(s.getSnapshot().status).not.toBe('loggedOut');
        t.a.stop();
        t.b.stop();
      }),
      { numRuns: 1000 },
    );
  });
});

/** The message with our login id / login time put where the generator left a placeholder. */
function substitute(value: unknown, loginId: string, loginAt: number): unknown {
  if (typeof value === 'symbol') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => substitute(v, loginId, loginAt));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'symbol') out[k] = k === 'loginAt' ? loginAt : loginId;
    else out[k] = substitute(v, loginId, loginAt);
  }
  return out;
}
