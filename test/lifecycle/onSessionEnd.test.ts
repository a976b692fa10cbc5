import { describe, expect, it, onTestFinished } from 'vitest';
import {
  broadcastSync,
  createSession,
  jsonRefresh,
  onSessionEnd,
  webStorage,
  type Session,
  type SessionError,
  type SessionOptions,
  type WakeReason,
} from '../../src/index.js';
import { inMemoryWebStorage, STORAGE_KEY, type InMemoryWebStorage } from '../helpers/integration.js';
import { authServer, jumpClock } from '../helpers/server.js';

// onSessionEnd(session, listener): the end of a session reaches the app's router or store at
// once, whatever ended it, with its reason; a plain logout has reason null. Against the real auth
// server; "another tab" is a second session over the same storage and a real BroadcastChannel.

type Server = Awaited<ReturnType<typeof authServer>>;

function openTab(server: Server, web: InMemoryWebStorage, now: () => number, extra: Partial<SessionOptions> = {}) {
  const warnings: string[] = [];
  let wake: ((reason: WakeReason) => void) | undefined;
  const session = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    storage: webStorage(web.storage, { key: STORAGE_KEY }),
    retry: { attempts: 0 },
    wake: (notify) => {
      wake = notify;
      return () => {};
    },
    activity: false,
    now,
    onWarning: (message) => warnings.push(message),
    ...extra,
  });
  onTestFinished(() => session.stop());
  const ends: Array<SessionError | null> = [];
  onSessionEnd(session, (reason) => ends.push(reason));
  return { session, ends, warnings, wakeUp: () => wake?.('visible') };
}

/** Resolves with the reason the next time the session ends. */
const nextEnd = (session: Session) =>
  new Promise<SessionError | null>((resolve) => {
    const stop = onSessionEnd(session, (reason) => {
      stop();
      resolve(reason);
    });
  });

async function signedIn(extra: Partial<SessionOptions> = {}, serverOptions: Parameters<typeof authServer>[0] = {}) {
  const clock = jumpClock();
  const server = await authServer({ accessTtl: 60, now: clock.now, ...serverOptions });
  const web = inMemoryWebStorage();
  const tab = openTab(server, web, clock.now, extra);
  tab.session.login(await server.login('ann'));
  server.resetCounters();
  return { clock, server, web, ...tab };
}

describe('onSessionEnd', () => {
  it('logout(): called once, at once, with reason null and the logged-out snapshot', async () => {
    const { session, ends } = await signedIn();
    let seen: unknown = 'not called';
    onSessionEnd(session, (reason, snapshot) => (seen = { reason, status: snapshot.status, token: snapshot.accessToken }));
    void session.logout();
    expect(seen).toEqual({ reason: null, status: 'loggedOut', token: null });
    expect(ends).toEqual([null]);
  });

  it('a refused refresh: called once with kind rejected, however many requests were waiting', async () => {
    const { session, ends, server, clock } = await signedIn();
    server.revokeAll();
    clock.advance(120_000);
    const requests = Array.from({ length: 10 }, () => session.getAccessToken().catch((e: SessionError) => e.kind));
    expect(await Promise.all(requests)).toEqual(Array.from({ length: 10 }, () => 'rejected'));
    expect(ends.map((r) => r?.kind)).toEqual(['rejected']);
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('the idle timeout: kind idle-timeout as soon as the page sees the time has passed', async () => {
    const { ends, clock, wakeUp } = await signedIn({ idleTimeout: 15 * 60_000 }, { refreshTtl: 3_600 });
    clock.advance(16 * 60_000); // a laptop lid closed for 16 minutes
    wakeUp();
    expect(ends.map((r) => r?.kind)).toEqual(['idle-timeout']);
  });

  it('the maximum age: kind session-expired', async () => {
    const { ends, clock, wakeUp } = await signedIn({ maxSessionAge: 60 * 60_000, loginRecord: false }, { refreshTtl: 7_200 });
    clock.advance(61 * 60_000);
    wakeUp();
    expect(ends.map((r) => r?.kind)).toEqual(['session-expired']);
  });

  it('another tab’s logout reaches this tab without a request or a navigation, with reason null', async () => {
    const { clock, server, web, session } = await signedIn({ sync: broadcastSync('ends-logout') });
    const other = openTab(server, web, clock.now, { sync: broadcastSync('ends-logout') });
    expect(other.session.getSnapshot().status).toBe('authenticated'); // restored from the shared storage
    const ended = nextEnd(session);
    void other.session.logout();
    expect(await ended).toBeNull();
    expect(session.getSnapshot().status).toBe('loggedOut');
  });

  it('another tab’s refused refresh reaches this tab with kind rejected', async () => {
    const { clock, server, web, session } = await signedIn({ sync: broadcastSync('ends-rejected') });
    const other = openTab(server, web, clock.now, { sync: broadcastSync('ends-rejected') });
    server.revokeAll();
    const ended = nextEnd(session);
    await other.session.refresh().catch(() => {});
    expect((await ended)?.kind).toBe('rejected');
  });

  it('is not called for a restore that finds no session, nor after its unsubscribe', async () => {
    const clock = jumpClock();
    const server = await authServer({ now: clock.now });
    const { session, ends } = openTab(server, inMemoryWebStorage(), clock.now);
    expect(session.getSnapshot().status).toBe('loggedOut');
    session.login(await server.login('ann'));
    const later: unknown[] = [];
    const stop = onSessionEnd(session, (reason) => later.push(reason));
    stop();
    void session.logout();
    expect(ends).toEqual([null]);
    expect(later).toEqual([]);
  });

  it('a listener that throws is reported through onWarning and the others are still called', async () => {
    const { session, ends, warnings } = await signedIn();
    onSessionEnd(session, () => {
      throw new Error('the router was not ready');
    });
    void session.logout();
    expect(ends).toEqual([null]);
    expect(warnings).toEqual([expect.stringContaining('the router was not ready')]);
  });
});
