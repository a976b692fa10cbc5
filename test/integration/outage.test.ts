import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { RefreshFault } from '../../demo/server/authServer.js';
import { broadcastSync, createSession, jsonRefresh, webStorage, type RefreshLock, type Session } from '../../src/index.js';
import { inMemoryWebStorage, STORAGE_KEY } from '../helpers/integration.js';
import { authServer } from '../helpers/server.js';

// DESIGN rule 15: failing refresh cycles back off, shared by all tabs. Each tab asks for a token
// every 100 ms (an app polling its API) while the real auth server's /refresh fails in one of
// four ways; the server counts the refresh requests it receives. Bound: at most 10 in any
// minute, whatever the number of tabs; once the server recovers, every tab is signed in again
// within one backoff cap (60 s) without a reload. Time is the injected (fake) clock that the
// session, its timers and the server share; the HTTP between them is real.

// Captured before fake timers are installed: real I/O (sockets, BroadcastChannel) needs real turns.
const realImmediate = globalThis.setImmediate;
const turn = () => new Promise<void>((resolve) => realImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

/** One refresh at a time among the sessions of this process, first come first served (Web Locks' shape). */
function processLock(): RefreshLock {
  let tail: Promise<void> = Promise.resolve();
  let holders = 0; // callers holding the lock or queued for it
  return {
    async withLock(fn, options = {}) {
      const previous = tail;
      let release!: () => void;
      tail = new Promise<void>((resolve) => (release = resolve));
      // as navigator.locks reports it: another caller holds the lock or waits for it
      const contended = holders > 0;
      holders++;
      if (contended) options.onWait?.();
      await previous;
      try {
        return await fn({ contended });
      } finally {
        holders--;
        release();
      }
    },
  };
}

const MINUTE = 60_000;

async function outage(tabCount: number, fault: RefreshFault) {
  const server = await authServer({ accessTtl: 60, now: () => Date.now() }); // the fake clock, read at each call
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: Date.now() });
  const web = inMemoryWebStorage();
  const lock = processLock();
  const name = `outage-${Math.random().toString(36).slice(2)}`;
  let inFlight = 0;
  const counted: typeof fetch = (input, init) => {
    inFlight++;
    return fetch(input, init).finally(() => inFlight--);
  };
  const tabs: Session[] = [];
  for (let i = 0; i < tabCount; i++) {
    const session = createSession({
      refresh: jsonRefresh({ url: `${server.url}/refresh`, fetch: counted }),
      storage: webStorage(web.storage, { key: STORAGE_KEY }),
      sync: broadcastSync(name),
      lock,
      wake: false,
      activity: false,
      onWarning: () => {},
    });
    onTestFinished(() => session.stop());
    tabs.push(session);
  }
  /** Lets real I/O finish: every request out is answered, or (a hanging server) has reached it. */
  const settle = async () => {
    for (let i = 0; i < 2_000; i++) {
      await turn();
      const hanging = fault.type === 'hang' && server.counters.refreshCalls > 0;
      if (inFlight === 0 || (hanging && i > 20)) return;
    }
  };
  (tabs[0] as Session).login(await server.login());
  // the other tabs follow the login through BroadcastChannel (real turns of the event loop)
  for (let i = 0; i < 500 && tabs.some((t) => t.getSnapshot().status !== 'authenticated'); i++) await turn();
  expect(tabs.map((t) => t.getSnapshot().status)).toEqual(tabs.map(() => 'authenticated'));
  server.setFault(fault);
  server.resetCounters();
  const start = Date.now();
  const failures = new Set<string>();
  /** `ms` of the app at work: each tab asks for a token every 100 ms. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      for (const tab of tabs) void tab.getAccessToken().catch((error: { kind?: string }) => failures.add(String(error.kind)));
      await vi.advanceTimersByTimeAsync(100);
      await settle();
    }
  };
  const refreshTimes = () => server.seen.filter((r) => r.path === '/refresh').map((r) => r.at);
  /** The most refresh requests the server received in any one minute. */
  const worstMinute = () => {
    const times = refreshTimes();
    return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + MINUTE).length));
  };
  return { server, tabs, run, start, failures, refreshTimes, worstMinute, web };
}

