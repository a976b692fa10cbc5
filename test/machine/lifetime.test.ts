import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  broadcastSync,
  createSession,
  jsonRefresh,
  jsonRevoke,
  memoryStorage,
  oauthRefresh,
  oauthRevoke,
  webStorage,
  type Session,
  type SessionError,
  type SessionOptions,
  type SessionSync,
  type SyncMessage,
} from '../../src/index.js';
import { inMemoryWebStorage, STORAGE_KEY, wholeTokensIn } from '../helpers/integration.js';
import { oidcProvider } from '../helpers/oidcProvider.js';
import { pair, scriptedRefresh } from '../helpers/refreshStub.js';
import { authServer, jumpClock } from '../helpers/server.js';

// Session lifetime (issue 15): idle timeout, maximum age, the refresh token's own expiry, the
// warning before each end, and revocation at every end. Time is the session's injected clock
// (fake timers), or a jump of the clock the session and the real auth server share.

// Captured before any test installs fake timers: real I/O needs real turns of the event loop.
const realImmediate = globalThis.setImmediate;

afterEach(() => {
  vi.useRealTimers();
});

const MIN = 60_000;

function signedIn(extra: Partial<SessionOptions> = {}) {
  const refresh = scriptedRefresh();
  const loggedOut: Array<SessionError | null> = [];
  const revoked: Array<string | undefined> = [];
  const web = inMemoryWebStorage();
  const session = createSession({
    refresh: refresh.fn,
    storage: webStorage(web.storage, { key: STORAGE_KEY }),
    wake: false,
    activity: false,
    onLoggedOut: (reason) => loggedOut.push(reason),
    revoke: async ({ refreshToken }) => void revoked.push(refreshToken),
    ...extra,
  });
  onTestFinished(() => session.stop());
  return { session, refresh, loggedOut, revoked, web };
}

/** Two tabs' SessionSync, delivering each message to the other tab at once. */
function pairedSync() {
  const listeners = new Map<'a' | 'b', (m: SyncMessage) => void>();
  const side = (self: 'a' | 'b', other: 'a' | 'b'): SessionSync => ({
    publish: (message) => listeners.get(other)?.(structuredClone(message)),
    subscribe: (listener) => (listeners.set(self, listener), () => void listeners.delete(self)),
  });
  return { a: side('a', 'b'), b: side('b', 'a') };
}

describe('idle timeout (injected clock)', () => {
  it('15 min with a 60 s warning: none at 13:59, warning at 14:00, touch() at 14:30 resets, signed out at 29:30 without activity', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const start = Date.now();
    const { session, loggedOut, revoked, web, refresh } = signedIn({ idleTimeout: 15 * MIN, endingWarning: MIN });
    session.login(pair(1, 3_600));
    const at = (ms: number) => vi.advanceTimersByTimeAsync(start + ms - Date.now());

    await at(13 * MIN + 59_000);
    expect(session.getSnapshot().ending).toBeNull();
    await at(14 * MIN);
    expect(session.getSnapshot().ending).toEqual({ reason: 'idle', at: start + 15 * MIN });

    await at(14 * MIN + 30_000);
    session.touch();
    expect(session.getSnapshot().ending).toBeNull();
    await at(28 * MIN + 29_999);
    expect(session.getSnapshot().ending).toBeNull();
    await at(28 * MIN + 30_000);
    expect(session.getSnapshot().ending).toEqual({ reason: 'idle', at: start + 29 * MIN + 30_000 });

    await at(29 * MIN + 29_999);
    expect(session.getSnapshot().status).toBe('authenticated');
    await at(29 * MIN + 30_000);
    expect(session.getSnapshot()).toMatchObject({ status: 'loggedOut', ending: null, error: { kind: 'idle-timeout' } });
    expect(web.raw()).toBeNull();
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'idle-timeout' })]);
    await vi.advanceTimersByTimeAsync(1_000); // revocation runs after the local end
    expect(revoked).toEqual([pair(1).refreshToken]);
    expect(refresh.calls).toHaveLength(0);
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'idle-timeout' });
  });

  it('a background refresh is not activity; pointer activity is, at most once a second, except while a warning shows', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    let poke = () => {};
    const { session, refresh } = signedIn({
      idleTimeout: 10 * MIN,
      endingWarning: MIN,
      refreshLeadTime: 30_000,
      activity: (notify) => ((poke = notify), () => {}),
    });
    refresh.answerWith((n) => pair(n + 1, 120));
    session.login(pair(1, 120)); // refreshed every 90 s in the background
    await vi.advanceTimersByTimeAsync(9 * MIN);
    expect(refresh.calls).toHaveLength(6); // at 90, 180, … 540 s
    expect(refresh.calls.map((c) => c.refreshToken)).toEqual([1, 2, 3, 4, 5, 6].map((n) => pair(n).refreshToken));
    expect(session.getSnapshot().ending).toMatchObject({ reason: 'idle' });
    // while the warning shows, pointer and keys (reaching for its buttons) do not answer it…
    poke();
    expect(session.getSnapshot().ending).toMatchObject({ reason: 'idle' });
    // …touch() ("Stay signed in") does; after that, the activity source counts again
    session.touch();
    expect(session.getSnapshot().ending).toBeNull();
    await vi.advanceTimersByTimeAsync(1_000);
    poke();
    const { lastActivity } = session.actor.getSnapshot().context;
    expect(lastActivity).toBe(Date.now());
    await vi.advanceTimersByTimeAsync(500);
    poke(); // within a second of the last: not counted again
    expect(session.actor.getSnapshot().context.lastActivity).toBe(lastActivity);
    await vi.advanceTimersByTimeAsync(500);
    poke();
    expect(session.actor.getSnapshot().context.lastActivity).toBe(lastActivity + 1_000);
  });

  it('without idleTimeout the activity source is never attached', () => {
    let attached = 0;
    signedIn({ activity: () => (attached++, () => {}) });
    expect(attached).toBe(0);
  });
});

