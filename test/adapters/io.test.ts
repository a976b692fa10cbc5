import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  broadcastSync,
  browserWake,
  createSession,
  jsonRefresh,
  oauthRefresh,
  webLocks,
  webStorage,
  type RefreshFunction,
  type StorageLike,
  type TokenSet,
  type WakeReason,
} from '../../src/index.js';
import { messagesOf, sessionErrorOf, wholeTokensIn } from '../helpers/integration.js';

// The I/O adapters against odd answers and edge cases. Real parts wherever Node 20 has them: a node:http server on
// 127.0.0.1 for the refresh endpoints (answers the demo auth server cannot give on demand),
// Node's own fetch, AbortController and BroadcastChannel, and jsdom's real DOM for browserWake.
// Node 20 has neither localStorage nor navigator.locks, so two small in-test fakes stand in for
// them: `specStorage` (Map-backed, string values, getItem -> null when absent, setItem may throw
// a QuotaExceededError DOMException) and `fakeLocks` (a FIFO exclusive LockManager with
// `ifAvailable` and `signal`, released when the callback's promise settles, as the spec says).

// ---------------------------------------------------------------------------------------------
// helpers

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** Send the headers and part of the body, then never finish it. */
  stallBody?: boolean;
  /** Never answer at all. */
  hang?: boolean;
  /** Leave the automatic Date header out. */
  noDate?: boolean;
}
interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** A tiny endpoint on 127.0.0.1 that answers whatever `answer` says, and records requests. */
async function endpoint(answer: (req: Seen) => Answer = () => ({ body: { accessToken: 'at-1', refreshToken: 'rt-2', expiresIn: 60 } })) {
  const seen: Seen[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const r: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body };
      seen.push(r);
      const a = answer(r);
      if (a.hang) return;
      if (a.noDate) res.sendDate = false;
      const text = typeof a.body === 'string' ? a.body : a.body === undefined ? '' : JSON.stringify(a.body);
      res.writeHead(a.status ?? 200, { 'content-type': typeof a.body === 'object' ? 'application/json' : 'text/plain', ...a.headers });
      if (a.stallBody) {
        res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        return; // never end
      }
      res.end(text);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen };
}

/** Calls a refresh function the way the session does; `call(f)` sends 'rt-1', `call(f, undefined)` none. */
const call = (refresh: RefreshFunction, ...args: [refreshToken?: string | undefined, signal?: AbortSignal]) =>
  refresh({ refreshToken: args.length === 0 ? 'rt-1' : args[0], signal: args[1] ?? new AbortController().signal });

/** Web Storage as the spec has it, backed by a Map. `quota` makes setItem throw. */
function specStorage(init: Record<string, string> = {}) {
  const map = new Map(Object.entries(init));
  const state = { quota: false };
  const storage: StorageLike = {
    getItem: (k) => (map.has(String(k)) ? (map.get(String(k)) as string) : null),
    setItem: (k, v) => {
      if (state.quota) throw new DOMException(`Setting the value of '${k}' exceeded the quota.`, 'QuotaExceededError');
      map.set(String(k), String(v));
    },
    removeItem: (k) => void map.delete(String(k)),
  };
  return { storage, map, state };
}

/** Waits for `condition` one event-loop turn at a time (setImmediate: fake timers leave it alone). */
async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether a promise has settled yet, for checks made while the clock is stopped. */
function settled<T>(promise: Promise<T>) {
  const state = { done: false, promise };
  promise.then(
    () => void (state.done = true),
    () => void (state.done = true),
  );
  return state;
}

/** Installs `globalThis[name] = value` for the current test only. */
function installGlobal(name: string, value: unknown) {
  const had = Object.prototype.hasOwnProperty.call(globalThis, name);
  const before = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  onTestFinished(() => {
    if (had && before) Object.defineProperty(globalThis, name, before);
    else delete (globalThis as Record<string, unknown>)[name];
  });
}

