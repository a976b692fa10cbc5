import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, isSessionError, jsonRefresh, jsonRevoke, oauthRefresh, oauthRevoke, SessionError, type RefreshFunction } from '../../src/index.js';
import { sanitizeCause } from '../../src/machine/cause.js';
import { leaksIn } from '../helpers/reachable.js';
import { closedPort, scriptedEndpoint } from '../helpers/scriptedEndpoint.js';

// Siblings of issue 19 item 2 (rule 11 v3): every other door an error comes in by — the
// library's own I/O adapters with an app's fetch, a parse() that quotes the answer, a custom
// refresh that throws a SessionError or a plain object — and every shape a thrown value can
// take (class instances, Maps, getters, symbols, proxies, cycles, deep chains). The cause is an
// allow-list copy, so nothing the thrower hung on it is reachable.

const REFRESH = 'rt.whole-refresh-0123456789abcdef+ghij/klmn=opqr';
const ACCESS = 'at.whole-access-0123456789abcdef+ghij/klmn=stuv';
const SECRETS = [REFRESH, ACCESS];
const signal = () => new AbortController().signal;

/** An app's fetch wrapper whose error keeps the Request and the init it was given (as ofetch's does). */
const keepsRequest: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  try {
    return await fetch(request);
  } catch (cause) {
    throw Object.assign(new TypeError(`fetch failed for ${request.url}`, { cause }), { request, init });
  }
};

describe("the library's own requests, through a fetch whose errors keep the request", () => {
  it.each<[string, (url: string) => () => Promise<unknown>]>([
    ['jsonRefresh, token in the body', (url) => () => jsonRefresh({ url, fetch: keepsRequest })({ refreshToken: REFRESH, signal: signal() })],
    ['jsonRefresh, token in a header', (url) => () => jsonRefresh({ url, header: 'X-Refresh-Token', fetch: keepsRequest })({ refreshToken: REFRESH, signal: signal() })],
    ['oauthRefresh (form body, client secret)', (url) => () => oauthRefresh({ tokenEndpoint: url, clientId: 'spa', clientSecret: ACCESS, fetch: keepsRequest })({ refreshToken: REFRESH, signal: signal() })],
    ['jsonRevoke', (url) => () => jsonRevoke({ url, fetch: keepsRequest })({ accessToken: ACCESS, refreshToken: REFRESH, signal: signal() })],
    ['oauthRevoke', (url) => () => oauthRevoke({ endpoint: url, clientId: 'spa', fetch: keepsRequest })({ accessToken: ACCESS, refreshToken: REFRESH, signal: signal() })],
  ])('%s: a refused connection gives a network error with nothing to find in it', async (_name, make) => {
    const url = `http://127.0.0.1:${await closedPort()}/token?client=spa`;
    const error = await make(url)().then(() => expect.unreachable(), (e: unknown) => e);
    expect(error).toMatchObject({ name: 'SessionError', kind: 'network' });
    expect(leaksIn(error, SECRETS)).toEqual([]);
    // the cause still says which request failed and how
    expect((error as Error).cause).toMatchObject({ name: 'TypeError', method: 'POST', url: url.replace('?client=spa', '') });
    const chain: unknown[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(e);
    expect(chain).toContainEqual(expect.objectContaining({ code: 'ECONNREFUSED' }));
  });

  it('jsonRevoke in a session: the warning of a failed revocation holds no token', async () => {
    const warnings: string[] = [];
    const url = `http://127.0.0.1:${await closedPort()}/revoke`;
    const session = createSession({ refresh: async () => ({ accessToken: 'unused' }), revoke: jsonRevoke({ url, fetch: keepsRequest }), wake: false, onWarning: (m) => warnings.push(m) });
    onTestFinished(() => session.stop());
    session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 });
    await session.logout();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/revoking the ended session failed/);
    expect(leaksIn(warnings, SECRETS)).toEqual([]);
  });

  it('a sync whose publish throws an error quoting the message: the warning holds no token the session has', () => {
    const warnings: string[] = [];
    const session = createSession({
      refresh: async () => ({ accessToken: 'unused' }),
      sync: {
        publish: (message) => {
          throw new Error(`could not send ${JSON.stringify(message)}`);
        },
        subscribe: () => () => {},
      },
      wake: false,
      onWarning: (m) => warnings.push(m),
    });
    onTestFinished(() => session.stop());
    session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 });
    expect(warnings.some((w) => w.startsWith('sync.publish threw'))).toBe(true);
    expect(leaksIn(warnings, SECRETS)).toEqual([]);
  });
});

