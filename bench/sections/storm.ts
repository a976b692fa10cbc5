// Table 1: refresh storm. N concurrent requests leave with an access token that expired while
// "the laptop lid was closed" (the server's and the clients' shared clock jumps past the
// token's exp), against the real auth server in its own process. Counted at the server:
// refresh requests, refresh requests carrying a Bearer token, API requests that arrived with
// an expired token. Counted at the client: failed and never-settled requests, redirects to
// /login (or a logged-out session). Wall time is divided by the limit measured in the same run.
import axios, { type AxiosInstance } from 'axios';
import { createSession, jsonRefresh, memoryStorage, type Session } from 'silent-session';
import { attachSession } from 'silent-session/axios';
import { createAuthFetch } from 'silent-session/fetch';
import { createAxiosAuthRefreshApi } from '../baselines/axiosAuthRefresh.js';
import { browserEnv, type BrowserEnv } from '../baselines/env.js';
import { createSeed000Api } from '../baselines/seed000.js';
import { createSeed001Api } from '../baselines/seed001.js';
import { createSeed002Api } from '../baselines/seed002.js';
import { CONNECTIONS, httpAgent, limitFetchConnections } from '../lib/pool.js';
import { startRemoteServer, type RemoteServer } from '../lib/remoteServer.js';
import { fmt, median, type GoalCheck, type SectionResult } from '../lib/report.js';

const ACCESS_TTL_S = 60;
/**
 * A client whose requests settle no more while the server sees no new request for this long
 * has requests that will never settle. (Watching only the client is not enough: a client can
 * park every 401 while its refresh waits in the connection pool behind them.)
 */
const IDLE_MS = 2_000;
/** Longest a trial may take before what is left counts as never settled. */
const CAP_MS = 60_000;

type Family = 'axios' | 'fetch';
type Tokens = { accessToken: string; refreshToken: string };

interface Instance {
  request(i: number): Promise<boolean>;
  /** Sent to /login, or the session ended up logged out. */
  loggedOut(): boolean;
  stop(): void;
}

interface Contender {
  name: string;
  ours: boolean;
  family: Family;
  make(server: RemoteServer, tokens: Tokens): Instance;
}

/** Added to every API path: `?delay=ms` makes the server hold each request (simulated latency). */
let apiQuery = '';
const apiPath = (i: number) => `/api/item/${i}${apiQuery}`;

const okAxios = (api: AxiosInstance, i: number) =>
  api.get(apiPath(i)).then((res) => res?.status === 200 && (res.data as { ok?: boolean })?.ok === true);

function session(server: RemoteServer, tokens: Tokens): Session {
  const s = createSession({
    refresh: jsonRefresh({ url: `${server.url}/refresh` }),
    storage: memoryStorage(),
    wake: false,
    now: server.now,
  });
  s.login(tokens);
  return s;
}

function baseline(name: string, create: (env: BrowserEnv) => AxiosInstance): Contender {
  return {
    name,
    ours: false,
    family: 'axios',
    make(server, tokens) {
      const env = browserEnv(server.url, httpAgent, tokens);
      const api = create(env);
      return { request: (i) => okAxios(api, i), loggedOut: () => env.redirects > 0, stop: () => {} };
    },
  };
}

export const contenders: Contender[] = [
  {
    name: 'silent-session · axios attachSession',
    ours: true,
    family: 'axios',
    make(server, tokens) {
      const s = session(server, tokens);
      const api = axios.create({ baseURL: server.url, httpAgent });
      attachSession(api, s);
      return { request: (i) => okAxios(api, i), loggedOut: () => s.getSnapshot().status === 'loggedOut', stop: () => s.stop() };
    },
  },
  {
    name: 'silent-session · createAuthFetch',
    ours: true,
    family: 'fetch',
    make(server, tokens) {
      const s = session(server, tokens);
      const authFetch = createAuthFetch(s, { baseUrl: server.url });
      return {
        async request(i) {
          const res = await authFetch(apiPath(i));
          const body = (await res.json()) as { ok?: boolean };
          return res.status === 200 && body.ok === true;
        },
        loggedOut: () => s.getSnapshot().status === 'loggedOut',
        stop: () => s.stop(),
      };
    },
  },
  baseline('seed 000 interceptor (failedQueue + _retry)', createSeed000Api),
  baseline('seed 001 interceptor (subscribers + _retry)', createSeed001Api),
  baseline('seed 002 interceptor (_retry, no queue)', createSeed002Api),
  baseline('axios-auth-refresh 5.0.2 (README setup)', createAxiosAuthRefreshApi),
];