/** A `storage` event source on globalThis (as `window` is in a browser). */
function installWindowEvents() {
  const target = new EventTarget();
  installGlobal('addEventListener', target.addEventListener.bind(target));
  installGlobal('removeEventListener', target.removeEventListener.bind(target));
  return {
    fireStorage(key: string | null, newValue: string | null) {
      const event = new Event('storage');
      Object.assign(event, { key, newValue, oldValue: null });
      target.dispatchEvent(event);
    },
  };
}

type LockCallback = (lock: { name: string } | null) => Promise<unknown>;
/** An exclusive LockManager per the Web Locks spec (FIFO, ifAvailable, signal), async like a browser. */
function fakeLocks() {
  const held = new Set<string>();
  const queues = new Map<string, Array<() => void>>();
  const tick = () => new Promise<void>((r) => setTimeout(r, 0));
  const release = (name: string) => {
    held.delete(name);
    const next = queues.get(name)?.shift();
    if (next) next();
  };
  const grant = async <T>(name: string, cb: LockCallback): Promise<T> => {
    held.add(name);
    try {
      return (await cb({ name })) as T;
    } finally {
      release(name);
    }
  };
  const locks = {
    requests: 0,
    held,
    /** Requests queued behind the holder of `name`. */
    waiting: (name: string) => queues.get(name)?.length ?? 0,
    async request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, cb: LockCallback): Promise<T> {
      locks.requests++;
      await tick();
      if (options.signal?.aborted) throw options.signal.reason;
      if (options.ifAvailable) {
        if (held.has(name) || (queues.get(name)?.length ?? 0) > 0) return (await cb(null)) as T;
        return grant<T>(name, cb);
      }
      if (!held.has(name)) return grant<T>(name, cb);
      return new Promise<T>((resolve, reject) => {
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        const go = () => {
          options.signal?.removeEventListener('abort', onAbort);
          grant<T>(name, cb).then(resolve, reject);
        };
        const onAbort = () => {
          const i = queue.indexOf(go);
          if (i >= 0) queue.splice(i, 1);
          reject(options.signal?.reason);
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(go);
      });
    },
  };
  installGlobal('navigator', { locks });
  return locks;
}

/** Holds the named lock until the returned function is called. */
function holdLock(locks: ReturnType<typeof fakeLocks>, name: string) {
  let let_go!: () => void;
  const released = new Promise<void>((r) => (let_go = r));
  const acquired = new Promise<void>((ok) => void locks.request(`silent-session:${name}`, {}, async () => (ok(), released)));
  return { acquired, release: () => let_go() };
}

// ---------------------------------------------------------------------------------------------
// jsonRefresh

