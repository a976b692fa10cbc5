import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, jsonRefresh, type TokenSet } from '../../src/index.js';
import { authServer, jumpClock } from '../helpers/server.js';

// Issue 13.2 / DESIGN rule 9 (v2): login() with tokens the app already had (a tab that slept,
// tokens from SSR or from a hand-written interceptor). Expiry comes from the token as is —
// `iat` at login is not "now" — and an expired access token with a refresh token is refreshed
// at once. Against the real auth server; the server and the session share one clock that the
// test moves forward (no waiting).

async function setup(options: { accessTtl: number; refreshTtl?: number }) {
  const clock = jumpClock();
  const server = await authServer({ ...options, now: clock.now });
  const statuses: string[] = [];
  const make = () => {
    const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), now: clock.now, wake: false, onWarning: () => {} });
    onTestFinished(() => session.stop());
    session.subscribe((s) => statuses.at(-1) !== s.status && statuses.push(s.status));
    return session;
  };
  return { clock, server, make, statuses };
}

/** Only what an app keeps from its own login answer: the two tokens. */
const kept = (tokens: TokenSet): TokenSet => ({ accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) });

describe('login() with an access token that has already expired', () => {
  it('goes refreshing, then authenticated after exactly one refresh at the real server', async () => {
    const { clock, server, make, statuses } = await setup({ accessTtl: 20 });
    const old = await server.login('alice');
    clock.advance(60_000); // the tab slept for a minute: the 20-second token is long gone
    server.resetCounters();

    const session = make();
    session.login(kept(old));
    expect(session.getSnapshot().status).toBe('refreshing');
    const token = await session.getAccessToken();
    expect(token).not.toBe(old.accessToken);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', claims: { sub: 'alice' } });
    expect(statuses).toEqual(['refreshing', 'authenticated']);
    expect(server.counters.refreshCalls).toBe(1);
    expect(server.counters.refreshOk).toBe(1);
  });

  it('one that expired yesterday also refreshes at once (not believed to have an hour left)', async () => {
    const { clock, server, make } = await setup({ accessTtl: 3600, refreshTtl: 3 * 86_400 });
    const old = await server.login('alice');
    clock.advance(25 * 3_600_000);
    server.resetCounters();

    const session = make();
    session.login(kept(old));
    expect(session.getSnapshot().status).toBe('refreshing');
    await session.getAccessToken();
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(server.counters.refreshCalls).toBe(1);
  });
});

describe('login() with a token issued a while ago', () => {
  it('a 15-minute JWT issued 10 minutes ago is believed to have 5 minutes left, not 15', async () => {
    const { clock, server, make } = await setup({ accessTtl: 900 });
    const old = await server.login('alice');
    clock.advance(10 * 60_000);
    server.resetCounters();

    for (const tokens of [kept(old), old]) {
      // with only the tokens, and with the login answer's (now stale) expiresIn beside them
      const session = make();
      session.login(tokens);
      const left = (session.getSnapshot().expiresAt ?? 0) - clock.now();
      expect(left).toBeGreaterThan(4 * 60_000); // exp has one-second resolution
      expect(left).toBeLessThanOrEqual(5 * 60_000);
      expect(session.getSnapshot().status).toBe('authenticated');
      session.stop();
    }
    expect(server.counters.refreshCalls).toBe(0);
  });
});