interface Settled {
  ok: number;
  failed: number;
  hung: number;
  wallMs: number;
}

/** A number that changes whenever the server receives a request. */
const activityOf = async (server: RemoteServer) => {
  const c = await server.counters();
  return c.apiCalls + c.refreshCalls + c.logins;
};

/**
 * Starts n requests at once; waits until all settle, or until neither the client settles
 * anything nor the server receives anything for IDLE_MS.
 */
function settleAll(n: number, start: (i: number) => Promise<boolean>, server: RemoteServer): Promise<Settled> {
  return new Promise((resolve) => {
    let ok = 0;
    let failed = 0;
    let settled = 0;
    const t0 = performance.now();
    let last = t0;
    let lastActivity = t0;
    let activity = -1;
    let polling = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(watch);
      resolve({ ok, failed, hung: n - settled, wallMs: settled === 0 ? Number.NaN : last - t0 });
    };
    const watch = setInterval(() => {
      const now = performance.now();
      if (now - t0 > CAP_MS || (now - last > IDLE_MS && now - lastActivity > IDLE_MS)) return finish();
      if (polling || now - last < 250) return;
      polling = true;
      void activityOf(server).then((a) => {
        polling = false;
        if (a !== activity) lastActivity = performance.now();
        activity = a;
      });
    }, 100);
    for (let i = 0; i < n; i++) {
      let p: Promise<boolean>;
      try {
        p = start(i);
      } catch {
        p = Promise.resolve(false);
      }
      p.then(
        (good) => (good ? ok++ : failed++),
        () => failed++,
      ).finally(() => {
        settled++;
        last = performance.now();
        if (settled === n) finish();
      });
    }
  });
}

