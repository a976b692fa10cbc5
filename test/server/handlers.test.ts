import { afterEach, describe, expect, it } from 'vitest';
import { createSession, jsonRefresh, memoryStorage } from '../../src/index.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenFamilies, memoryFamilyStore, refreshHandler, toNodeHandler, type FamilyEvent, type FamilyStore, type TokenFamiliesOptions } from '../../src/server.js';
import { appHandlers, serveApp, type AppOptions, type Framework } from './helpers/app.js';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

/** A memory store that counts the calls that reach it. */
function countingStore() {
  const inner = memoryFamilyStore();
  const calls: string[] = [];
  const store = Object.fromEntries(
    Object.entries(inner).map(([name, fn]) => [name, (...args: unknown[]) => (calls.push(name), (fn as (...a: unknown[]) => unknown)(...args))]),
  ) as unknown as FamilyStore;
  return { store, calls };
}

async function app(options: { families?: TokenFamiliesOptions; framework?: Framework } & Partial<Omit<AppOptions, 'families'>> = {}) {
  const { store, calls } = countingStore();
  const events: FamilyEvent[] = [];
  const warnings: string[] = [];
  const families = createTokenFamilies({ store, onEvent: (e) => events.push(e), ...options.families });
  const served = await serveApp(options.framework ?? 'node:http', appHandlers({ onWarning: (m) => warnings.push(m), ...options, families }));
  stops.push(served.close);
  const bodies: string[] = [];
  const post = async (path: string, body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }, fetcher: typeof fetch = fetch) => {
    const res = await fetcher(`${served.url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const login = async (username = 'alice', fetcher: typeof fetch = fetch) => (await post('/auth/login', JSON.stringify({ username }), { 'content-type': 'application/json' }, fetcher)).json as Record<string, unknown>;
  return { ...served, families, calls, events, warnings, bodies, post, login };
}

describe.each(['node:http', 'hono', 'express'] as const)('the refresh handler through %s', (framework) => {
  it('keeps a silent-session client signed in: jsonRefresh reads every answer, each refresh token works once', async () => {
    const a = await app({ framework });
    const tokens = await a.login();
    expect(Object.keys(tokens).sort()).toEqual(['accessToken', 'expiresIn', 'loginAt', 'refreshExpiresIn', 'refreshToken', 'tokenType']);
    const storage = memoryStorage();
    const session = createSession({ refresh: jsonRefresh({ url: `${a.url}/auth/refresh` }), storage, wake: false });
    stops.push(() => session.stop());
    session.login(tokens as never);
    const seen = [tokens.refreshToken];
    for (let i = 0; i < 3; i++) {
      await session.refresh();
      seen.push((await storage.load())?.refreshToken);
    }
    expect(new Set(seen).size).toBe(4);
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(a.events.filter((e) => e.type === 'rotated').map((e) => e.type === 'rotated' && e.seq)).toEqual([1, 2, 3]);
    const again = await a.post('/auth/refresh', JSON.stringify({ refreshToken: seen[3] }));
    expect(again.json).toMatchObject({ refreshToken: expect.any(String) });
    expect(again.json?.refreshToken).not.toBe(seen[3]);
  });
});

describe('the refresh handler’s answers', () => {
  it('answers 200 with the jsonRefresh shape: expiresIn from the signer, refreshExpiresIn in whole seconds, loginAt in epoch ms', async () => {
    let t = 1_700_000_000_000;
    const a = await app({ families: { now: () => t, refreshTtl: 3_600_000 }, now: () => t, accessTtl: 300 });
    const login = await a.login();
    t += 10_500;
    const r = await a.post('/auth/refresh', JSON.stringify({ refreshToken: login.refreshToken }));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.json).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 300, refreshToken: expect.any(String), refreshExpiresIn: 3_600, loginAt: 1_700_000_000_000 });
    expect(r.headers.get('date')).toBe(new Date(t).toUTCString());
  });

  it('answers 401 invalid_grant for a reused, a revoked, an expired and an unknown token, each saying which', async () => {
    let t = 1_700_000_000_000;
    const a = await app({ families: { now: () => t, grace: 1_000, refreshTtl: 60_000 }, now: () => t });
    const first = await a.login();
    const second = (await a.post('/auth/refresh', JSON.stringify({ refreshToken: first.refreshToken }))).json;
    t += 2_000;
    const reused = await a.post('/auth/refresh', JSON.stringify({ refreshToken: first.refreshToken }));
    const revoked = await a.post('/auth/refresh', JSON.stringify({ refreshToken: second?.refreshToken }));
    const other = await a.login('bob');
    t += 60_000;
    const expired = await a.post('/auth/refresh', JSON.stringify({ refreshToken: other.refreshToken }));
    const unknown = await a.post('/auth/refresh', JSON.stringify({ refreshToken: `${'A'.repeat(22)}.${'B'.repeat(43)}` }));
    const wrongShape = await a.post('/auth/refresh', JSON.stringify({ refreshToken: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln' }));
    const answers = [reused, revoked, expired, unknown, wrongShape];
    expect(answers.map((r) => [r.status, r.json?.error])).toEqual(Array(5).fill([401, 'invalid_grant']));
    expect(answers.map((r) => String(r.json?.error_description))).toEqual([
      expect.stringMatching(/already used/),
      expect.stringMatching(/revoked/),
      expect.stringMatching(/expired/),
      expect.stringMatching(/not one this server knows/),
      expect.stringMatching(/not one this server knows/),
    ]);
  });

  it('answers a refresh loop 429 with Retry-After, and keeps answering the schedule of short tokens', async () => {
    let t = 1_700_000_000_000;
    const a = await app({ families: { now: () => t, maxRotationsPerMinute: 5 }, now: () => t, accessTtl: 60 });
    let token = (await a.login()).refreshToken;
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 8 && !limited; i++) {
      t += 1_000; // a token refused a second after it was issued, again and again
      const r = await a.post('/auth/refresh', JSON.stringify({ refreshToken: token }));
      statuses.push(r.status);
      if (r.status === 429) limited = r;
      else token = r.json?.refreshToken;
    }
    // the first refresh teaches the family its access tokens live 60 s; the next five are loops
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(limited?.headers.get('retry-after')).toBe('55'); // the first loop (at 2 s) leaves the minute at 62 s
    expect(limited?.json).toMatchObject({ error: 'slow_down' });
    t += 55_000;
    expect((await a.post('/auth/refresh', JSON.stringify({ refreshToken: token }))).status).toBe(200);
  });
});

describe('bad input', () => {
  const bad: Array<[string, string | undefined, Record<string, string>, number, RegExp]> = [
    ['malformed JSON', '{"refreshToken": ', { 'content-type': 'application/json' }, 400, /not valid JSON/],
    ['JSON that is not an object', '["x"]', { 'content-type': 'application/json' }, 400, /must be a JSON object/],
    ['a token that is not a string', '{"refreshToken": 42}', { 'content-type': 'application/json' }, 400, /must be a string/],
    ['no token at all', '{}', { 'content-type': 'application/json' }, 400, /no refreshToken/],
    ['an empty body', undefined, {}, 400, /no refreshToken/],
    ['two different tokens', '{"refreshToken": "a", "refresh_token": "b"}', { 'content-type': 'application/json' }, 400, /two different/],
    ['a body over 16 kB', JSON.stringify({ refreshToken: 'x', pad: 'y'.repeat(17_000) }), { 'content-type': 'application/json' }, 413, /larger than 16 kB/],
  ];
  it.each(bad)('%s: a clear error, nothing reaches the store', async (_, body, headers, status, description) => {
    const a = await app();
    const { refreshToken } = await a.login();
    a.calls.length = 0;
    const r = await a.post('/auth/refresh', body, headers);
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(description) });
    expect(a.calls).toEqual([]);
    expect((await a.post('/auth/refresh', JSON.stringify({ refreshToken }))).json).toMatchObject({ refreshToken: expect.any(String) });
  });

  it('refuses a streamed body over 16 kB without a Content-Length', async () => {
    const a = await app();
    const chunk = new TextEncoder().encode('y'.repeat(4_096));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${a.url}/auth/refresh`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(a.calls).toEqual([]);
  });

  it('answers a request whose body something else already read (no body left) instead of waiting for it', async () => {
    const families = createTokenFamilies();
    const handler = toNodeHandler(refreshHandler({ families, signAccessToken: async () => ({ accessToken: 'at', expiresIn: 60 }) }));
    const server = createServer(async (req, res) => {
      for await (const chunk of req) void chunk; // a middleware that drained the stream and kept nothing
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"refreshToken":"x"}' });
    expect([res.status, ((await res.json()) as { error_description: string }).error_description]).toEqual([400, 'the body has no refreshToken']);
  });

  it('answers 405 to a GET', async () => {
    const a = await app();
    const res = await fetch(`${a.url}/auth/refresh`);
    expect([res.status, res.headers.get('allow')]).toEqual([405, 'POST']);
  });
});