describe('warnings, whatever text they quote', () => {
  it('a listener whose error quotes the snapshot it was given: the warning holds no token the session has', () => {
    const warnings: string[] = [];
    const session = createSession({ refresh: async () => ({ accessToken: 'unused' }), wake: false, onWarning: (m) => warnings.push(m) });
    onTestFinished(() => session.stop());
    session.subscribe((snapshot) => {
      if (snapshot.accessToken) throw new TypeError(`cannot render ${JSON.stringify(snapshot)}`);
    });
    session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 });
    expect(warnings.some((w) => w.startsWith('a session listener threw'))).toBe(true);
    expect(leaksIn(warnings, SECRETS)).toEqual([]);
  });
});

describe('a parse() that throws', () => {
  it('quoting the answer: neither the new tokens nor the old one show in the message or the cause', async () => {
    const NEXT_ACCESS = 'at.next-short-4321'; // too short to look like a token by its form
    const NEXT_REFRESH = 'rt.next-short-8765';
    const { url } = await scriptedEndpoint(() => ({ body: { result: { access_token: NEXT_ACCESS, refresh_token: NEXT_REFRESH } } }));
    const parse = (body: unknown) => {
      throw Object.assign(new Error(`cannot read ${JSON.stringify(body)} (sent ${REFRESH})`), { body });
    };
    const error = await jsonRefresh({ url, parse })({ refreshToken: REFRESH, signal: signal() }).then(() => expect.unreachable(), (e: unknown) => e);
    expect(error).toMatchObject({ kind: 'invalid-response' });
    expect(leaksIn(error, [...SECRETS, NEXT_ACCESS, NEXT_REFRESH])).toEqual([]);
    expect((error as Error).message).toContain('…4321');
  });
});

describe('a custom refresh that throws its own shapes', () => {
  function start(refresh: RefreshFunction) {
    const loggedOut: unknown[] = [];
    const session = createSession({ refresh, retry: { attempts: 0 }, wake: false, onWarning: () => {}, onLoggedOut: (r) => loggedOut.push(r) });
    onTestFinished(() => session.stop());
    session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 });
    return { session, loggedOut };
  }
  class ClientConfig {
    headers = new Map([['x-refresh-token', REFRESH]]);
    get authorization() {
      return `Bearer ${ACCESS}`;
    }
  }

  it('a SessionError with a live cause and extra fields keeps its kind; the cause is copied, the extras dropped', async () => {
    const thrown = Object.assign(new SessionError('rejected', 'the server refused the refresh token', { cause: Object.assign(new Error('HTTP 401'), { config: new ClientConfig() }) }), {
      config: new ClientConfig(),
    });
    const { session, loggedOut } = start(async () => {
      throw thrown;
    });
    const error = await session.refresh().then(() => expect.unreachable(), (e: unknown) => e);
    expect(isSessionError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'rejected', message: 'the server refused the refresh token' });
    expect(loggedOut).toEqual([error]);
    expect(leaksIn([error, session.getSnapshot().error], SECRETS)).toEqual([]);
  });

  it('a plain { status, config } object: the status still decides (403 is rejected), nothing else is kept', async () => {
    const { session, loggedOut } = start(async () => {
      throw { status: 403, config: { headers: { 'x-refresh-token': REFRESH } }, request: new Request('http://127.0.0.1:9/r', { headers: { authorization: `Bearer ${ACCESS}` } }) };
    });
    await session.refresh().catch(() => {});
    expect(session.getSnapshot().error).toMatchObject({ kind: 'rejected', status: 403 });
    expect(leaksIn(loggedOut, SECRETS)).toEqual([]);
    expect(session.getSnapshot().error?.cause).toMatchObject({ status: 403, method: 'GET', url: 'http://127.0.0.1:9/r' });
  });

  it('a thrown string with the token in a URL (encoded) and user info: a network error whose text holds neither', async () => {
    const { session } = start(async () => {
      throw `POST https://app:${REFRESH}@auth.test/refresh?refresh_token=${encodeURIComponent(REFRESH)} refused`;
    });
    const error = await session.refresh().then(() => expect.unreachable(), (e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network' });
    expect((error as Error).message).toBe('refresh failed: POST https://auth.test/refresh refused');
    expect(leaksIn(error, SECRETS)).toEqual([]);
  });
});

