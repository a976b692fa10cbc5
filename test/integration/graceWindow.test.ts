import { describe, expect, it, vi } from 'vitest';
import type { AuthServer } from '../../demo/server/authServer.js';
import { authServer, cookieFetch } from '../helpers/server.js';
import { inMemoryWebStorage, startSession } from '../helpers/integration.js';

// The grace window of the real auth server (demo/server/authServer.ts, on the library's own
// refresh-token families): a spent refresh token that comes back within `graceMs` (two tabs
// without a shared lock, a retried request, a lost answer) is not a theft, and what it gets back
// must keep the user signed in — the login's CURRENT refresh token, never a spent one.

const GRACE = 10_000;
/** A clock that moves only when the test says so, shared by the server and the sessions. */
function manualClock() {
  let time = Date.UTC(2026, 0, 15, 9);
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}
type Answer = { status: number; body: { accessToken?: string; refreshToken?: string; error_description?: string } };
async function post(url: string, body: unknown, fetcher: typeof fetch = fetch): Promise<Answer> {
  const res = await fetcher(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/**
 * Runs `refreshes` so that they reach the server's rotation at the same moment: the server holds
 * each refresh at its door until all of them have arrived, then lets them all in at once.
 */
async function atOnce<T>(server: AuthServer, refreshes: Array<() => Promise<T>>): Promise<T[]> {
  let open = () => {};
  server.setFault({ type: 'gate', open: new Promise<void>((resolve) => (open = resolve)) }, refreshes.length);
  const before = server.counters.refreshCalls;
  const running = Promise.all(refreshes.map((refresh) => refresh()));
  await vi.waitFor(() => expect(server.counters.refreshCalls - before).toBe(refreshes.length), { timeout: 5_000, interval: 5 });
  open();
  return running;
}

describe('the auth server’s grace window', () => {
  it('a replay within the window after the child was rotated again gets the current token, which still refreshes after the window', async () => {
    const clock = manualClock();
    const server = await authServer({ accessTtl: 60, graceMs: GRACE, now: clock.now });
    const refresh = (refreshToken: string | undefined) => post(`${server.url}/refresh`, { refreshToken });
    const login = await server.login();

    const child = await refresh(login.refreshToken); // tab A rotates the login's token
    clock.advance(4_000);
    const grandchild = await refresh(child.body.refreshToken); // tab A rotates again
    clock.advance(1_000);
    const replay = await refresh(login.refreshToken); // tab B, 5 s after the first rotation
    expect(replay.status).toBe(200);
    expect(replay.body.refreshToken).toBe(grandchild.body.refreshToken);

    clock.advance(20_000); // every window is over: tab B refreshes with what it was given
    const next = await refresh(replay.body.refreshToken);
    expect([next.status, next.body.error_description]).toEqual([200, undefined]);
    expect(server.counters).toMatchObject({ refreshOk: 4, graceReuses: 1, reuseDetections: 0, refreshRejected: 0 });
  });

  it('two refreshes with the same token at the same moment both succeed with the same current token; the login lives on', async () => {
    const server = await authServer({ accessTtl: 60, graceMs: GRACE });
    const login = await server.login();
    server.resetCounters();

    const answers = await atOnce(server, [1, 2].map(() => () => post(`${server.url}/refresh`, { refreshToken: login.refreshToken })));

    expect(answers.map((a) => [a.status, a.body.error_description])).toEqual([
      [200, undefined],
      [200, undefined],
    ]);
    expect(answers[1]?.body.refreshToken).toBe(answers[0]?.body.refreshToken);
    expect(server.counters).toMatchObject({ refreshCalls: 2, refreshOk: 2, graceReuses: 1, reuseDetections: 0 });
    const api = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${answers[1]?.body.accessToken}` } });
    expect(api.status).toBe(200);
    expect((await post(`${server.url}/refresh`, { refreshToken: answers[0]?.body.refreshToken })).status).toBe(200);
  });

  it('two sessions over copies of one stored login (tabs without a shared lock) refresh at once: both stay signed in', async () => {
    const server = await authServer({ accessTtl: 60, graceMs: GRACE });
    const login = await server.login();
    const tabs = [1, 2].map(() => startSession(server, { web: inMemoryWebStorage() }));
    for (const tab of tabs) tab.session.login(login);
    server.resetCounters();

    const tokens = await atOnce(server, tabs.map((tab) => () => tab.session.refresh()));

    expect(tokens.every((token) => typeof token === 'string')).toBe(true);
    expect(tabs.map((tab) => tab.status())).toEqual(['authenticated', 'authenticated']);
    expect(tabs.map((tab) => tab.loggedOut)).toEqual([[], []]);
    expect(server.counters).toMatchObject({ refreshCalls: 2, refreshOk: 2, graceReuses: 1, reuseDetections: 0 });
    // both hold the login's current refresh token: the next refresh of each works
    expect(tabs[0]?.web.tokens()?.refreshToken).toBe(tabs[1]?.web.tokens()?.refreshToken);
    await expect(tabs[1]!.session.refresh()).resolves.toEqual(expect.any(String));
    expect(tabs[1]?.status()).toBe('authenticated');
    expect(server.counters.reuseDetections).toBe(0);
  });

  it('cookie mode: two refreshes with the same cookie at once both succeed, and the cookie left behind refreshes', async () => {
    const server = await authServer({ accessTtl: 60, graceMs: GRACE, cookie: true });
    const browser = cookieFetch(); // one browser: both tabs send the same cookie
    await post(`${server.url}/login`, { username: 'ann' }, browser);
    server.resetCounters();

    const answers = await atOnce(server, [1, 2].map(() => () => post(`${server.url}/refresh`, {}, browser)));

    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(server.counters).toMatchObject({ refreshOk: 2, graceReuses: 1, reuseDetections: 0 });
    expect((await post(`${server.url}/refresh`, {}, browser)).status).toBe(200);
  });
});