describe('jsonRefresh against odd answers', () => {
  it('accepts a { data } wrapper with snake_case fields and expires_in as a string, and reports the Date header', async () => {
    const { url } = await endpoint(() => ({ body: { code: 0, msg: 'ok', data: { access_token: 'opaque-at', refresh_token: 'rt-2', expires_in: '900' } } }));
    const tokens = await call(jsonRefresh({ url }));
    expect(tokens).toMatchObject({ accessToken: 'opaque-at', refreshToken: 'rt-2', expiresIn: 900 });
    expect(Math.abs((tokens.serverDate ?? 0) - Date.now())).toBeLessThan(2_000);
  });

  it('gives no serverDate when the Date header is missing or garbage', async () => {
    const missing = await endpoint(() => ({ noDate: true, body: { accessToken: 'at', expiresIn: 60 } }));
    expect(await call(jsonRefresh({ url: missing.url }))).not.toHaveProperty('serverDate');
    const garbage = await endpoint(() => ({ headers: { date: 'yesterday-ish' }, body: { accessToken: 'at', expiresIn: 60 } }));
    expect(await call(jsonRefresh({ url: garbage.url }))).not.toHaveProperty('serverDate');
  });

  it('treats "expires_in": null as "no lifetime given", so a session can adopt an opaque token answered that way', async () => {
    // Java/Jackson and many ORMs serialize an unset field as null. Number(null) is 0.
    const { url } = await endpoint(() => ({ body: { access_token: 'opaque-at-2', refresh_token: 'rt-2', expires_in: null } }));
    const tokens = await call(jsonRefresh({ url }));
    expect.soft(tokens.expiresIn).toBeUndefined();

    const session = createSession({ refresh: jsonRefresh({ url }), wake: false, retry: { attempts: 0 }, onWarning: () => {} });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'opaque-at-1', refreshToken: 'rt-1', expiresIn: 60 });
    await expect(session.refresh()).resolves.toBe('opaque-at-2');
    expect(session.getSnapshot().status).toBe('authenticated');
  });

  it.each<[string, Answer, { kind: string; status?: number }]>([
    ['200 with an empty body', { body: '' }, { kind: 'invalid-response' }],
    ['200 with an HTML page', { headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in</body></html>' }, { kind: 'invalid-response' }],
    ['204 No Content', { status: 204 }, { kind: 'invalid-response' }],
    ['200 { success: false, message }', { body: { success: false, message: 'session expired' } }, { kind: 'invalid-response' }],
    ['200 { code: 401 } with tokens inside data', { body: { code: 401, data: { accessToken: 'x' } } }, { kind: 'rejected' }],
    ['200 with a numeric access token', { body: { accessToken: 12345 } }, { kind: 'invalid-response' }],
    ['401 without a body', { status: 401, body: '' }, { kind: 'rejected', status: 401 }],
    ['401 with JSON', { status: 401, body: { message: 'expired' } }, { kind: 'rejected', status: 401 }],
    ['400 invalid_grant', { status: 400, body: { error: 'invalid_grant', error_description: 'revoked' } }, { kind: 'rejected', status: 400 }],
    ['403 with an HTML page', { status: 403, headers: { 'content-type': 'text/html' }, body: '<h1>Forbidden</h1>' }, { kind: 'rejected', status: 403 }],
    ['429 without JSON', { status: 429, body: 'slow down' }, { kind: 'http', status: 429 }],
    ['500 with an HTML page', { status: 500, headers: { 'content-type': 'text/html' }, body: '<h1>oops</h1>' }, { kind: 'http', status: 500 }],
    ['503 with JSON', { status: 503, body: { error: 'maintenance' } }, { kind: 'http', status: 503 }],
    ['500 that says invalid_grant', { status: 500, body: { error: 'invalid_grant' } }, { kind: 'rejected', status: 500 }],
  ])('maps %s to the right SessionError kind/status', async (_name, answer, expected) => {
    const { url } = await endpoint(() => answer);
    const error = await sessionErrorOf(call(jsonRefresh({ url }), 'rt_secret-refresh-token-value-0001'));
    expect(error).toMatchObject(expected);
    if (expected.status === undefined) expect(error.status).toBeUndefined();
    expect(wholeTokensIn(messagesOf(error), ['rt_secret-refresh-token-value-0001'])).toEqual([]);
  });

  it('caps a body that starts but never ends with its timeout option (kind timeout), and the caller abort (kind aborted)', async () => {
    const { url, seen } = await endpoint(() => ({ stallBody: true, body: { accessToken: 'at', refreshToken: 'rt', expiresIn: 60 } }));
    // Only setTimeout is faked: the sockets stay real, the cap's timer moves when the test says.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    let outcome: unknown = 'pending';
    const capped = sessionErrorOf(call(jsonRefresh({ url, timeout: 150 })));
    void capped.then((e) => (outcome = e.kind));
    await until(() => seen.length === 1); // the body has started and stalls
    await vi.advanceTimersByTimeAsync(149);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await capped).toMatchObject({ kind: 'timeout', message: expect.stringContaining('150 ms') });
    vi.useRealTimers();

    const controller = new AbortController();
    const pending = call(jsonRefresh({ url }), 'rt-1', controller.signal);
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    controller.abort();
    expect(await sessionErrorOf(pending)).toMatchObject({ kind: 'aborted' });

    const already = new AbortController();
    already.abort();
    expect(await sessionErrorOf(call(jsonRefresh({ url }), 'rt-1', already.signal))).toMatchObject({ kind: 'aborted' });
  });

  it('with timeout: Infinity (no cap of its own) or 2^31 ms waits for a late answer instead of timing out at once', async () => {
    // Rule 7: delays above setTimeout's 2^31-1 ms limit must never fire early (setTimeout
    // itself fires them after 1 ms). Weeks of fake time pass before the answer may go out.
    const { url } = await endpoint(() => ({ body: { accessToken: 'at-late', expiresIn: 60 } }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    for (const timeout of [Number.POSITIVE_INFINITY, 2 ** 31]) {
      let release = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const late: typeof fetch = async (input, init) => {
        await gate;
        return fetch(input, init); // rejects at once if the cap has already aborted the signal
      };
      const pending = call(jsonRefresh({ url, fetch: late, timeout }));
      // a month for Infinity; for 2^31 ms, just short of its cap (past setTimeout's 2^31-1 ms limit)
      await vi.advanceTimersByTimeAsync(timeout === Number.POSITIVE_INFINITY ? 30 * 24 * 3_600_000 : 2 ** 31 - 2);
      release();
      await expect(pending).resolves.toMatchObject({ accessToken: 'at-late' });
    }
  });

  it('sends field, header, credentials and extra headers as asked, never a Bearer token', async () => {
    const { url, seen } = await endpoint();
    await call(jsonRefresh({ url, field: 'refresh_token', headers: { 'X-App': 'web' } }), 'rt-field');
    await call(jsonRefresh({ url, header: 'X-Refresh-Token' }), 'rt-header');
    await call(jsonRefresh({ url, credentials: 'include' }), undefined);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ refresh_token: 'rt-field' });
    expect(seen[0]?.headers['x-app']).toBe('web');
    expect(seen[1]?.headers['x-refresh-token']).toBe('rt-header');
    expect(seen[1]?.body).toBe('{}');
    expect(seen[2]?.body).toBe('{}');
    for (const r of seen) expect(r.headers.authorization).toBeUndefined();
    // without a refresh token and without cookie mode, nothing is sent
    expect(await sessionErrorOf(call(jsonRefresh({ url }), undefined))).toMatchObject({ kind: 'rejected' });
    expect(seen).toHaveLength(3);
  });

  it('lets a custom Content-Type / Accept header replace the default instead of being merged into it', async () => {
    const { url, seen } = await endpoint();
    await call(jsonRefresh({ url, headers: { 'Content-Type': 'application/vnd.api+json', Accept: 'application/vnd.api+json' } }));
    expect(seen[0]?.headers['content-type']).toBe('application/vnd.api+json');
    expect(seen[0]?.headers.accept).toBe('application/vnd.api+json');
  });

  it('hands parse() the parsed body and the response, and a SessionError it throws comes out unchanged', async () => {
    const { url } = await endpoint(() => ({ headers: { 'x-token': 'from-header' }, body: { ok: true } }));
    const tokens = await call(jsonRefresh({ url, parse: (body, res) => ({ accessToken: `${res.headers.get('x-token')}:${String((body as { ok: boolean }).ok)}` }) }));
    expect(tokens.accessToken).toBe('from-header:true');
  });

  it('never puts a whole refresh token in an error message, even when fetch refuses the header value', async () => {
    const { url } = await endpoint();
    const secret = 'rt_line-one\nline-two-secret-9999';
    const error = await sessionErrorOf(call(jsonRefresh({ url, header: 'X-Refresh-Token' }), secret));
    expect(wholeTokensIn(messagesOf(error), [secret])).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// oauthRefresh

describe('oauthRefresh', () => {
  it('treats "expires_in": null as absent', async () => {
    const { url } = await endpoint(() => ({ body: { access_token: 'at', token_type: 'Bearer', expires_in: null } }));
    expect(await call(oauthRefresh({ tokenEndpoint: `${url}/token`, clientId: 'spa' }))).not.toHaveProperty('expiresIn');
  });

  it('with timeout: Infinity waits for a late answer instead of timing out at once', async () => {
    const { url } = await endpoint(() => ({ body: { access_token: 'at-late', token_type: 'Bearer', expires_in: 60 } }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const late: typeof fetch = async (input, init) => {
      await gate;
      return fetch(input, init);
    };
    const pending = call(oauthRefresh({ tokenEndpoint: `${url}/token`, clientId: 'spa', fetch: late, timeout: Number.POSITIVE_INFINITY }));
    await vi.advanceTimersByTimeAsync(30 * 24 * 3_600_000); // a month: past setTimeout's 2^31-1 ms limit
    release();
    await expect(pending).resolves.toMatchObject({ accessToken: 'at-late' });
  });

  it('fromIssuer: an abort while discovery hangs rejects that refresh at once with kind aborted, before the discovery times out', async () => {
    const { url, seen } = await endpoint((r) => (r.path.includes('.well-known') ? { hang: true } : { body: { access_token: 'at' } }));
    // the discovery's own cap never fires here: only the abort can end the wait
    const refresh = oauthRefresh.fromIssuer(url, { clientId: 'spa', timeout: Number.POSITIVE_INFINITY });
    const controller = new AbortController();
    const pending = call(refresh, 'rt-1', controller.signal);
    await vi.waitFor(() => expect(seen.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']));
    controller.abort();
    expect(await sessionErrorOf(pending)).toMatchObject({ kind: 'aborted' });
  });
});

// ---------------------------------------------------------------------------------------------
// webStorage

describe('webStorage (Map-backed Web Storage fake: Node 20 has no localStorage)', () => {
  it('does not leave the previous, already rotated token pair behind when a write hits the quota', async () => {
    const web = specStorage();
    const warnings: string[] = [];
    const store = webStorage(web.storage, { key: 'app', onWarning: (m) => warnings.push(m) });
    store.save({ accessToken: 'at-1', refreshToken: 'rt-1-spent', expiresIn: 60 });
    web.state.quota = true;
    store.save({ accessToken: 'at-2', refreshToken: 'rt-2', expiresIn: 60 });
    expect(store.load()).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' }); // this tab: in memory
    expect(warnings).toHaveLength(1);
    // The next page load (or another tab) must not restore rt-1, which the server has spent:
    // presenting it again triggers reuse detection and revokes the whole login.
    const nextPageLoad = webStorage(web.storage, { key: 'app', onWarning: () => {} });
    expect((nextPageLoad.load() as TokenSet | null)?.refreshToken).not.toBe('rt-1-spent');
  });

  it('keeps two sessions with different keys in one storage apart', () => {
    const web = specStorage();
    const a = createSession({ refresh: async () => ({ accessToken: 'x' }), wake: false, storage: webStorage(web.storage, { key: 'app' }) });
    const b = createSession({ refresh: async () => ({ accessToken: 'x' }), wake: false, storage: webStorage(web.storage, { key: 'app.admin' }) });
    onTestFinished(() => (a.stop(), b.stop()));
    a.login({ accessToken: 'a-at', refreshToken: 'a-rt', expiresIn: 60 });
    b.login({ accessToken: 'b-at', refreshToken: 'b-rt', expiresIn: 60 });
    a.logout();
    expect(web.map.has('app')).toBe(false);
    expect(JSON.parse(web.map.get('app.admin') as string)).toMatchObject({ accessToken: 'b-at' });
  });

  it('waitForChange resolves on a storage event for its key, also one with newValue null (logout elsewhere), not for other keys', async () => {
    const win = installWindowEvents();
    const store = webStorage(specStorage().storage, { key: 'app' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    let done = false;
    const waiting = store.waitForChange!(5_000).then(() => (done = true));
    // storage events are dispatched synchronously; with the clock stopped, only an event can end the wait
    win.fireStorage('other', '{}');
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(false);
    win.fireStorage('app', null);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    await waiting;
  });

  it('waitForChange ends at its timeout, not a millisecond before, and at once when aborted', async () => {
    const store = webStorage(specStorage().storage, { key: 'app' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const timedOut = settled(store.waitForChange!(100));
    await vi.advanceTimersByTimeAsync(99);
    expect(timedOut.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(timedOut.done).toBe(true);

    const controller = new AbortController();
    const aborted = settled(store.waitForChange!(5_000, controller.signal));
    await vi.advanceTimersByTimeAsync(1);
    expect(aborted.done).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(1); // 2 ms of the 5 000 have passed
    expect(aborted.done).toBe(true);
  });

  it('waitForChange with an already aborted signal returns at once instead of waiting out the timeout', async () => {
    const store = webStorage(specStorage().storage, { key: 'app' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const controller = new AbortController();
    controller.abort();
    const waiting = settled(store.waitForChange!(2_000, controller.signal));
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.done).toBe(true);
  });

  it('waitForChange resolves when another tab calls localStorage.clear() (a storage event with key null)', async () => {
    const win = installWindowEvents();
    const store = webStorage(specStorage().storage, { key: 'app' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const waiting = settled(store.waitForChange!(2_000));
    win.fireStorage(null, null);
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.done).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// broadcastSync (Node's real BroadcastChannel)

describe('broadcastSync', () => {
  it('delivers to another instance, never echoes to itself, and stops after unsubscribe', async () => {
    const a = broadcastSync('review-echo');
    const b = broadcastSync('review-echo');
    const gotA: unknown[] = [];
    const gotB: unknown[] = [];
    const alsoB: unknown[] = [];
    const stopA = a.subscribe((m) => gotA.push(m));
    const stopB = b.subscribe((m) => gotB.push(m));
    const stopAlsoB = b.subscribe((m) => alsoB.push(m));
    onTestFinished(() => (stopA(), stopAlsoB()));
    a.publish({ type: 'logout' });
    await vi.waitFor(() => expect(gotB).toEqual([{ type: 'logout' }]));
    // b answers only after it heard a: an echo of a's own message would reach a before the answer
    const answer = { type: 'tokens', tokens: { accessToken: 'from-b', expiresIn: 60 } } as const;
    b.publish(answer);
    await vi.waitFor(() => expect(gotA).toHaveLength(1));
    expect(gotA).toEqual([answer]);

    stopB();
    a.publish({ type: 'logout' });
    // the other listener on b's channel hears it in the same dispatch that would have reached gotB
    await vi.waitFor(() => expect(alsoB).toHaveLength(2));
    expect(gotB).toHaveLength(1);
  });

  it('closes its channel when the last listener leaves (session.stop()), and a later publish still reaches other tabs', async () => {
    const opened: BroadcastChannel[] = [];
    const Real = globalThis.BroadcastChannel;
    class Tracked extends Real {
      constructor(name: string) {
        super(name);
        opened.push(this);
      }
    }
    globalThis.BroadcastChannel = Tracked as typeof BroadcastChannel;
    let sync;
    try {
      sync = broadcastSync('close-when-idle');
    } finally {
      globalThis.BroadcastChannel = Real;
    }
    const other = new Real('silent-session:close-when-idle');
    const heard: unknown[] = [];
    other.onmessage = (event: MessageEvent) => heard.push(event.data);
    onTestFinished(() => other.close());
    const session = createSession({ refresh: async () => ({ accessToken: 'never-used' }), sync, wake: false });
    session.logout(); // nothing to end: publishes nothing
    expect(opened).toHaveLength(1);
    session.stop();
    // closed: posting on it now throws
    expect(() => (opened[0] as BroadcastChannel).postMessage('x')).toThrow();
    sync.publish({ type: 'logout' });
    await vi.waitFor(() => expect(heard).toEqual([{ type: 'logout' }]));
    expect(() => (opened[1] as BroadcastChannel).postMessage('x')).toThrow(); // opened for that one message, closed again
  });

  it('ignores other channel names and garbage, and a session survives bad tokens from another tab with a warning', async () => {
    const warnings: string[] = [];
    const session = createSession({ refresh: async () => ({ accessToken: 'x' }), wake: false, sync: broadcastSync('review-garbage'), onWarning: (m) => warnings.push(m) });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'mine-0001', refreshToken: 'rt', expiresIn: 600 });
    const raw = new BroadcastChannel('silent-session:review-garbage');
    const other = new BroadcastChannel('silent-session:review-garbage-2');
    onTestFinished(() => (raw.close(), other.close()));
    other.postMessage({ type: 'logout' });
    for (const m of [null, 'logout', 42, { type: 'LOGOUT' }, { type: 'tokens' }, { type: 'tokens', tokens: { accessToken: 5 } }, { v: 2, kind: 'logout' }]) raw.postMessage(m);
    raw.postMessage({ type: 'tokens', tokens: { accessToken: 'eyJhbGciOiJIUzI1NiJ9.%%%.sig' } });
    raw.postMessage({ type: 'tokens', tokens: { accessToken: 'theirs', expiresIn: -5 } });
    // One warning for each of the last two messages, which arrive after the garbage (one sender: in order).
    await vi.waitFor(() => expect(warnings).toHaveLength(2));
    expect(warnings).toEqual([expect.stringMatching(/does not decode/), expect.stringMatching(/expiresIn must be a non-negative number/)]);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: 'mine-0001' });
    expect(wholeTokensIn(warnings, ['eyJhbGciOiJIUzI1NiJ9.%%%.sig'])).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// webLocks (in-test LockManager fake: Node 20 has no navigator.locks)

describe('webLocks (spec-like navigator.locks fake)', () => {
  it('runs uncontended at once while holding the lock, and waits for another holder (contended: true)', async () => {
    const locks = fakeLocks();
    const lock = webLocks('review-a', { onWarning: () => {} });
    expect(await lock.withLock(async (s) => [s.contended, locks.held.has('silent-session:review-a')])).toEqual([false, true]);
    const other = holdLock(locks, 'review-a');
    await other.acquired;
    let ran = false;
    const pending = lock.withLock(async (s) => ((ran = true), s.contended));
    await vi.waitFor(() => expect(locks.waiting('silent-session:review-a')).toBe(1)); // queued behind the holder
    expect(ran).toBe(false);
    other.release();
    expect(await pending).toBe(true);
    expect(locks.held.size).toBe(0);
  });

  it('releases the lock when fn throws, uncontended and contended, and passes the error on', async () => {
    const locks = fakeLocks();
    const lock = webLocks('review-b', { onWarning: () => {} });
    await expect(lock.withLock(async () => Promise.reject(new Error('boom-1')))).rejects.toThrow('boom-1');
    expect(locks.held.size).toBe(0);
    const other = holdLock(locks, 'review-b');
    await other.acquired;
    const pending = lock.withLock(async () => Promise.reject(new Error('boom-2')));
    other.release();
    await expect(pending).rejects.toThrow('boom-2');
    expect(locks.held.size).toBe(0);
    expect(await lock.withLock(async (s) => s.contended)).toBe(false);
  });

  it('stops waiting when the signal aborts (kind aborted, fn never runs), and goes ahead with a warning after its timeout', async () => {
    const locks = fakeLocks();
    const warnings: string[] = [];
    const lock = webLocks('review-c', { timeout: 150, onWarning: (m) => warnings.push(m) });
    const other = holdLock(locks, 'review-c');
    await other.acquired;
    const controller = new AbortController();
    let ran = 0;
    const aborted = lock.withLock(async () => void ran++, { signal: controller.signal });
    await vi.waitFor(() => expect(locks.waiting('silent-session:review-c')).toBe(1));
    controller.abort();
    expect(await sessionErrorOf(aborted)).toMatchObject({ kind: 'aborted' });
    expect(ran).toBe(0);
    expect(locks.waiting('silent-session:review-c')).toBe(0);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const ahead = settled(lock.withLock(async (s) => s.contended));
    await vi.advanceTimersByTimeAsync(149);
    expect(ahead.done).toBe(false);
    expect(warnings).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ahead.done).toBe(true);
    expect(await ahead.promise).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/waited 150 ms/)]);
    other.release();
  });

  it('with timeout: Infinity never goes ahead without the lock while another tab holds it', async () => {
    // The whole test on fake timers, so the lock's own timer (if it had one) would be a fake one too.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const locks = fakeLocks();
    const lock = webLocks('review-d', { timeout: Number.POSITIVE_INFINITY, onWarning: () => {} });
    const other = holdLock(locks, 'review-d');
    await vi.advanceTimersByTimeAsync(1); // the fake LockManager answers a (fake) task later
    await other.acquired;
    let ran = false;
    const pending = lock.withLock(async () => void (ran = true));
    while (locks.waiting('silent-session:review-d') < 1 && !ran) await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(30 * 24 * 3_600_000); // a month: past setTimeout's 2^31-1 ms limit
    expect(ran).toBe(false);
    other.release();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(ran).toBe(true);
  });

  it('an abort that lands while the ifAvailable probe is answered still stops the wait, and fn never runs', async () => {
    const locks = fakeLocks();
    const lock = webLocks('review-e', { timeout: 1_000, onWarning: () => {} });
    const other = holdLock(locks, 'review-e');
    await other.acquired;
    const controller = new AbortController();
    let ran = false;
    const pending = lock.withLock(async () => void (ran = true), { signal: controller.signal });
    controller.abort(); // the probe request (a task away, as in a browser) has not answered yet
    // Ignored, the abort would leave it waiting for the 1 s timeout and then run fn without the lock.
    expect(await sessionErrorOf(pending)).toMatchObject({ kind: 'aborted' });
    expect(locks.waiting('silent-session:review-e')).toBe(0);
    other.release();
    expect(ran).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// browserWake (jsdom's real DOM, installed as window/document for this test only)

describe('browserWake', () => {
  it('reports visible/focus/online (not hidden), does nothing without a DOM, and stop() removes every listener', async () => {
    // jsdom (a devDependency, used by the React tests) ships no type declarations.
    const { JSDOM } = (await import('jsdom' as string)) as { JSDOM: new (html: string) => { window: Window & typeof globalThis & { close(): void } } };
    const notified: WakeReason[] = [];
    // No DOM (Node, a worker): nothing is listened to, and stopping is harmless.
    expect(() => browserWake((r) => notified.push(r))()).not.toThrow();
    const listened: string[] = [];
    installGlobal('window', { addEventListener: (type: string) => listened.push(type), removeEventListener: () => {} });
    browserWake((r) => notified.push(r))();
    expect(listened).toEqual([]); // a window without a document is not a page: nothing is listened to
    expect(notified).toEqual([]);

    const dom = new JSDOM('<!doctype html><p>app</p>');
    onTestFinished(() => dom.window.close());
    installGlobal('window', dom.window);
    installGlobal('document', dom.window.document);
    let visibility: DocumentVisibilityState = 'hidden';
    Object.defineProperty(dom.window.document, 'visibilityState', { configurable: true, get: () => visibility });
    const fire = () => {
      dom.window.document.dispatchEvent(new dom.window.Event('visibilitychange'));
      dom.window.dispatchEvent(new dom.window.Event('focus'));
      dom.window.dispatchEvent(new dom.window.Event('online'));
    };

    const stop = browserWake((r) => notified.push(r));
    fire();
    expect(notified).toEqual(['focus', 'online']);
    visibility = 'visible';
    fire();
    expect(notified).toEqual(['focus', 'online', 'visible', 'focus', 'online']);
    stop();
    fire();
    expect(notified).toHaveLength(5);
  });
});
