// Section 7: refresh requests while the auth server is down (DESIGN rule 15). Each tab asks its
// API for something every 100 ms while /refresh answers 503, hangs, drops the connection or
// answers garbage for five minutes; then the server recovers. Counted at the server: refresh
// requests per minute, and how long after the recovery every tab works again. Time is an
// injected clock (lib/virtualClock.ts) shared by the sessions, their timers and the server,
// moved 100 ms at a time; between two moves every request on the wire is answered (real
// sockets on loopback, real BroadcastChannel). Five minutes take seconds.
import axios, { type AxiosInstance } from 'axios';
import { broadcastSync, createSession, jsonRefresh, webStorage, type RefreshLock, type Session } from 'silent-session';
import { createAuthFetch } from 'silent-session/fetch';
import { startAuthServer, type AuthServer, type RefreshFault } from '../../demo/server/authServer.js';
import { createAxiosAuthRefreshApi } from '../baselines/axiosAuthRefresh.js';
import { browserEnv, memoryLocalStorage } from '../baselines/env.js';
import { httpAgent } from '../lib/pool.js';
import { fmt, type GoalCheck, type SectionResult } from '../lib/report.js';
import { installVirtualClock, type VirtualClock } from '../lib/virtualClock.js';

const MINUTE = 60_000;
const STEP = 100;
const RECOVERY_LIMIT = 2 * MINUTE;

interface Tabs {
  /** Every tab sends one request. */
  tick(): void;
  /** The server's counters were just reset: what was sent before is not theirs. */
  mark(): void;
  /** Every request on the wire answered (a hanging server's: arrived and left hanging). */
  settled(server: AuthServer, hang: boolean): boolean;
  /** From now on, `working` counts only requests sent after this call. */
  recover(): void;
  /** Every tab works again: a request it sent since `recover()` was answered 200 (ours: and it is signed in). */
  working(): boolean;
  loggedOut(): number;
  stop(): void;
}

interface Contender {
  name: string;
  ours: boolean;
  open(server: AuthServer, clock: VirtualClock, count: number): Promise<Tabs>;
}

/** One refresh at a time among the sessions of this process (Web Locks' shape: first come, first served). */
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

const library: Contender = {
  name: 'silent-session · createAuthFetch',
  ours: true,
  async open(server, clock, count) {
    const storage = memoryLocalStorage(); // the browser's one localStorage
    const lock = processLock();
    const channel = `bench-backoff-${Math.random().toString(36).slice(2)}`;
    const wire = { api: 0, refresh: 0, sent: 0 };
    let sentBefore = 0;
    const counted = (kind: 'api' | 'refresh'): typeof fetch => (input, init) => {
      wire[kind]++;
      if (kind === 'refresh') wire.sent++;
      return fetch(input, init).finally(() => wire[kind]--);
    };
    const sessions: Session[] = [];
    const ok: boolean[] = [];
    let since = 0; // requests of this generation and later count for `working`
    const fetches = Array.from({ length: count }, (_, i) => {
      const session = createSession({
        refresh: jsonRefresh({ url: `${server.url}/refresh`, fetch: counted('refresh') }),
        storage: webStorage(storage, { key: 'app.session' }),
        sync: broadcastSync(channel),
        lock,
        now: clock.now,
        wake: false,
        activity: false,
        onWarning: () => {},
      });
      sessions.push(session);
      ok.push(false);
      return createAuthFetch(session, { baseUrl: server.url, fetch: counted('api') }).bind(null, `/api/item?tab=${i}`);
    });
    (sessions[0] as Session).login(await server.login());
    for (let i = 0; i < 1_000 && sessions.some((s) => s.getSnapshot().status !== 'authenticated'); i++) await clock.turn();
    return {
      tick: () =>
        fetches.forEach((f, i) => {
          const generation = since;
          void f().then((r) => void (r.status === 200 && generation >= since && (ok[i] = true)), () => {});
        }),
      recover: () => void (since++, ok.fill(false)),
      mark: () => void (sentBefore = wire.sent),
      settled: (srv, hang) => wire.api === 0 && (wire.refresh === 0 || (hang && srv.counters.refreshCalls >= wire.sent - sentBefore)),
      working: () => sessions.every((s) => s.getSnapshot().status === 'authenticated') && ok.every(Boolean),
      loggedOut: () => sessions.filter((s) => s.getSnapshot().status === 'loggedOut').length,
      stop: () => sessions.forEach((s) => s.stop()),
    };
  },
};

