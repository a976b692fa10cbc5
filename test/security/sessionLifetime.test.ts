import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  broadcastSync,
  createSession,
  jsonRefresh,
  memoryStorage,
  webStorage,
  type Session,
  type SessionError,
  type SessionOptions,
} from '../../src/index.js';
import type { AuthServer } from '../../demo/server/authServer.js';
import { inMemoryWebStorage, sessionErrorOf, STORAGE_KEY, type InMemoryWebStorage } from '../helpers/integration.js';
import { authServer, cookieFetch } from '../helpers/server.js';

// Issue 19.3, DESIGN rule 14: only login() starts a lifetime. A reload, checkSession and another
// tab continue the login that exists, so `maxSessionAge` (8 h here) ends 8 h after the real
// login whatever happens in between. The real auth server and the sessions share one injected
// clock that the test moves; cookie mode plays the browser's cookie jar with cookieFetch.

const MIN = 60_000;
const HOUR = 60 * MIN;
const AGE = 8 * HOUR;

/** A clock the test sets: ms since the login. */
function testClock() {
  const start = Date.UTC(2026, 0, 5, 9);
  let t = start;
  return { start, now: () => t, at: (ms: number) => void (t = start + ms) };
}
type Clock = ReturnType<typeof testClock>;

interface Tab {
  session: Session;
  warnings: string[];
  loggedOut: Array<SessionError | null>;
}

function tab(options: SessionOptions, warnings: string[] = []): Tab {
  const loggedOut: Array<SessionError | null> = [];
  const session = createSession({
    wake: false,
    activity: false,
    retry: { attempts: 0 },
    maxSessionAge: AGE,
    endingWarning: MIN,
    onWarning: (m) => warnings.push(m),
    onLoggedOut: (reason) => loggedOut.push(reason),
    ...options,
  });
  onTestFinished(() => session.stop());
  return { session, warnings, loggedOut };
}

/** Cookie mode, the setup SECURITY.md recommends: memoryStorage, checkSession, the cookie jar. */
function cookieTab(server: AuthServer, jar: typeof fetch, clock: Clock, extra: Partial<SessionOptions> = {}) {
  return tab({
    refresh: jsonRefresh({ url: `${server.url}/refresh`, credentials: 'include', fetch: jar }),
    storage: memoryStorage(),
    checkSession: true,
    now: clock.now,
    ...extra,
  });
}

/** localStorage mode (the quick start): the token set, refresh token included, in shared web storage. */
function storedTab(server: AuthServer, web: InMemoryWebStorage, clock: Clock, extra: Partial<SessionOptions> = {}) {
  const warnings: string[] = [];
  return tab(
    {
      refresh: jsonRefresh({ url: `${server.url}/refresh` }),
      storage: webStorage(web.storage, { key: STORAGE_KEY, onWarning: (m) => warnings.push(m) }),
      now: clock.now,
      ...extra,
    },
    warnings,
  );
}

async function cookieLogin(server: AuthServer, jar: typeof fetch) {
  const res = await jar(`${server.url}/login`, { method: 'POST', body: JSON.stringify({ username: 'alice' }) });
  const { accessToken, expiresIn } = (await res.json()) as { accessToken: string; expiresIn: number };
  return { accessToken, expiresIn };
}

const settled = (session: Session) =>
  vi.waitFor(() => expect(session.getSnapshot().status).not.toBe('restoring'), { timeout: 5_000, interval: 5 });

async function signedInAt(session: Session) {
  await expect(session.getAccessToken()).resolves.toEqual(expect.any(String));
  expect(session.getSnapshot().status).not.toBe('loggedOut');
}

