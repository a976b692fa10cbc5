// Table 2b: throughput over loopback against the real auth server (its own process). Bare
// clients send a hand-set `Authorization` header with a valid token; the adapters get theirs
// from a logged-in session. Closed loop: C workers, each sending its next request when the
// previous one is done; rounds alternate between bare and adapter.
import axios from 'axios';
import ky from 'ky';
import { createSession, jsonRefresh, memoryStorage, type Session } from 'silent-session';
import { attachSession } from 'silent-session/axios';
import { createAuthFetch } from 'silent-session/fetch';
import { withSession } from 'silent-session/ky';
import { CONNECTIONS, httpAgent, limitFetchConnections } from '../lib/pool.js';
import { startRemoteServer } from '../lib/remoteServer.js';
import { fmt, median, type GoalCheck, type SectionResult } from '../lib/report.js';

const CONCURRENCY = 32;
type Op = (i: number) => Promise<unknown>;

async function window(op: Op, ms: number): Promise<{ rps: number; cpuUs: number }> {
  let done = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < until; i += CONCURRENCY) {
        try {
          await op(i);
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (failed > 0) throw new Error(`${failed} requests failed during the loopback run`);
  return { rps: (done / elapsed) * 1000, cpuUs: (cpu.user + cpu.system) / done };
}

export async function run(options: { quick: boolean }): Promise<SectionResult> {
  // Many short alternating rounds: this VM's throughput drifts by ±30 % over seconds, and the
  // median of paired ratios only cancels drift slower than a round.
  const rounds = options.quick ? 3 : 15;
  const ms = options.quick ? 300 : 400;
  const server = await startRemoteServer({ accessTtl: 3_600 });
  await limitFetchConnections(`${server.url}/health`);
  const sessions: Session[] = [];
  const loggedIn = async () => {
    const s = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), storage: memoryStorage(), wake: false });
    s.login(await server.login());
    sessions.push(s);
    return s;
  };
  try {
    const { accessToken } = await server.login();
    const authorization = `Bearer ${accessToken}`;
    const check = async (res: Response) => {
      const body = (await res.json()) as { ok?: boolean };
      if (res.status !== 200 || body.ok !== true) throw new Error(`status ${res.status}`);
    };
    const authFetch = createAuthFetch(await loggedIn(), { baseUrl: server.url });
    const axBare = axios.create({ baseURL: server.url, httpAgent, headers: { Authorization: authorization } });
    const axAuth = axios.create({ baseURL: server.url, httpAgent });
    attachSession(axAuth, await loggedIn());
    const kyBare = ky.create({ baseUrl: `${server.url}/`, headers: { authorization } });
    const kyAuth = withSession(ky.create({ baseUrl: `${server.url}/` }), await loggedIn());

    const pairs: Array<{ client: string; bare: Op; adapter: Op; name: string }> = [
      {
        client: 'fetch',
        name: 'createAuthFetch',
        bare: (i) => fetch(`${server.url}/api/item/${i}`, { headers: { authorization } }).then(check),
        adapter: (i) => authFetch(`/api/item/${i}`).then(check),
      },
      {
        client: 'axios 1.21.1',
        name: 'attachSession',
        bare: (i) => axBare.get(`/api/item/${i}`),
        adapter: (i) => axAuth.get(`/api/item/${i}`),
      },
      {
        client: 'ky 2.1.0',
        name: 'withSession',
        bare: (i) => kyBare.get(`api/item/${i}`).json(),
        adapter: (i) => kyAuth.get(`api/item/${i}`).json(),
      },
    ];
    const rows: string[][] = [];
    const goals: GoalCheck[] = [];
    for (const pair of pairs) {
      await window(pair.bare, ms / 2); // warm up
      await window(pair.adapter, ms / 2);
      const bare: Array<{ rps: number; cpuUs: number }> = [];
      const adapter: Array<{ rps: number; cpuUs: number }> = [];
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 0) {
          bare.push(await window(pair.bare, ms));
          adapter.push(await window(pair.adapter, ms));
        } else {
          adapter.push(await window(pair.adapter, ms));
          bare.push(await window(pair.bare, ms));
        }
      }
      const b = median(bare.map((x) => x.rps));
      const a = median(adapter.map((x) => x.rps));
      const ratio = median(adapter.map((x, i) => x.rps / (bare[i]?.rps ?? Number.NaN)));
      const cpuB = median(bare.map((x) => x.cpuUs));
      const cpuA = median(adapter.map((x) => x.cpuUs));
      const ratios = adapter.map((x, i) => x.rps / (bare[i]?.rps ?? Number.NaN));
      rows.push([
        pair.client,
        fmt.int(b),
        `${pair.name}: ${fmt.int(a)}`,
        fmt.ratio(ratio),
        `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
        `${cpuB.toFixed(1)} → ${cpuA.toFixed(1)} (+${(cpuA - cpuB).toFixed(1)})`,
      ]);
      goals.push({
        goal: `${pair.name} over loopback: ≥ 0.97 of bare throughput`,
        measured: `${ratio.toFixed(3)} (${fmt.int(a)} vs ${fmt.int(b)} req/s)`,
        met: ratio >= 0.97,
      });
    }
    return {
      title: '2b. Throughput over loopback',
      tables: [
        {
          caption: `Requests/s against the real auth server (GET /api/item/:i, JWT verified per request), ${CONCURRENCY} in flight`,
          header: ['client', 'bare req/s', 'with adapter req/s', 'ratio (median of rounds)', 'per-round ratios', 'client CPU µs/request (bare → adapter)'],
          rows,
          notes: [
            `${rounds} alternating rounds of ${ms} ms per side after a warm-up, median; ratio is the median of per-round ratios. The server runs in its own process (one core), the clients in this one; ${CONNECTIONS}-connection keep-alive pools.`,
            'Client CPU is this process\'s user+system CPU time per completed request: it shows the adapter\'s cost even where the server, not the client, limits throughput.',
          ],
        },
      ],
      goals,
    };
  } finally {
    for (const s of sessions) s.stop();
    await server.close();
  }
}