describe('idle timeout across tabs (two sessions, a real BroadcastChannel, shared storage, the real auth server)', () => {
  // The tabs' clock and timers are fake (injected time); the HTTP and the BroadcastChannel between
  // them are real, and get real turns of the event loop after every step of the clock.
  const turns = async (n = 20) => {
    for (let i = 0; i < n; i++) await new Promise<void>((resolve) => realImmediate(resolve));
  };
  const step = async (ms: number) => {
    await vi.advanceTimersByTimeAsync(ms);
    await turns();
  };

  async function twoTabs(idleTimeout: number) {
    const server = await authServer({ accessTtl: 600 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: Date.now() });
    const web = inMemoryWebStorage();
    const name = `lifetime-${Math.random().toString(36).slice(2)}`;
    const tab = (label: string) => {
      const loggedOut: Array<SessionError | null> = [];
      const session = createSession({
        refresh: jsonRefresh({ url: `${server.url}/refresh` }),
        revoke: jsonRevoke({ url: `${server.url}/revoke` }),
        storage: webStorage(web.storage, { key: STORAGE_KEY }),
        sync: broadcastSync(name),
        wake: false,
        activity: false,
        idleTimeout,
        endingWarning: 1_000,
        onLoggedOut: (reason) => loggedOut.push(reason),
        onWarning: () => {},
      });
      onTestFinished(() => session.stop());
      // when (on the session's clock) it reached loggedOut
      let endedAt: number | null = null;
      session.subscribe((s) => void (s.status === 'loggedOut' && endedAt === null && (endedAt = Date.now())));
      return { label, session, loggedOut, endedAt: () => endedAt };
    };
    return { server, web, a: tab('A'), b: tab('B') };
  }

  it('activity in A keeps B alive; the idle end in A ends B within 200 ms; exactly one revocation at the server', async () => {
    const { server, a, b, web } = await twoTabs(1_500);
    a.session.login(await server.login());
    for (let i = 0; i < 50 && b.session.getSnapshot().status !== 'authenticated'; i++) await turns(); // B follows the login
    expect(b.session.getSnapshot().status).toBe('authenticated');
    server.resetCounters();

    // A is used for 2 s (longer than the idle timeout): B, never touched, stays signed in
    for (let i = 0; i < 4; i++) {
      await step(500);
      a.session.touch();
      await turns();
    }
    expect(b.session.getSnapshot().status).toBe('authenticated');
    const lastTouch = Date.now();

    // then nobody: both tabs end together, one of them revokes
    for (let t = 0; t < 5_000 && (a.endedAt() === null || b.endedAt() === null); t += 50) await step(50);
    const endedA = a.endedAt() as number;
    const endedB = b.endedAt() as number;
    expect(endedA - lastTouch).toBeGreaterThanOrEqual(1_500); // not before the idle timeout
    expect(Math.abs(endedB - endedA)).toBeLessThan(200);
    console.info(`[lifetime across tabs] A ended ${endedA - lastTouch} ms after its last activity, B ${endedB - endedA} ms after A`);
    expect(a.loggedOut).toEqual([expect.objectContaining({ kind: 'idle-timeout' })]);
    expect(b.loggedOut).toEqual([expect.objectContaining({ kind: 'idle-timeout' })]);
    expect(web.raw()).toBeNull();
    for (let i = 0; i < 100 && server.counters.revocations === 0; i++) await step(50);
    await step(60_000); // every tab's wait to hear of the other's end is long over: a second revocation would be in
    expect(server.counters).toMatchObject({ revocations: 1, revokedFamilies: 1, refreshCalls: 0 });
  });
});