/** axios-auth-refresh 5.0.2 as its README sets it up, one instance per tab (the tabs do not coordinate). */
const axiosAuthRefresh: Contender = {
  name: 'axios-auth-refresh 5.0.2 (README setup)',
  ours: false,
  async open(server, _clock, count) {
    const tokens = await server.login();
    const apis: AxiosInstance[] = Array.from({ length: count }, () => createAxiosAuthRefreshApi(browserEnv(server.url, httpAgent, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? '' })));
    let pending = 0;
    const ok = apis.map(() => false);
    let since = 0;
    return {
      tick: () =>
        apis.forEach((api, i) => {
          pending++;
          const generation = since;
          void api
            .get(`/api/item?tab=${i}`)
            .then((r) => void (r.status === 200 && generation >= since && (ok[i] = true)), () => {})
            .finally(() => pending--);
        }),
      recover: () => void (since++, ok.fill(false)),
      mark: () => {},
      // a refresh that hangs holds every request behind it: those never settle
      settled: (_srv, hang) => pending === 0 || hang,
      working: () => ok.every(Boolean),
      loggedOut: () => 0,
      stop: () => {},
    };
  },
};

export const contenders = [library, axiosAuthRefresh];

interface Run {
  perMinute: number[];
  total: number;
  worst: number;
  recoveryMs: number | null;
  loggedOut: number;
}

/** The most values in any window of a minute. */
const worstMinute = (times: number[]) => {
  let worst = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= MINUTE) j++;
    worst = Math.max(worst, i - j + 1);
  }
  return worst;
};

