import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createAuthBackend } from '../../src/msw.js';

// Reuse detection as docs/testing.md describes it: each refresh token works once; presented
// again within `graceMs` (a retry of a lost response, two tabs at once) it gets the login's
// current refresh token, later it revokes the whole login: its newest refresh token and every
// access token of it stop working.
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

it('a refresh token presented again within graceMs gets the login’s current refresh token and a working access token, and nothing is revoked', async () => {
  const login = await post('/auth/login', { username: 'ann' });
  const first = await post('/auth/refresh', { refreshToken: login.body.refreshToken });
  clock.advance(4_000);
  const again = await post('/auth/refresh', { refreshToken: login.body.refreshToken });
  expect([again.status, again.body.refreshToken]).toEqual([200, first.body.refreshToken]);
  expect(again.body.refreshExpiresIn).toBe((first.body.refreshExpiresIn as number) - 4); // the same token, 4 s older
  expect(backend.counters).toMatchObject({ refreshesOk: 2, reuseDetections: 0, refreshesRejected: 0 });
  expect([await api(first.body.accessToken), await api(again.body.accessToken)]).toEqual([200, 200]);
  expect(backend.issued.map((pair) => pair.refreshToken)).toEqual([login.body.refreshToken, first.body.refreshToken, first.body.refreshToken]);
});

it('a replay within graceMs after the child was rotated again gets the current token, never a spent one: it still refreshes after the window', async () => {
  const login = await post('/auth/login', { username: 'ann' });
  const child = await post('/auth/refresh', { refreshToken: login.body.refreshToken });
  clock.advance(3_000);
  const grandchild = await post('/auth/refresh', { refreshToken: child.body.refreshToken });
  clock.advance(1_000);
  const replay = await post('/auth/refresh', { refreshToken: login.body.refreshToken });
  expect([replay.status, replay.body.refreshToken]).toEqual([200, grandchild.body.refreshToken]);
  clock.advance(10_000); // every window is over
  const next = await post('/auth/refresh', { refreshToken: replay.body.refreshToken });
  expect([next.status, next.body.error_description]).toEqual([200, undefined]);
  expect(backend.counters).toMatchObject({ refreshesOk: 4, reuseDetections: 0, refreshesRejected: 0 });
});

it('two refreshes with the same token at once (two tabs without a lock) both succeed with the same current token', async () => {
  const login = await post('/auth/login', { username: 'ann' });
  backend.hold('refresh'); // both wait at the door, then go in together
  const both = Promise.all([1, 2].map(() => post('/auth/refresh', { refreshToken: login.body.refreshToken })));
  await vi.waitFor(() => expect(backend.requests.filter((r) => r.route === 'refresh')).toHaveLength(2));
  backend.release('refresh');
  const [a, b] = await both;
  expect([a?.status, b?.status, a?.body.error_description, b?.body.error_description]).toEqual([200, 200, undefined, undefined]);
  expect(b?.body.refreshToken).toBe(a?.body.refreshToken);
  expect(backend.counters).toMatchObject({ refreshesOk: 2, reuseDetections: 0 });
  expect(await api(b?.body.accessToken)).toBe(200);
  expect((await post('/auth/refresh', { refreshToken: a?.body.refreshToken })).status).toBe(200);
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