/** The limit's parts for one client family, measured with a valid token and no library. */
async function refreshRoundTrip(server: RemoteServer, family: Family, reps: number): Promise<number> {
  let { refreshToken } = await server.login();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    if (family === 'axios') {
      const res = await axios.post(`${server.url}/refresh`, { refreshToken }, { httpAgent });
      refreshToken = (res.data as Tokens).refreshToken;
    } else {
      const res = await fetch(`${server.url}/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      refreshToken = ((await res.json()) as Tokens).refreshToken;
    }
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function bareBatch(server: RemoteServer, family: Family, n: number): Promise<Settled> {
  const { accessToken } = await server.login();
  const authorization = `Bearer ${accessToken}`;
  if (family === 'axios') {
    const api = axios.create({ baseURL: server.url, httpAgent, headers: { Authorization: authorization } });
    return settleAll(n, (i) => okAxios(api, i), server);
  }
  return settleAll(
    n,
    async (i) => {
      const res = await fetch(`${server.url}${apiPath(i)}`, { headers: { authorization } });
      return res.status === 200 && ((await res.json()) as { ok?: boolean }).ok === true;
    },
    server,
  );
}

interface Trial {
  refreshCalls: number;
  refreshWithBearer: number;
  expired: number;
  failed: number;
  hung: number;
  loggedOut: boolean;
  wallMs: number;
}

async function trial(server: RemoteServer, contender: Contender, n: number): Promise<Trial> {
  const tokens = await server.login();
  const instance = contender.make(server, tokens);
  await server.reset();
  await server.advance((ACCESS_TTL_S + 1) * 1000); // every token issued so far is now expired
  const outcome = await settleAll(n, (i) => instance.request(i), server);
  const counters = await server.counters();
  const loggedOut = instance.loggedOut();
  instance.stop();
  // what a hung client still has in flight must not land in the next trial's counters
  if (outcome.hung > 0) await quiet(server);
  return {
    refreshCalls: counters.refreshCalls,
    refreshWithBearer: counters.refreshWithBearer,
    expired: counters.apiExpired,
    failed: outcome.failed,
    hung: outcome.hung,
    loggedOut,
    wallMs: outcome.wallMs,
  };
}

/** Waits until the server has received nothing for a second (at most CAP_MS). */
async function quiet(server: RemoteServer): Promise<void> {
  const until = performance.now() + CAP_MS;
  let before = await activityOf(server);
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = await activityOf(server);
    if (now === before) return;
    before = now;
  }
}

const range = (values: number[]) => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? fmt.int(lo) : `${fmt.int(lo)}–${fmt.int(hi)}`;
};

interface StormTable {
  rows: string[][];
  goals: GoalCheck[];
  limits: string[];
  single: Record<Family, number>;
  refreshMs: Record<Family, number>;
}

/** Every contender at every N, with the limit sampled in the same rounds as the trials. */
async function stormTable(server: RemoteServer, sizes: number[], repsFor: (n: number) => number, withGoals: boolean): Promise<StormTable> {
  const refreshSamples: Record<Family, number[]> = { axios: [], fetch: [] };
  for (const family of ['axios', 'fetch'] as const) {
    for (let r = 0; r < 3; r++) refreshSamples[family].push(await refreshRoundTrip(server, family, 3));
  }
  const out: StormTable = {
    rows: [],
    goals: [],
    limits: [],
    single: { axios: Number.NaN, fetch: Number.NaN },
    refreshMs: { axios: Number.NaN, fetch: Number.NaN },
  };
  for (const n of sizes) {
    const reps = repsFor(n);
    const batchSamples: Record<Family, number[]> = { axios: [], fetch: [] };
    const trials = new Map<Contender, Trial[]>(contenders.map((c) => [c, []]));
    const hangs = new Set<Contender>();
    for (let r = 0; r < reps; r++) {
      for (const family of ['axios', 'fetch'] as const) {
        refreshSamples[family].push(await refreshRoundTrip(server, family, 1));
        batchSamples[family].push((await bareBatch(server, family, n)).wallMs);
      }
      for (const contender of contenders) {
        if (hangs.has(contender)) continue; // a client that hangs once hangs every time; spare the waits
        const t = await trial(server, contender, n);
        trials.get(contender)?.push(t);
        if (t.hung > 0) hangs.add(contender);
      }
    }
    const batch: Record<Family, number> = { axios: median(batchSamples.axios), fetch: median(batchSamples.fetch) };
    const refreshMs = { axios: median(refreshSamples.axios), fetch: median(refreshSamples.fetch) };
    out.refreshMs = refreshMs;
    if (n === 1) out.single = batch;
    out.limits.push(
      `N=${fmt.int(n)}: axios ${fmt.ms(refreshMs.axios)} + ${fmt.ms(batch.axios)} = ${fmt.ms(refreshMs.axios + batch.axios)} ms, fetch ${fmt.ms(refreshMs.fetch)} + ${fmt.ms(batch.fetch)} = ${fmt.ms(refreshMs.fetch + batch.fetch)} ms`,
    );
    for (const contender of contenders) {
      const done = trials.get(contender) ?? [];
      const limit = refreshMs[contender.family] + batch[contender.family];
      const hung = done.some((t) => t.hung > 0);
      const wall = median(done.map((t) => t.wallMs));
      const ratio = wall / limit;
      out.rows.push([
        fmt.int(n),
        contender.name,
        range(done.map((t) => t.refreshCalls)),
        range(done.map((t) => t.refreshWithBearer)),
        range(done.map((t) => t.expired)),
        range(done.map((t) => t.failed)),
        range(done.map((t) => t.hung)),
        `${done.filter((t) => t.loggedOut).length}/${done.length}`,
        hung ? (Number.isFinite(wall) ? `${fmt.ms(wall)} (last settled)` : '–') : fmt.ms(wall),
        fmt.ms(limit),
        hung ? 'never settles' : fmt.ratio(ratio),
      ]);
      if (contender.ours && withGoals) {
        const worst = {
          refreshes: Math.max(...done.map((t) => t.refreshCalls)),
          expired: Math.max(...done.map((t) => t.expired)),
          failed: Math.max(...done.map((t) => t.failed + t.hung)),
        };
        out.goals.push({
          goal: `${contender.name}, N=${fmt.int(n)}: 1 refresh, 0 expired-token requests, 0 failures`,
          measured: `${worst.refreshes} refresh, ${worst.expired} expired, ${worst.failed} failed (worst of ${done.length})`,
          met: worst.refreshes === 1 && worst.expired === 0 && worst.failed === 0,
        });
        const walls = done.map((t) => t.wallMs / limit);
        out.goals.push({
          goal: `${contender.name}, N=${fmt.int(n)}: wall time ≤ 1.2× the limit`,
          measured: `${fmt.ratio(ratio)} (${fmt.ms(wall)} ms vs ${fmt.ms(limit)} ms, median of ${done.length}; trials ranged ${fmt.ratio(Math.min(...walls))}–${fmt.ratio(Math.max(...walls))})`,
          met: ratio <= 1.2,
        });
      }
    }
  }
  return out;
}

/**
 * Where the time of one N=1 trial goes for createAuthFetch: until the refresh function is
 * called, the refresh function itself (jsonRefresh: fetch + parse), and from its answer until
 * the response is read; next to a bare refresh and a bare request sampled alternately.
 */
async function timeline(server: RemoteServer, reps: number): Promise<string> {
  const parts: number[][] = [];
  const bare: number[][] = [];
  for (let r = 0; r < reps; r++) {
    const tokens = await server.login();
    const inner = jsonRefresh({ url: `${server.url}/refresh` });
    let tIn = 0;
    let tOut = 0;
    const s = createSession({
      refresh: async (ctx) => {
        tIn = performance.now();
        const answer = await inner(ctx);
        tOut = performance.now();
        return answer;
      },
      storage: memoryStorage(),
      wake: false,
      now: server.now,
    });
    s.login(tokens);
    const authFetch = createAuthFetch(s, { baseUrl: server.url });
    await server.advance((ACCESS_TTL_S + 1) * 1000);
    const t0 = performance.now();
    await (await authFetch(apiPath(0))).json();
    const t1 = performance.now();
    s.stop();
    parts.push([tIn - t0, tOut - tIn, t1 - tOut, t1 - t0]);
    const { refreshToken } = await server.login();
    const b0 = performance.now();
    const res = await fetch(`${server.url}/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    const { accessToken } = (await res.json()) as Tokens;
    const b1 = performance.now();
    await (await fetch(`${server.url}${apiPath(0)}`, { headers: { authorization: `Bearer ${accessToken}` } })).json();
    bare.push([b1 - b0, performance.now() - b1]);
  }
  const m = (rows: number[][], k: number) => fmt.ms(median(rows.map((row) => row[k] as number)));
  return `Where one N = 1 trial of createAuthFetch spends its time (median of ${reps}): ${m(parts, 0)} ms until the refresh function is called (getAccessToken → statechart → refresher → storage re-read), ${m(parts, 1)} ms in jsonRefresh (bare refresh round trip: ${m(bare, 0)} ms), ${m(parts, 2)} ms from the refresh answer until the response is read (token normalization, statechart back to authenticated, storage write, waking the request, the request itself; bare request round trip: ${m(bare, 1)} ms); ${m(parts, 3)} ms in all.`;
}

const HEADER = ['N', 'client', 'refreshes', 'refresh with Bearer', 'expired-token requests', 'failed', 'never settled', 'sent to /login', 'wall ms', 'limit ms', 'wall / limit'];
const LATENCY_MS = 20;

export async function run(options: { quick: boolean; graceMs: number }): Promise<SectionResult> {
  const sizes = options.quick ? [1, 10, 100, 1_000] : [1, 10, 100, 1_000, 10_000];
  const repsFor = (n: number) => (options.quick ? (n <= 10 ? 3 : 1) : n <= 10 ? 21 : n <= 100 ? 11 : n <= 1_000 ? 5 : 2);
  const server = await startRemoteServer({ accessTtl: ACCESS_TTL_S, graceMs: options.graceMs });
  await limitFetchConnections(`${server.url}/health`);
  try {
    // warm up both client stacks, every contender's code and the server's JIT
    await bareBatch(server, 'axios', 500);
    await bareBatch(server, 'fetch', 500);
    for (let r = 0; r < (options.quick ? 2 : 10); r++) for (const c of contenders) await trial(server, c, 10);
    for (const c of contenders) await trial(server, c, 200);

    const main = await stormTable(server, sizes, repsFor, true);
    const where = await timeline(server, options.quick ? 5 : 25);

    // The same storm with LATENCY_MS added by the server to every API request and refresh.
    apiQuery = `?delay=${LATENCY_MS}`;
    await server.refreshLatency(LATENCY_MS);
    const slow = await stormTable(server, options.quick ? [1, 100] : [1, 100, 1_000], (n) => (options.quick ? 1 : n <= 100 ? 5 : 2), false);
    apiQuery = '';
    await server.refreshLatency(0);

    return {
      title: '1. Refresh storm',
      intro: [
        `N requests start together; their access token expired ${ACCESS_TTL_S + 1} s ago on the clock the server and the clients share (a laptop lid closed past the token's exp). The real auth server (demo/server/authServer.ts) runs in its own process with refresh-token rotation and reuse detection (reuse grace ${options.graceMs} ms); a fresh login (and a fresh client instance, i.e. a page load) per trial. Every client goes through a pool of ${CONNECTIONS} keep-alive connections (axios: http.Agent maxSockets; fetch: an undici Agent with \`connections: ${CONNECTIONS}\`), because 10,000 simultaneous connects overflow the server's accept backlog (511) and would measure SYN retransmits. (Where an article's code refreshes through the global \`axios\`, that request uses Node's default agent, as it would.)`,
        `**The limit** for N = one refresh round trip + the time the same bare client (no library, valid token, same pool) takes for N concurrent requests, both sampled in the same rounds as the trials. For N = 1 it is one refresh round trip + one request round trip: axios ${fmt.ms(main.refreshMs.axios)} + ${fmt.ms(main.single.axios)} ms, fetch ${fmt.ms(main.refreshMs.fetch)} + ${fmt.ms(main.single.fetch)} ms. No client can do better: it has to learn a new token and then send N requests. Counts show min–max over the trials, times the median.`,
      ],
      tables: [
        {
          caption: 'Refresh storm against the real auth server over loopback',
          header: HEADER,
          rows: main.rows,
          notes: [
            'refreshes, refresh with Bearer, expired-token requests: the server\'s counters (refreshCalls, refreshWithBearer, apiExpired). failed: rejected, non-200 or an undefined response. never settled: still pending when neither the client settled anything nor the server received anything for 2 s (or after 60 s); the next trial then waits until the server is quiet. sent to /login: trials in which the code ran `window.location.href = "/login"` (baselines) or the session ended logged out.',
            `limit per N (refresh round trip + bare batch): ${main.limits.join('; ')}.`,
            where,
          ],
        },
        {
          caption: `The same storm with ${LATENCY_MS} ms of server latency on every API request and every refresh (informational)`,
          header: HEADER,
          rows: slow.rows,
          notes: [
            `The server holds each request ${LATENCY_MS} ms (\`?delay=${LATENCY_MS}\` on API paths, the delay fault on /refresh), a little like a nearby real server. Fixed per-refresh costs in the client shrink next to real round trips. limit per N: ${slow.limits.join('; ')}.`,
          ],
        },
      ],
      goals: main.goals,
    };
  } finally {
    await server.close();
  }
}