const TOKEN_KEY: unique symbol = Symbol('token');

describe('sanitizeCause, whatever was thrown', () => {
  class Client {
    #secret = REFRESH;
    readonly jar = new Map<string, unknown>([['rt', REFRESH], [REFRESH, 'as a key']]);
    readonly seen = new Set([ACCESS]);
    readonly [TOKEN_KEY] = REFRESH;
    get header() {
      return this.#secret;
    }
  }

  it('keeps an allow-list: no Map, Set, symbol, getter or class instance of the original survives', () => {
    const error = Object.assign(new Error('request failed'), { client: new Client(), code: 'E_FAIL', status: 502 });
    Object.defineProperty(error, 'hidden', { value: new Client(), enumerable: false });
    const copy = sanitizeCause(error, []);
    expect(leaksIn(copy, SECRETS)).toEqual([]);
    expect(copy).toMatchObject({ name: 'Error', message: 'request failed', code: 'E_FAIL', status: 502 });
    expect(Object.getPrototypeOf(copy)).toBe(Error.prototype);
  });

  it('a token used as the name or the code is not kept', () => {
    const error = Object.assign(new Error('x'), { name: REFRESH, code: ACCESS });
    expect(sanitizeCause(error, [])).toMatchObject({ name: 'Error' });
    expect(sanitizeCause(error, [])).not.toHaveProperty('code');
  });

  it('a proxy whose every trap throws, a cause cycle, a chain 50 deep, an AggregateError of 20: all end, all clean', () => {
    const refuse = () => {
      throw new Error(REFRESH);
    };
    const hostile = new Proxy({}, { get: refuse, ownKeys: refuse, getPrototypeOf: refuse, has: refuse });
    expect(sanitizeCause(hostile, [])).toMatchObject({ name: 'Error' });
    expect(leaksIn(sanitizeCause(hostile, []), SECRETS)).toEqual([]);

    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    const loop = sanitizeCause(a, []);
    // the loop ends where it closes: a chain structuredClone and JSON can take
    expect(loop.cause).toMatchObject({ message: 'b' });
    expect((loop.cause as Error).cause).toBeUndefined();
    expect(() => structuredClone(loop)).not.toThrow();

    let deep: unknown = Object.assign(new Error('bottom'), { client: new Client() });
    for (let i = 0; i < 50; i++) deep = new Error(`level ${i}`, { cause: deep });
    const chain = sanitizeCause(deep, []);
    let depth = 0;
    for (let e: unknown = chain; e instanceof Error; e = e.cause) depth++;
    expect(depth).toBe(7);
    expect(leaksIn(chain, SECRETS)).toEqual([]);

    const many = new AggregateError(Array.from({ length: 20 }, (_, i) => Object.assign(new Error(`connect ECONNREFUSED ::${i}`), { code: 'ECONNREFUSED', client: new Client() })), 'all failed');
    const copy = sanitizeCause(many, []) as Error & { errors: Error[] };
    expect(copy.errors).toHaveLength(5);
    expect(copy.errors[0]).toMatchObject({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED ::0' });
    expect(leaksIn(copy, SECRETS)).toEqual([]);
  });

  it('a DOMException keeps its name and message; a SessionError cause stays a SessionError', () => {
    expect(sanitizeCause(new DOMException('The operation was aborted.', 'AbortError'), [])).toMatchObject({ name: 'AbortError', message: 'The operation was aborted.' });
    const nested = sanitizeCause(new SessionError('timeout', 'slow', { cause: new Client() }), []);
    expect(isSessionError(nested)).toBe(true);
    expect(nested).toMatchObject({ kind: 'timeout' });
    expect(leaksIn(nested, SECRETS)).toEqual([]);
  });
});