describe('maximum age', () => {
  it('survives a reload: a new session over the same storage ends at the original login time + maxSessionAge; touch() does not extend it', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const loginAt = Date.now();
    const web = inMemoryWebStorage();
    const options = { refresh: scriptedRefresh().fn, wake: false as const, activity: false as const, maxSessionAge: 60 * MIN, endingWarning: MIN };
    const first = createSession({ ...options, storage: webStorage(web.storage, { key: STORAGE_KEY }) });
    first.login(pair(1, 24 * 3_600));
    await vi.advanceTimersByTimeAsync(40 * MIN);
    first.stop();

    const loggedOut: Array<SessionError | null> = [];
    const second = createSession({ ...options, storage: webStorage(web.storage, { key: STORAGE_KEY }), onLoggedOut: (r) => loggedOut.push(r) });
    onTestFinished(() => second.stop());
    expect(second.getSnapshot().status).toBe('authenticated');
    await vi.advanceTimersByTimeAsync(19 * MIN);
    expect(second.getSnapshot().ending).toEqual({ reason: 'max-age', at: loginAt + 60 * MIN });
    second.touch();
    expect(second.getSnapshot().ending).toEqual({ reason: 'max-age', at: loginAt + 60 * MIN });
    await vi.advanceTimersByTimeAsync(MIN);
    expect(second.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    expect(Date.now()).toBe(loginAt + 60 * MIN);
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'session-expired' })]);
    expect(web.raw()).toBeNull();
  });

  it('a login of tokens the app kept from an earlier session counts from the loginAt it passes', () => {
    const now = Date.now();
    const { session } = signedIn({ maxSessionAge: 60 * MIN, endingWarning: 5 * MIN });
    session.login({ ...pair(1, 3_600), loginAt: now - 58 * MIN });
    expect(session.getSnapshot().ending).toEqual({ reason: 'max-age', at: now + 2 * MIN });
  });
});

