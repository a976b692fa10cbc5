import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { SessionError, type SessionErrorKind } from '../../src/index.js';
import { attachSession } from '../../src/axios.js';
import { createAuthProvider, type ToLogin } from './authProvider.js';
import { browser, heldCookieRestore, openTab, until } from './routing.js';

// The auth-provider recipe (docs/recipes/routing.md): react-admin's contract as plain
// functions, called the way admin frameworks call it — on every route change, concurrently.
// Against the real auth server.

/** What a rejected check told the framework, or 'resolved'. */
const outcome = (p: Promise<unknown>): Promise<ToLogin | 'resolved'> => p.then(() => 'resolved' as const, (e: ToLogin) => e);

async function signedIn(extra: Parameters<typeof openTab>[1] = {}) {
  const b = await browser();
  const tab = openTab(b, extra);
  const auth = createAuthProvider(tab.session, { loginUrl: `${b.server.url}/login` });
  await auth.login({ username: 'ann', password: 'secret' });
  const api = axios.create({ baseURL: b.server.url });
  attachSession(api, tab.session);
  b.server.resetCounters();
  /** A data-provider call: what it threw. */
  const failure = (path: string) => api.get(path).then(() => null, (e: unknown) => e);
  return { ...b, ...tab, auth, failure };
}

