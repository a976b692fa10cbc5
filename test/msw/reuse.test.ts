import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAuthBackend } from '../../src/msw.js';

// Reuse detection as docs/testing.md describes it: each refresh token works once; presented
// again within `graceMs` it gets the same answer (a retry of a lost response), later it revokes
// the whole login: its newest refresh token and every access token of it stop working.
const API = 'https://api.example.test';
let time = Date.UTC(2026, 0, 15, 9);
const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
const backend = createAuthBackend({ baseUrl: API, now: clock.now, graceMs: 5_000 });
const server = setupServer(...backend.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => backend.reset());
afterAll(() => server.close());

type Answer = { status: number; body: Record<string, unknown> };
const post = async (path: string, body: unknown): Promise<Answer> => {
  const res = await fetch(`${API}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const api = async (accessToken: unknown) =>
  (await fetch(`${API}/api/data`, { headers: { authorization: `Bearer ${String(accessToken)}` } })).status;

it('a refresh token presented again within graceMs gets the same new pair, and nothing is revoked', async () => {
  const login = await post('/auth/login', { username: 'ann' });
  const first = await post('/auth/refresh', { refreshToken: login.body.refreshToken });
  clock.advance(4_000);
  const again = await post('/auth/refresh', { refreshToken: login.body.refreshToken });
  expect([again.status, again.body.accessToken, again.body.refreshToken]).toEqual([200, first.body.accessToken, first.body.refreshToken]);
  expect(again.body.refreshExpiresIn).toBe((first.body.refreshExpiresIn as number) - 4); // the same token, 4 s older
  expect(backend.counters).toMatchObject({ refreshesOk: 2, reuseDetections: 0, refreshesRejected: 0 });
  expect(await api(first.body.accessToken)).toBe(200);
});

it('after graceMs the reuse revokes the login: its newest tokens stop working, another login does not', async () => {
  const ann = await post('/auth/login', { username: 'ann' });
  const bob = await post('/auth/login', { username: 'bob' });
  const rotated = await post('/auth/refresh', { refreshToken: ann.body.refreshToken });
  clock.advance(6_000);
  const replay = await post('/auth/refresh', { refreshToken: ann.body.refreshToken });
  expect([replay.status, replay.body.error, replay.body.error_description]).toEqual([401, 'invalid_grant', 'refresh token reuse']);
  expect(backend.counters).toMatchObject({ reuseDetections: 1, refreshesRejected: 1 });
  expect(await api(rotated.body.accessToken)).toBe(401);
  expect((await post('/auth/refresh', { refreshToken: rotated.body.refreshToken })).body.error_description).toBe('refresh token revoked');
  expect(await api(bob.body.accessToken)).toBe(200);
});

it('reset() starts a new signing key: an access token from before it is refused as invalid', async () => {
  const before = await post('/auth/login', { username: 'ann' });
  expect(await api(before.body.accessToken)).toBe(200);
  backend.reset();
  expect(await api(before.body.accessToken)).toBe(401);
  expect(backend.requests.map((r) => [r.route, r.outcome])).toEqual([['resource', 401]]);
  const res = await fetch(`${API}/api/data`, { headers: { authorization: `Bearer ${String(before.body.accessToken)}` } });
  expect(((await res.json()) as { error_description: string }).error_description).toBe('invalid');
});