describe('failures on the server side', () => {
  it('answers 500 when signAccessToken fails, warns once, and the retry within the grace window gets the same refresh token', async () => {
    let failSigning = true;
    const a = await app({
      sign: async (subject) => {
        if (failSigning) throw new Error('the key service is down');
        return { accessToken: `at-${subject}`, expiresIn: 60 };
      },
    });
    const families = a.families;
    const { refreshToken } = await families.issue('alice');
    const first = await a.post('/auth/refresh', JSON.stringify({ refreshToken }));
    const second = await a.post('/auth/refresh', JSON.stringify({ refreshToken }));
    expect([first.status, first.json?.error, second.status]).toEqual([500, 'server_error', 500]);
    expect(a.warnings).toEqual([expect.stringMatching(/signAccessToken failed, refreshes answer 500: the key service is down/)]);
    failSigning = false;
    const retry = await a.post('/auth/refresh', JSON.stringify({ refreshToken }));
    const next = await a.post('/auth/refresh', JSON.stringify({ refreshToken: retry.json?.refreshToken }));
    expect([retry.status, next.status]).toEqual([200, 200]);
    expect(a.events.map((e) => e.type)).toEqual(['issued', 'rotated', 'replayed', 'replayed', 'rotated']);
  });

  it('answers 503 with Retry-After within the timeout when the store hangs, and warns once for the outage', async () => {
    const hanging: FamilyStore = { ...memoryFamilyStore(), rotate: () => new Promise(() => {}), revoke: () => new Promise(() => {}) };
    const warnings: string[] = [];
    const families = createTokenFamilies({ store: hanging, timeout: 200 });
    const served = await serveApp('node:http', appHandlers({ families, onWarning: (m) => warnings.push(m) }));
    stops.push(served.close);
    const { refreshToken } = await families.issue('alice');
    for (const path of ['/auth/refresh', '/auth/refresh', '/auth/logout']) {
      const res = await fetch(`${served.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
      expect([res.status, res.headers.get('retry-after'), ((await res.json()) as { error: string }).error]).toEqual([503, '1', 'temporarily_unavailable']);
    }
    expect(warnings).toEqual([
      expect.stringMatching(/refreshes answer 503 while the family store fails: the family store did not answer rotate within 200 ms/),
      expect.stringMatching(/revocations answer 503/),
    ]);
    expect(warnings.join()).not.toContain(refreshToken.split('.')[1]);
  });

  it('never puts a token in an error answer, a warning or an event', async () => {
    let t = 1_700_000_000_000;
    const a = await app({ families: { now: () => t, grace: 1_000, maxRotationsPerMinute: 1 }, now: () => t });
    const login = await a.login();
    const r1 = (await a.post('/auth/refresh', JSON.stringify({ refreshToken: login.refreshToken }))).json;
    const r2 = (await a.post('/auth/refresh', JSON.stringify({ refreshToken: r1?.refreshToken }))).json;
    await a.post('/auth/refresh', JSON.stringify({ refreshToken: r2?.refreshToken })); // a loop: 429
    t += 5_000;
    await a.post('/auth/refresh', JSON.stringify({ refreshToken: login.refreshToken })); // reuse: 401
    await a.post('/auth/refresh', JSON.stringify({ refreshToken: r2?.refreshToken })); // revoked: 401
    await a.post('/auth/refresh', JSON.stringify({ refreshToken: `${login.refreshToken}!` })); // wrong shape
    await a.post('/auth/refresh', `{"refreshToken": "${String(r2?.refreshToken)}"`); // broken JSON around a real token
    await a.post('/auth/logout', JSON.stringify({ refreshToken: r2?.refreshToken }));
    const errors = a.bodies.filter((b) => !b.includes('"refreshToken"'));
    expect(errors.map((b) => JSON.parse(b).error)).toEqual(['slow_down', 'invalid_grant', 'invalid_grant', 'invalid_grant', 'invalid_request', undefined]);
    const texts = [...errors, ...a.warnings, ...a.events.map((e) => JSON.stringify(e))];
    for (const token of [login.refreshToken, r1?.refreshToken, r2?.refreshToken] as string[]) {
      for (const text of texts) expect(text).not.toContain(token.split('.')[1]);
    }
  });
});