describe('auth provider: checkAuth and getIdentity during a restore', () => {
  it('ten concurrent checkAuth and getIdentity calls while the session restores (cookie mode): one refresh at the server, all pass', async () => {
    const { session, open, server } = await heldCookieRestore();
    const auth = createAuthProvider(session, { loginUrl: `${server.url}/login` });
    const checks = Array.from({ length: 10 }, () => outcome(auth.checkAuth()));
    const identities = Array.from({ length: 10 }, () => auth.getIdentity());
    expect(session.getSnapshot().status).toBe('restoring');
    open();
    expect(await Promise.all(checks)).toEqual(Array.from({ length: 10 }, () => 'resolved'));
    expect(await Promise.all(identities)).toEqual(Array.from({ length: 10 }, () => ({ id: 'ann', fullName: 'ann' })));
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('ten concurrent checks on a reload whose stored session the server refuses: one refresh, all go to the login page saying why', async () => {
    const b = await browser();
    const before = openTab(b);
    before.session.login(await b.server.login('ann'));
    before.session.stop();
    b.clock.advance(120_000);
    b.server.revokeAll();
    b.server.resetCounters();

    const auth = createAuthProvider(openTab(b).session, { loginUrl: `${b.server.url}/login` });
    const checks = await Promise.all(Array.from({ length: 10 }, () => outcome(auth.checkAuth())));
    expect(checks).toEqual(Array.from({ length: 10 }, () => ({ redirectTo: '/login', message: 'Your session has ended. Please sign in again.' })));
    expect(b.server.counters.refreshCalls).toBe(1);
  });
});

describe('auth provider: login, identity, logout', () => {
  it('login signs the session in, identity comes from the claims, and a plain logout shows no error', async () => {
    const { auth, session } = await signedIn();
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(await outcome(auth.checkAuth())).toBe('resolved');
    expect(await auth.getIdentity()).toEqual({ id: 'ann', fullName: 'ann' });
    await auth.logout();
    expect(await outcome(auth.checkAuth())).toEqual({ redirectTo: '/login', message: false });
    expect(await outcome(auth.getIdentity())).toEqual({ redirectTo: '/login', message: false });
  });

  it('requests that were waiting for a refresh when the user logged out: checkError sends to the login page without an error', async () => {
    const { auth, failure, server, clock, session } = await signedIn();
    let release!: () => void;
    server.setFault({ type: 'gate', open: new Promise<void>((resolve) => (release = resolve)) }, 1);
    clock.advance(120_000);
    const waiting = [failure('/api/a'), failure('/api/b'), failure('/api/c')];
    await until(session, (s) => s.pending === 3);
    expect(session.getSnapshot().status).toBe('refreshing');
    void auth.logout();
    release();
    const errors = await Promise.all(waiting);
    expect(errors.map((e) => (e as SessionError).kind)).toEqual(['logged-out', 'logged-out', 'logged-out']);
    expect(await Promise.all(errors.map((e) => outcome(auth.checkError(e))))).toEqual(Array.from({ length: 3 }, () => ({ redirectTo: '/login', message: false })));
  });
});

describe('auth provider: checkError, per kind', () => {
  const ended: Array<[SessionErrorKind, string | false]> = [
    ['rejected', 'Your session has ended. Please sign in again.'],
    ['idle-timeout', 'You were signed out after a while without activity.'],
    ['session-expired', 'Your session has expired. Please sign in again.'],
    ['logged-out', false],
  ];
  it.each(ended)('%s: to the login page, message %s', async (kind, message) => {
    const { auth } = await signedIn();
    expect(await outcome(auth.checkError(new SessionError(kind, 'x')))).toEqual({ redirectTo: '/login', message });
  });

  const kept: SessionErrorKind[] = ['network', 'timeout', 'http', 'rate-limited', 'invalid-response', 'aborted'];
  it.each(kept)('%s: the user stays signed in', async (kind) => {
    const { auth } = await signedIn();
    expect(await outcome(auth.checkError(new SessionError(kind, 'x')))).toBe('resolved');
  });

  it('every kind is decided (a new kind would need a line here)', () => {
    const all: Record<SessionErrorKind, true> = {
      network: true, timeout: true, http: true, rejected: true, 'invalid-response': true, 'rate-limited': true,
      'logged-out': true, aborted: true, 'idle-timeout': true, 'session-expired': true,
    };
    expect(Object.keys(all).sort()).toEqual([...ended.map(([k]) => k), ...kept].sort());
  });

  it('an API 401 (after the one refresh and replay) signs out; a 403, a 500 and a plain error do not', async () => {
    const { auth, failure, server } = await signedIn();
    const unauthorized = await failure('/api/always-401');
    expect(server.counters).toMatchObject({ refreshCalls: 1, apiCalls: 2 }); // refreshed and replayed once
    expect(await outcome(auth.checkError(unauthorized))).toEqual({ redirectTo: '/login', message: 'Your session has ended. Please sign in again.' });
    expect(await outcome(auth.checkError({ status: 403 }))).toBe('resolved');
    expect(await outcome(auth.checkError({ status: 500 }))).toBe('resolved');
    expect(await outcome(auth.checkError(new Error('boom')))).toBe('resolved');
  });

  it('a refresh endpoint answering 503: the failed request keeps the user signed in', async () => {
    const { auth, failure, server, clock } = await signedIn();
    server.setFault({ type: 'status', status: 503 });
    clock.advance(120_000);
    const outage = await failure('/api/me');
    expect(outage).toMatchObject({ name: 'SessionError', kind: 'http', status: 503 });
    expect(await outcome(auth.checkError(outage))).toBe('resolved');
    expect(await outcome(auth.checkAuth())).toBe('resolved');
  });

  it('a refused refresh: the failed request and the next check go to the login page saying why', async () => {
    const { auth, failure, server, clock } = await signedIn();
    server.revokeAll();
    clock.advance(120_000);
    const refused = await failure('/api/me');
    expect(await outcome(auth.checkError(refused))).toEqual({ redirectTo: '/login', message: 'Your session has ended. Please sign in again.' });
    expect(await outcome(auth.checkAuth())).toEqual({ redirectTo: '/login', message: 'Your session has ended. Please sign in again.' });
  });

  it('the idle timeout: checkAuth sends to the login page saying so', async () => {
    const { auth, clock, wakeUp } = await signedIn({ idleTimeout: 15 * 60_000 });
    clock.advance(16 * 60_000);
    wakeUp();
    expect(await outcome(auth.checkAuth())).toEqual({ redirectTo: '/login', message: 'You were signed out after a while without activity.' });
  });
});