async function expiredAt(t: Tab) {
  const error = await sessionErrorOf(t.session.getAccessToken());
  expect(error.kind).toBe('session-expired');
  expect(t.session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
}

async function server(clock: Clock, cookie: boolean) {
  // access tokens for 10 min, refresh tokens for a day: only maxSessionAge ends the session
  return authServer({ cookie, accessTtl: 600, refreshTtl: 24 * 3_600, now: clock.now });
}

describe('cookie mode (memoryStorage + checkSession): a reload continues the login', () => {
  it('a reload 7 h after login() still ends 8 h after it: signed in at 7:59, session-expired at 8:01', async () => {
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const record = inMemoryWebStorage(); // the browser's localStorage, which survives the reload
    const first = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage } });
    await settled(first.session); // nothing to find before the login
    first.session.login(await cookieLogin(srv, jar));
    first.session.stop();

    clock.at(7 * HOUR); // reload
    const second = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage } });
    await settled(second.session);
    expect(second.session.getSnapshot().status).toBe('authenticated');
    expect(second.session.getSnapshot().ending).toBeNull();

    clock.at(AGE - MIN);
    await signedInAt(second.session);
    clock.at(AGE + MIN);
    await expiredAt(second);
    expect(second.loggedOut).toEqual([expect.objectContaining({ kind: 'session-expired' })]);
  });

  it('reloads every hour never move the end: the eighth reload is already past it', async () => {
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const record = inMemoryWebStorage();
    const first = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage } });
    await settled(first.session);
    first.session.login(await cookieLogin(srv, jar));
    first.session.stop();
    for (let hour = 1; hour < 8; hour++) {
      clock.at(hour * HOUR);
      const t = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage } });
      await settled(t.session);
      expect(t.session.getSnapshot().status).toBe('authenticated');
      t.session.stop();
    }
    clock.at(AGE + MIN);
    const last = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage } });
    await settled(last.session);
    expect(last.session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    await expect(last.session.getAccessToken()).rejects.toMatchObject({ kind: 'session-expired' });
  });

  it('a second tab opened at 7 h (broadcastSync) restarts it for no tab: both are signed in at 7:59 and ended at 8:01', async () => {
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const record = inMemoryWebStorage();
    const sync = `lifetime-${Math.random().toString(36).slice(2)}`;
    const a = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage }, sync: broadcastSync(sync) });
    await settled(a.session);
    a.session.login(await cookieLogin(srv, jar));

    clock.at(7 * HOUR);
    const b = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage }, sync: broadcastSync(sync) });
    await settled(b.session);
    expect(b.session.getSnapshot().status).toBe('authenticated');
    // A hears B's tokens (a new access token of the same login) and takes them
    await vi.waitFor(() => expect(a.session.getSnapshot().accessToken).toBe(b.session.getSnapshot().accessToken), { timeout: 5_000, interval: 5 });

    clock.at(AGE - MIN);
    await signedInAt(a.session);
    await signedInAt(b.session);
    clock.at(AGE + MIN);
    await expiredAt(a);
    await expiredAt(b);
  });
});

describe('localStorage mode: a reload and a second tab continue the stored login', () => {
  it('a reload at 7 h: signed in at 7:59, session-expired at 8:01, storage cleared', async () => {
    const clock = testClock();
    const srv = await server(clock, false);
    const web = inMemoryWebStorage();
    const first = storedTab(srv, web, clock);
    first.session.login(await srv.login());
    first.session.stop();

    clock.at(7 * HOUR);
    const second = storedTab(srv, web, clock);
    clock.at(AGE - MIN);
    await signedInAt(second.session);
    clock.at(AGE + MIN);
    await expiredAt(second);
    expect(web.raw()).toBeNull();
  });

  it('a second tab opened at 7 h (broadcastSync) refreshes and publishes: both end at 8 h', async () => {
    const clock = testClock();
    const srv = await server(clock, false);
    const web = inMemoryWebStorage();
    const sync = `lifetime-${Math.random().toString(36).slice(2)}`;
    const a = storedTab(srv, web, clock, { sync: broadcastSync(sync) });
    a.session.login(await srv.login());

    clock.at(7 * HOUR);
    const b = storedTab(srv, web, clock, { sync: broadcastSync(sync) });
    await b.session.refresh(); // B's own refresh, published to A
    await vi.waitFor(() => expect(a.session.getSnapshot().accessToken).toBe(b.session.getSnapshot().accessToken), { timeout: 5_000, interval: 5 });
    clock.at(AGE - MIN);
    await signedInAt(a.session);
    await signedInAt(b.session);
    clock.at(AGE + MIN);
    await expiredAt(a);
    await expiredAt(b);
  });
});

