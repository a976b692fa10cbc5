import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSession, jsonRefresh } from '../../src/index.js';
import { createAuthBackend } from '../../src/msw.js';

// The kit says how long the refresh token lives (`refreshExpiresIn`), and `refreshMaxAge` caps
// a login however often it rotates: what a session needs to warn before a refresh-token expiry.
const API = 'https://api.example.test';
// a clock that moves only when told to, so whole seconds stay whole
let time = Date.UTC(2026, 0, 15, 9);
const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
const backend = createAuthBackend({ baseUrl: API, now: clock.now, accessTtl: 60, refreshTtl: 300, refreshMaxAge: 600 });
const server = setupServer(...backend.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${API}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

it('answers refreshExpiresIn: the refresh token’s lifetime, renewed by rotation up to refreshMaxAge after the login', async () => {
  const login = await post('/auth/login', { username: 'ann' });
  expect(Object.keys(login.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshExpiresIn', 'refreshToken']);
  expect(login.body.refreshExpiresIn).toBe(300);

  clock.advance(200_000);
  const first = await post('/auth/refresh', { refreshToken: login.body.refreshToken });
  expect(first.body.refreshExpiresIn).toBe(300); // a new token, a new 300 s

  clock.advance(200_000); // 400 s after the login: the login has 200 s left
  const second = await post('/auth/refresh', { refreshToken: first.body.refreshToken });
  expect(second.body.refreshExpiresIn).toBe(200);

  clock.advance(200_000); // 600 s: the login's maximum age
  const third = await post('/auth/refresh', { refreshToken: second.body.refreshToken });
  expect([third.status, third.body.error]).toEqual([401, 'invalid_grant']);
});

it('a session that logs in with the answer as is knows when its refresh token expires', async () => {
  const session = createSession({ refresh: jsonRefresh({ url: `${API}/auth/refresh` }), now: clock.now, wake: false, endingWarning: 60_000 });
  session.login(await backend.issueTokens('bob'));
  expect(session.getSnapshot().ending).toBeNull();
  session.stop();
  const late = createSession({ refresh: jsonRefresh({ url: `${API}/auth/refresh` }), now: clock.now, wake: false, endingWarning: 300_000 });
  const tokens = await backend.issueTokens('bob');
  late.login(tokens);
  expect(late.getSnapshot().ending).toEqual({ reason: 'refresh-expiry', at: clock.now() + 300_000 });
  late.stop();
});