async function outage(clock: VirtualClock, contender: Contender, count: number, fault: RefreshFault, minutes: number): Promise<Run> {
  const server = await startAuthServer({ accessTtl: 60, now: clock.now });
  const tabs = await contender.open(server, clock, count);
  const hang = fault.type === 'hang';
  server.resetCounters();
  tabs.mark();
  server.setFault(fault);
  const start = clock.now();
  const times: number[] = []; // each refresh request, at the step it arrived in
  let seen = 0;
  const step = async () => {
    tabs.tick();
    await clock.advance(STEP);
    for (let i = 0; i < 20_000 && !tabs.settled(server, hang); i++) await clock.turn();
    // a hanging server's requests: wait until nothing more arrives for a few turns
    if (hang) for (let last = -1, quiet = 0; quiet < 20; ) {
      await clock.turn();
      const now = server.counters.refreshCalls + server.counters.apiCalls;
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
    for (; seen < server.counters.refreshCalls; seen++) times.push(clock.now());
  };
  while (clock.now() - start < minutes * MINUTE) await step();
  server.setFault(null);
  tabs.recover();
  const recovered = clock.now();
  let recoveryMs: number | null = null;
  while (clock.now() - recovered <= RECOVERY_LIMIT) {
    await step();
    if (tabs.working()) {
      recoveryMs = clock.now() - recovered;
      break;
    }
  }
  const during = times.filter((t) => t < recovered);
  const run: Run = {
    perMinute: Array.from({ length: minutes }, (_, m) => during.filter((t) => t >= start + m * MINUTE && t < start + (m + 1) * MINUTE).length),
    total: during.length,
    worst: worstMinute(during),
    recoveryMs,
    loggedOut: tabs.loggedOut(),
  };
  tabs.stop();
  await server.close();
  return run;
}

const FAULTS: Array<[string, RefreshFault]> = [
  ['503', { type: 'status', status: 503 }],
  ['hang', { type: 'hang' }],
  ['drop', { type: 'drop' }],
  ['garbage (200 HTML)', { type: 'garbage' }],
];

export async function run(options: { quick: boolean }): Promise<SectionResult> {
  const minutes = options.quick ? 2 : 5;
  const clock = installVirtualClock(Date.UTC(2026, 0, 1, 9));
  const rows: string[][] = [];
  const goals: GoalCheck[] = [];
  try {
    for (const count of [1, 5]) {
      for (const [what, fault] of FAULTS) {
        const results = new Map<Contender, Run>();
        for (const contender of contenders) results.set(contender, await outage(clock, contender, count, fault, minutes));
        const ours = results.get(library) as Run;
        for (const [contender, r] of results) {
          rows.push([
            String(count),
            what,
            contender.name,
            fmt.int(r.total),
            r.perMinute.map(fmt.int).join(' · '),
            fmt.int(r.worst),
            contender.ours ? '1×' : ours.worst > 0 ? fmt.ratio(r.worst / ours.worst) : '–',
            r.recoveryMs === null ? `not within ${RECOVERY_LIMIT / 1000} s` : (r.recoveryMs / 1000).toFixed(1),
            String(r.loggedOut),
          ]);
        }
        goals.push({
          goal: `${count} tab${count > 1 ? 's' : ''}, server ${what}: ≤ 10 refresh requests in any minute; every tab working again within 60 s of the recovery`,
          measured: `${ours.worst} in the worst minute, ${ours.recoveryMs === null ? 'not recovered' : `working again after ${(ours.recoveryMs / 1000).toFixed(1)} s`}, ${ours.loggedOut} logged out`,
          met: ours.worst <= 10 && ours.recoveryMs !== null && ours.recoveryMs <= MINUTE && ours.loggedOut === 0,
        });
      }
    }
  } finally {
    clock.uninstall();
  }
  return {
    title: '7. Refresh requests during an auth-server outage (backoff, rule 15)',
    intro: [
      `Each tab asks its API for something every 100 ms; the access tokens (60 s) are fresh when /refresh starts failing, and it fails for ${minutes} minutes, then recovers. Tabs are sessions of one Node process sharing what a browser's tabs share: one localStorage (webStorage), a BroadcastChannel (broadcastSync) and a first-come lock (Web Locks' shape). **Time is an injected clock** shared by the sessions, their timers and the real auth server, moved 100 ms at a time; between two moves every request on the wire is answered (real sockets on loopback). The baseline, axios-auth-refresh as its README sets it up, runs one instance per tab in the same run.`,
    ],
    tables: [
      {
        caption: `Refresh requests at the server during a ${minutes}-minute outage, and after it`,
        header: ['tabs', 'server', 'client', 'refresh requests', 'per minute', 'worst minute', 'vs silent-session', 'working again after (s)', 'logged out'],
        rows,
        notes: [
          'refresh requests: counted by the server, at the 100-ms step they arrived in. worst minute: the most in any 60-s window of the injected clock. vs silent-session: the worst minute over silent-session\'s in the same tabs and fault. working again after: from the recovery until every tab is signed in and its latest request answered 200 (at most 2 minutes are run).',
          'hang: silent-session gives up on a refresh after refreshTimeout (10 s) and backs off; axios sets no timeout, so the baseline\'s one refresh hangs for ever and every request of the tab waits behind it (its requests never settle, and it never recovers).',
          'garbage: the baseline\'s refresh logic stores the HTML answer\'s missing tokens (the string "undefined") and from then on presents that as its refresh token, so after the recovery every refresh is refused and it never works again without a new login.',
          'drop: Node\'s fetch does not send a POST again when its connection is dropped; Chromium does, once per idle keep-alive connection the page\'s own requests left open (up to 7 requests per fetch, measured in test/browser/outage.test.ts). There, a refresh sent with `credentials: \'omit\'` has connections of its own and reaches the server once per fetch.',
        ],
      },
    ],
    goals,
  };
}