describe('the server’s word on when the login happened', () => {
  for (const loginTime of ['loginAt', 'auth_time'] as const) {
    it(`cookie mode with no login record: a reload at 7 h takes the server’s ${loginTime} (jsonRefresh), ending at 8 h`, async () => {
      const clock = testClock();
      const srv = await authServer({ cookie: true, accessTtl: 600, refreshTtl: 24 * 3_600, now: clock.now, loginTime });
      const jar = cookieFetch();
      const first = cookieTab(srv, jar, clock, { loginRecord: false });
      await settled(first.session);
      first.session.login(await cookieLogin(srv, jar));
      first.session.stop();

      clock.at(7 * HOUR);
      const second = cookieTab(srv, jar, clock, { loginRecord: false });
      await settled(second.session);
      expect(second.session.getSnapshot().status).toBe('authenticated');
      expect(second.warnings).toEqual([]); // the server said when: nothing unknown to report
      clock.at(AGE - MIN);
      await signedInAt(second.session);
      clock.at(AGE + MIN);
      await expiredAt(second);
    });
  }

  it('login() of tokens whose access token says auth_time 7 h ago ends 1 h later', async () => {
    const clock = testClock();
    const srv = await authServer({ accessTtl: 600, refreshTtl: 24 * 3_600, now: clock.now, loginTime: 'auth_time' });
    const tokens = await srv.login();
    clock.at(7 * HOUR);
    const t = storedTab(srv, inMemoryWebStorage(), clock);
    t.session.login(tokens); // expired by now: refreshed at once, the answer keeps the login's time
    clock.at(AGE - MIN);
    await signedInAt(t.session);
    clock.at(AGE + MIN);
    await expiredAt(t);
  });

  it('a loginAt in seconds is read as seconds, with one warning naming the unit', async () => {
    const clock = testClock();
    const srv = await server(clock, false);
    const answer = await srv.login();
    const t = storedTab(srv, inMemoryWebStorage(), clock, {
      refresh: async () => ({ ...(await srv.issuePair()), expiresIn: 600, loginAt: Math.floor(clock.start / 1000) }),
    });
    clock.at(7 * HOUR);
    t.session.login({ accessToken: answer.accessToken, refreshToken: answer.refreshToken, expiresIn: 600 }); // stamped 7 h
    await t.session.refresh(); // the server says: 0 h, in seconds
    await t.session.refresh();
    expect(t.session.getSnapshot().ending).toBeNull();
    expect(t.warnings.filter((w) => w.includes('loginAt was read as epoch seconds'))).toHaveLength(1);
    expect(t.warnings[0]).toContain('send milliseconds');
    clock.at(AGE + MIN);
    await expiredAt(t);
  });
});

describe('a stamp that is not one the library wrote never extends a session', () => {
  async function storedAt7h(edit: (set: Record<string, unknown>) => Record<string, unknown>, extra: Partial<SessionOptions> = {}) {
    const clock = testClock();
    const srv = await server(clock, false);
    const web = inMemoryWebStorage();
    const first = storedTab(srv, web, clock, extra);
    first.session.login(await srv.login());
    first.session.stop();
    web.data.set(STORAGE_KEY, JSON.stringify(edit(web.tokens() as unknown as Record<string, unknown>)));
    clock.at(7 * HOUR);
    return { clock, web, second: storedTab(srv, web, clock, extra) };
  }

  it('a stored loginAt a year in the future: the set is refused and cleared, with a warning', async () => {
    const { web, second } = await storedAt7h((set) => ({ ...set, loginAt: Date.UTC(2027, 0, 1) }));
    expect(second.session.getSnapshot().status).toBe('loggedOut');
    expect(web.raw()).toBeNull();
    expect(second.warnings.join('\n')).toMatch(/login stamp is in the future/);
  });

  it('a stored loginAt that is not a time: refused and cleared', async () => {
    const { web, second } = await storedAt7h((set) => ({ ...set, loginAt: 'yesterday' }));
    expect(second.session.getSnapshot().status).toBe('loggedOut');
    expect(web.raw()).toBeNull();
    expect(second.warnings.join('\n')).toMatch(/login stamp is not an id and a time/);
  });

  it('a stored set stripped of its stamp continues the login record’s time: session-expired at 8:01', async () => {
    const record = inMemoryWebStorage();
    const strip = ({ loginId: _id, loginAt: _at, ...set }: Record<string, unknown>) => set;
    const { clock, second } = await storedAt7h(strip, { loginRecord: { storage: record.storage } });
    clock.at(AGE - MIN);
    await signedInAt(second.session);
    clock.at(AGE + MIN);
    await expiredAt(second);
  });

  it('a login record from the future: the session checkSession finds ends at once, session-expired, and the record is removed', async () => {
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const record = inMemoryWebStorage();
    const first = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage } });
    await settled(first.session);
    first.session.login(await cookieLogin(srv, jar));
    first.session.stop();
    const key = [...record.data.keys()][0] as string;
    record.data.set(key, JSON.stringify({ ...JSON.parse(record.data.get(key) as string), loginAt: clock.now() + 365 * 24 * HOUR }));

    clock.at(HOUR);
    const second = cookieTab(srv, jar, clock, { loginRecord: { storage: record.storage } });
    await settled(second.session);
    expect(second.session.getSnapshot()).toMatchObject({ status: 'loggedOut', error: { kind: 'session-expired' } });
    expect(second.warnings.join('\n')).toMatch(/login record "silent-session.login" is not one this library wrote \(the login stamp is in the future/);
    expect(record.data.size).toBe(0);
  });
});

