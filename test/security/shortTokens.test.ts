import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, jsonRefresh, type SessionError } from '../../src/index.js';
import { createAuthFetch } from '../../src/fetch.js';
import { authServer, jumpClock } from '../helpers/server.js';

// Issue 13.5: the rate limit must not lock out short-lived tokens (staging setups use 5–30 s
// tokens), yet a refresh LOOP — a server that refuses every token it just issued — is stopped
// at 5 refreshes a minute, with a message that names `maxRefreshesPerMinute`. Against the real
// auth server; time moves by the server's and the session's shared clock, not by waiting.

async function setup(accessTtl: number, extra: { maxRefreshesPerMinute?: number } = {}) {
  const clock = jumpClock();
  const server = await authServer({ accessTtl, now: clock.now });
  const errors: SessionError[] = [];
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    now: clock.now,
    wake: false,
    retry: { attempts: 0 },
    onWarning: () => {},
    ...extra,
  });
  onTestFinished(() => session.stop());
  session.subscribe((s) => s.error && !errors.includes(s.error) && errors.push(s.error));
  session.login(await server.login('dana'));
  server.resetCounters();
  const api = createAuthFetch(session, { baseUrl: server.url });
  return { clock, server, session, errors, api };
}

describe('5-second tokens for 40 s', () => {
  it('every request succeeds and nothing is rate-limited, however many refreshes the schedule needs', async () => {
    const { clock, server, session, errors, api } = await setup(5);
    const statuses: number[] = [];
    for (let second = 1; second <= 40; second++) {
      clock.advance(1_000);
      const res = await api('/api/data');
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(40).fill(200));
    expect(server.counters.apiOk).toBe(40);
    expect(server.counters.apiUnauthorized).toBe(0);
    // more than 5 refreshes inside a minute: the old default cap would have failed the 6th
    expect(server.counters.refreshOk).toBeGreaterThanOrEqual(6);
    expect(server.counters.refreshRejected).toBe(0);
    expect(errors.map((e) => e.kind)).not.toContain('rate-limited');
    expect(session.getSnapshot().status).not.toBe('refreshFailed');
  });
});

describe('a server that refuses every token it has just issued', () => {
  it('is refreshed at most 5 times a minute; then kind rate-limited, naming maxRefreshesPerMinute', async () => {
    const { clock, server, session, errors, api } = await setup(300); // never due in this test: every refresh is the loop's
    // every request is refused with 401 whatever its token: each one asks for a refresh
    for (let i = 0; i < 12; i++) {
      clock.advance(2_000); // 24 s in all
      await api('/api/always-401').catch(() => {});
    }
    expect(server.counters.refreshCalls).toBe(5);
    const limited = errors.find((e) => e.kind === 'rate-limited');
    expect(limited?.message).toMatch(/maxRefreshesPerMinute/);
    expect(session.getSnapshot().status).not.toBe('loggedOut'); // a loop is not a rejection

    // a minute later the loop may try again, again at most 5 times
    clock.advance(60_000);
    for (let i = 0; i < 12; i++) {
      clock.advance(2_000);
      await api('/api/always-401').catch(() => {});
    }
    expect(server.counters.refreshCalls).toBe(10);
  });

  it('an explicit maxRefreshesPerMinute is a hard cap, also on refreshes the schedule asks for, and its message names it', async () => {
    const { clock, server, errors, api } = await setup(5, { maxRefreshesPerMinute: 3 });
    const statuses: number[] = [];
    for (let second = 1; second <= 40; second++) {
      clock.advance(1_000);
      statuses.push(await api('/api/data').then((r) => r.status, () => 0));
    }
    expect(server.counters.refreshCalls).toBe(3);
    expect(statuses).toContain(0);
    expect(errors.find((e) => e.kind === 'rate-limited')?.message).toMatch(/maxRefreshesPerMinute/);
  });
});