describe('refresh requests while the auth server is down (rule 15)', () => {
  it('one tab, a 503 for three minutes: at most 10 refresh requests in any minute, callers fail fast with the 503', async () => {
    const o = await outage(1, { type: 'status', status: 503 });
    await o.run(3 * MINUTE);
    console.info(`[outage] 1 tab, 503: ${o.refreshTimes().length} refresh requests in 3 min, ${o.worstMinute()} in the worst minute`);
    expect(o.worstMinute()).toBeLessThanOrEqual(10);
    expect([...o.failures]).toEqual(['http']);
  }, 120_000);

  const faults: Array<[string, RefreshFault, string[]]> = [
    ['answers 503', { type: 'status', status: 503 }, ['http']],
    ['hangs', { type: 'hang' }, ['timeout']],
    ['drops the connection', { type: 'drop' }, ['network']],
    ['answers garbage (a 200 HTML page)', { type: 'garbage' }, ['invalid-response']],
  ];
  for (const [what, fault, kinds] of faults) {
    it(`five tabs, a server that ${what} for five minutes: at most 10 refresh requests in any minute; recovered, every tab is signed in within a minute`, async () => {
      const o = await outage(5, fault);
      await o.run(5 * MINUTE);
      const during = o.refreshTimes().length;
      console.info(`[outage] 5 tabs, server ${what}: ${during} refresh requests in 5 min, ${o.worstMinute()} in the worst minute`);
      expect(o.worstMinute()).toBeLessThanOrEqual(10);
      expect([...o.failures].sort()).toEqual([...kinds].sort());

      // the server recovers: the next due try succeeds and every tab takes its tokens, no reload
      o.server.setFault(null);
      const recovered = Date.now();
      let signedIn = -1;
      for (let t = 0; t <= MINUTE + 5_000 && signedIn < 0; t += 1_000) {
        await o.run(1_000);
        if (o.tabs.every((tab) => tab.getSnapshot().status === 'authenticated')) signedIn = Date.now() - recovered;
      }
      console.info(`[outage] 5 tabs, server ${what}: every tab signed in ${signedIn / 1000} s after it recovered`);
      expect(signedIn).toBeGreaterThanOrEqual(0);
      expect(signedIn).toBeLessThanOrEqual(MINUTE + 1_000);
      const tokens = new Set(o.tabs.map((tab) => tab.getSnapshot().accessToken));
      expect(tokens.size).toBe(1); // one refresh answered for all of them
      expect(o.server.counters.reuseDetections).toBe(0);
    }, 300_000);
  }

  it('the tabs share one budget of retries: the first failing cycle sends at most retry.attempts + 1 requests in all tabs together, each later cycle one', async () => {
    const o = await outage(5, { type: 'status', status: 503 });
    await o.run(2 * MINUTE);
    const stored = JSON.parse(o.web.storage.getItem(STORAGE_KEY) ?? 'null') as { backoff?: { failures: number } } | null;
    const cycles = stored?.backoff?.failures ?? 0; // failed cycles in a row, as every tab counts them
    console.info(`[outage] 5 tabs, 503 for 2 min: ${o.refreshTimes().length} refresh requests, ${cycles} failed cycles`);
    expect(cycles).toBeGreaterThanOrEqual(5);
    // at most 3 in the first cycle (default retry.attempts: 2), then one a cycle: never one more per tab
    expect(o.refreshTimes().length).toBeLessThanOrEqual(3 + (cycles - 1));
  }, 120_000);

  it('a 503 with Retry-After: 30 — no refresh request for 30 s, whatever the backoff would allow; snapshot.retryAt says when', async () => {
    const o = await outage(2, { type: 'status', status: 503, retryAfter: '30' });
    await o.run(60_000 + 100);
    const times = o.refreshTimes().map((t) => t - (o.refreshTimes()[0] as number));
    console.info(`[outage] Retry-After: 30 — refresh requests at ${times.map((t) => `${t / 1000} s`).join(', ')}`);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(30_000);
    expect(times.length).toBeGreaterThanOrEqual(2);
    const cooling = o.tabs.map((tab) => tab.getSnapshot().retryAt);
    for (const at of cooling) if (at !== null) expect(at - Date.now()).toBeLessThanOrEqual(30_000);
  }, 120_000);

  it('1-second tokens are refreshed on their schedule, never capped: about two refreshes a second, every request served', async () => {
    const server = await authServer({ accessTtl: 1, claimPrecision: 'milliseconds', now: () => Date.now() }); // the fake clock, read at each call
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: Date.now() });
    let inFlight = 0;
    const counted: typeof fetch = (input, init) => {
      inFlight++;
      return fetch(input, init).finally(() => inFlight--);
    };
    const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh`, fetch: counted }), wake: false, activity: false, onWarning: () => {} });
    onTestFinished(() => session.stop());
    session.login(await server.login());
    for (let i = 0; i < 50; i++) await turn();
    server.resetCounters();
    const failed: string[] = [];
    for (let t = 0; t < 20_000; t += 100) {
      void session.getAccessToken().catch((error: { kind?: string }) => failed.push(String(error.kind)));
      // every answer is in before the clock moves on (a 1-s token must not age on the wire)
      for (let i = 0; i < 2_000 && inFlight > 0; i++) await turn();
      await vi.advanceTimersByTimeAsync(100);
      for (let i = 0; i < 2_000 && inFlight > 0; i++) await turn();
    }
    console.info(`[outage] 1-s tokens: ${server.counters.refreshOk} refreshes in 20 s`);
    expect(failed).toEqual([]);
    expect(server.counters.refreshOk).toBeGreaterThanOrEqual(30);
    expect(server.counters.refreshRejected).toBe(0);
  }, 120_000);
});