describe('refresh-token expiry at the real auth server (refresh_expires_in)', () => {
  it('warns, ends with session-expired at the expiry, and sends no refresh after it', async () => {
    const clock = jumpClock();
    const server = await authServer({ accessTtl: 60, refreshMaxAge: 300, now: clock.now });
    const loggedOut: Array<SessionError | null> = [];
    let wake: (reason: 'visible') => void = () => {};
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh` }),
      now: clock.now,
      wake: (notify) => ((wake = notify), () => {}),
      activity: false,
      endingWarning: 30_000,
      onLoggedOut: (r) => loggedOut.push(r),
    });
    onTestFinished(() => session.stop());
    const login = await server.login();
    expect([299, 300]).toContain(login.refreshExpiresIn); // whole seconds left, counted down by the server
    session.login(login);

    // a refresh keeps the same end: the login's refresh token family ends 300 s after the login
    clock.advance(250_000);
    await session.getAccessToken();
    expect(server.counters.refreshCalls).toBe(1);
    const end = session.actor.getSnapshot().context.tokens?.refreshExpiresAt as number;
    expect(Math.abs(end - (clock.now() + 50_000))).toBeLessThan(1_500);

    clock.advance(25_000); // inside the 30 s warning: the laptop slept, the page becomes visible
    wake('visible');
    expect(session.getSnapshot().ending).toMatchObject({ reason: 'refresh-expiry', at: end });

    clock.advance(30_000); // past the end; the access token still has 5 s, but the session is over
    await expect(session.getAccessToken()).rejects.toMatchObject({ kind: 'session-expired' });
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(loggedOut).toEqual([expect.objectContaining({ kind: 'session-expired' })]);
    expect(server.counters.refreshCalls).toBe(1); // no refresh that could not succeed
  });
});

describe('revocation against a real OpenID provider (oidc-provider)', () => {
  it('logout() revokes the refresh token the session holds: the provider answers invalid_grant to it afterwards; 1 revocation request', async () => {
    const op = await oidcProvider({ accessTtl: 60 });
    onTestFinished(() => op.close());
    const { tokens } = await op.signIn('spa');
    const session = createSession({
      refresh: oauthRefresh.fromIssuer(op.issuer, { clientId: 'spa' }),
      revoke: oauthRevoke.fromIssuer(op.issuer, { clientId: 'spa' }),
      storage: memoryStorage(),
      wake: false,
      retry: { attempts: 0 },
    });
    onTestFinished(() => session.stop());
    session.login(tokens);
    await session.refresh(); // rotate once: the session now holds a refresh token the app never saw
    const held = session.actor.getSnapshot().context.tokens?.refreshToken as string;

    const done = session.logout();
    expect(session.getSnapshot().status).toBe('loggedOut'); // local state first, at once
    await done;
    expect(op.count('/token/revocation')).toBe(1);
    expect(op.count('/.well-known/openid-configuration')).toBe(1); // one discovery for refresh and revoke
    expect(await op.introspect(held)).toMatchObject({ active: false });
    const grant = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: held, client_id: 'spa' }),
    });
    expect(await grant.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('with the provider down, logout() still completes at once, resolves (never rejects), warns, and leaves nothing unhandled', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    onTestFinished(() => void process.off('unhandledRejection', listener));
    const op = await oidcProvider({ accessTtl: 60 });
    onTestFinished(() => op.close());
    const { tokens } = await op.signIn('spa');
    const warnings: string[] = [];
    const loggedOut: unknown[] = [];
    const session = createSession({
      refresh: oauthRefresh.fromIssuer(op.issuer, { clientId: 'spa' }),
      revoke: oauthRevoke.fromIssuer(op.issuer, { clientId: 'spa' }),
      wake: false,
      onWarning: (m) => warnings.push(m),
      onLoggedOut: (r) => loggedOut.push(r),
    });
    onTestFinished(() => session.stop());
    session.login(tokens);
    await op.down();
    await expect(session.logout()).resolves.toBeUndefined();
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(loggedOut).toEqual([null]);
    expect(warnings).toEqual([expect.stringMatching(/revoking the ended session failed; it is logged out here anyway/)]);
    expect(wholeTokensIn(warnings, [tokens.accessToken, tokens.refreshToken as string])).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });

  it('revoke is not called when the server itself refused the refresh, nor by a tab that only follows', async () => {
    vi.useFakeTimers();
    const sync = pairedSync();
    const { session, refresh, revoked } = signedIn({ sync: sync.a });
    const follower = signedIn({ sync: sync.b });
    session.login(pair(1));
    expect(follower.session.getSnapshot().accessToken).toBe(pair(1).accessToken); // it follows the login
    const token = session.refresh();
    (await refresh.next()).reject(Object.assign(new Error('401'), { response: { status: 401 } }));
    await expect(token).rejects.toMatchObject({ kind: 'rejected' });
    expect(follower.session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'rejected' } });
    await vi.runAllTimersAsync(); // whatever either tab would still do, however long it waits first
    expect(revoked).toEqual([]);
    expect(follower.revoked).toEqual([]);
  });

  it('a tab that ends the session by a policy revokes it, once, after hearing whether another tab ended it first', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const sync = pairedSync();
    const a = signedIn({ sync: sync.a, maxSessionAge: MIN, endingWarning: 0 });
    const b = signedIn({ sync: sync.b, maxSessionAge: MIN, endingWarning: 0 });
    a.session.login(pair(1, 3_600));
    expect(b.session.getSnapshot().accessToken).toBe(pair(1).accessToken);
    await vi.advanceTimersByTimeAsync(MIN + 1);
    expect([a.session.getSnapshot().status, b.session.getSnapshot().status]).toEqual(['loggedOut', 'loggedOut']);
    await vi.runAllTimersAsync();
    expect([...a.revoked, ...b.revoked]).toEqual([pair(1).refreshToken]);
  });
});