describe('a continuation without a login record never restarts another tab’s login', () => {
  it('cookie mode, no record: a second tab at 7 h takes the first tab’s login; both end at 8 h; it said once that the time was unknown', async () => {
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const sync = `lifetime-${Math.random().toString(36).slice(2)}`;
    const a = cookieTab(srv, jar, clock, { loginRecord: false, sync: broadcastSync(sync) });
    await settled(a.session);
    a.session.login(await cookieLogin(srv, jar));

    clock.at(7 * HOUR);
    const b = cookieTab(srv, jar, clock, { loginRecord: false, sync: broadcastSync(sync) });
    await settled(b.session);
    expect(b.session.getSnapshot().status).toBe('authenticated');
    expect(b.warnings.filter((w) => w.startsWith('maxSessionAge counts from now'))).toHaveLength(1);
    expect(b.warnings[0]).toContain('keep a loginRecord, or have the server send loginAt');
    // A answers B's continuation with its login; B adopts it
    await vi.waitFor(() => expect(b.session.getSnapshot().accessToken).toBe(a.session.getSnapshot().accessToken), { timeout: 5_000, interval: 5 });
    expect(b.session.getSnapshot().ending).toBeNull();

    clock.at(AGE - MIN);
    await signedInAt(a.session);
    await signedInAt(b.session);
    clock.at(AGE + MIN);
    await expiredAt(a);
    await expiredAt(b);
  });
});

describe('the default login record (createSession with maxSessionAge keeps it in localStorage)', () => {
  it('cookie mode with no loginRecord option: a reload at 7 h still ends at 8 h, and the end removes the record', async () => {
    const local = inMemoryWebStorage();
    vi.stubGlobal('localStorage', local.storage);
    onTestFinished(() => void vi.unstubAllGlobals());
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const first = cookieTab(srv, jar, clock);
    await settled(first.session);
    first.session.login(await cookieLogin(srv, jar));
    expect([...local.data.keys()]).toEqual(['silent-session.login']);
    expect(local.data.get('silent-session.login')).not.toMatch(/eyJ/); // an id and a time, no token
    first.session.stop();

    clock.at(7 * HOUR);
    const second = cookieTab(srv, jar, clock);
    await settled(second.session);
    clock.at(AGE - MIN);
    await signedInAt(second.session);
    clock.at(AGE + MIN);
    await expiredAt(second);
    expect(local.data.size).toBe(0);
  });

  it('without maxSessionAge nothing is written to localStorage', async () => {
    const local = inMemoryWebStorage();
    vi.stubGlobal('localStorage', local.storage);
    onTestFinished(() => void vi.unstubAllGlobals());
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const session = createSession({
      refresh: jsonRefresh({ url: `${srv.url}/refresh`, credentials: 'include', fetch: jar }),
      checkSession: true,
      now: clock.now,
      wake: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());
    await settled(session);
    session.login(await cookieLogin(srv, jar));
    expect(session.getSnapshot().status).toBe('authenticated');
    expect(local.data.size).toBe(0);
  });
});

describe('a login record storage that throws', () => {
  it('is reported once and read as empty: the session goes on, its age counted from the reload (said once)', async () => {
    const clock = testClock();
    const srv = await server(clock, true);
    const jar = cookieFetch();
    const broken = { getItem: () => { throw new DOMException('denied', 'SecurityError'); }, setItem: () => { throw new DOMException('denied', 'SecurityError'); }, removeItem: () => {} };
    const first = cookieTab(srv, jar, clock, { loginRecord: { storage: broken } });
    await settled(first.session);
    first.session.login(await cookieLogin(srv, jar));
    expect(first.session.getSnapshot().status).toBe('authenticated');
    first.session.stop();

    clock.at(HOUR);
    const second = cookieTab(srv, jar, clock, { loginRecord: { storage: broken } });
    await settled(second.session);
    expect(second.session.getSnapshot().status).toBe('authenticated');
    expect(second.warnings.filter((w) => w.startsWith('login record "silent-session.login": reading failed (denied)'))).toHaveLength(1);
    expect(second.warnings.filter((w) => w.startsWith('maxSessionAge counts from now'))).toHaveLength(1);
  });
});
