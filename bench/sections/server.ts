// Section 5: the server half. Refresh-token rotations on one Redis from 1 and 3 app processes
// (families.rotate(): the store step, hashing and sealing, no HTTP), redisFamilyStore (one Lua
// script per rotation) beside a naive read-then-write store (test/server/fixtures/naiveStore.ts)
// in the same run; then the same token presented by two callers at once (two tabs without a
// lock, a retried request) to count what the naive store spends twice.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../test/server/helpers/redisServer.js';
import type { WorkerResult } from '../lib/rotateWorker.js';
import { loaderArgs } from '../lib/proc.js';
import { fmt, median, type GoalCheck, type SectionResult } from '../lib/report.js';

type Store = 'atomic' | 'naive';
const CONCURRENCY = 16; // rotations in flight per process (16 families, each rotated in a closed loop)

interface Pool {
  workers: ChildProcess[];
  run(ms: number): Promise<WorkerResult[]>;
  close(): Promise<void>;
}

async function pool(count: number, env: Record<string, string>): Promise<Pool> {
  const workers = await Promise.all(
    Array.from({ length: count }, async () => {
      const child = fork(fileURLToPath(new URL('../lib/rotateWorker.ts', import.meta.url)), [], {
        execArgv: loaderArgs(),
        env: { ...process.env, ...env },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`rotate worker exited (${code})`)));
        child.once('message', () => resolve());
      });
      return child;
    }),
  );
  const once = (child: ChildProcess) => new Promise<WorkerResult>((resolve) => child.once('message', (m: { result: WorkerResult }) => resolve(m.result)));
  return {
    workers,
    async run(ms) {
      const results = workers.map(once);
      for (const w of workers) w.send({ go: ms });
      return Promise.all(results);
    },
    async close() {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.send({ exit: true });
            }),
        ),
      );
    },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export async function run(options: { quick: boolean }): Promise<SectionResult> {
  const rounds = options.quick ? 1 : 4;
  const ms = options.quick ? 1_000 : 3_000;
  const redis = await startRedis();
  try {
    const configs: Array<{ store: Store; processes: number }> = [
      { store: 'atomic', processes: 1 },
      { store: 'naive', processes: 1 },
      { store: 'atomic', processes: 3 },
      { store: 'naive', processes: 3 },
    ];
    const measured = new Map<string, { rps: number[]; latencies: number[] }>();
    const key = (c: { store: Store; processes: number }) => `${c.store}/${c.processes}`;
    const pools = new Map<string, Pool>();
    for (const c of configs) {
      pools.set(key(c), await pool(c.processes, { REDIS_PORT: String(redis.port), STORE: c.store, CONCURRENCY: String(CONCURRENCY), PREFIX: `b-${key(c)}:` }));
      measured.set(key(c), { rps: [], latencies: [] });
    }
    for (const c of configs) await pools.get(key(c))?.run(300); // warm-up (JIT, script cache, connections)
    for (let r = 0; r < rounds; r++) {
      // alternate the order so that drift of this shared machine falls on every configuration
      for (const c of r % 2 === 0 ? configs : [...configs].reverse()) {
        const results = (await pools.get(key(c))?.run(ms)) ?? [];
        const m = measured.get(key(c));
        const rotations = results.reduce((n, x) => n + x.rotations, 0);
        m?.rps.push((rotations / ms) * 1_000);
        m?.latencies.push(...results.flatMap((x) => x.latencies));
        if (results.some((x) => x.errors > 0)) throw new Error(`${key(c)}: ${results.reduce((n, x) => n + x.errors, 0)} rotations failed`);
      }
    }
    for (const p of pools.values()) await p.close();

    const rows = configs.map((c) => {
      const m = measured.get(key(c)) ?? { rps: [], latencies: [] };
      const sorted = [...m.latencies].sort((a, b) => a - b);
      const atomic = measured.get(`atomic/${c.processes}`);
      return [
        c.store === 'atomic' ? 'redisFamilyStore (Lua, one step)' : 'naive read-then-write (test only)',
        String(c.processes),
        fmt.int(median(m.rps)),
        fmt.ms(percentile(sorted, 50)),
        fmt.ms(percentile(sorted, 99)),
        c.store === 'atomic' ? '1.00×' : fmt.ratio(median(m.rps) / median(atomic?.rps ?? [])),
        fmt.int(sorted.length),
      ];
    });

    // contention: the same token from two callers at once, 3 processes
    const contendedRows: string[][] = [];
    const contention = new Map<Store, WorkerResult>();
    for (const store of ['atomic', 'naive'] as const) {
      const p = await pool(3, { REDIS_PORT: String(redis.port), STORE: store, CONCURRENCY: String(CONCURRENCY / 2), MODE: 'contended', PREFIX: `c-${store}:` });
      const results = await p.run(options.quick ? 1_000 : 5_000);
      await p.close();
      const total = results.reduce((t, x) => ({ ...t, pairs: t.pairs + x.pairs, doubleSpent: t.doubleSpent + x.doubleSpent, lost: t.lost + x.lost, rotations: t.rotations + x.rotations, errors: t.errors + x.errors }), { rotations: 0, latencies: [], pairs: 0, doubleSpent: 0, lost: 0, errors: 0 } as WorkerResult);
      contention.set(store, total);
      contendedRows.push([
        store === 'atomic' ? 'redisFamilyStore' : 'naive read-then-write',
        fmt.int(total.pairs),
        `${fmt.int(total.doubleSpent)} (${((100 * total.doubleSpent) / Math.max(1, total.pairs)).toFixed(1)} %)`,
        `${fmt.int(total.lost)} (${((100 * total.lost) / Math.max(1, total.pairs)).toFixed(1)} %)`,
      ]);
    }

    const atomic1 = median(measured.get('atomic/1')?.rps ?? []);
    const atomic3 = median(measured.get('atomic/3')?.rps ?? []);
    const goals: GoalCheck[] = [
      {
        goal: 'redisFamilyStore: no token spent twice when two callers present it at once',
        measured: `${contention.get('atomic')?.doubleSpent ?? '–'} of ${contention.get('atomic')?.pairs ?? '–'} pairs`,
        met: contention.get('atomic')?.doubleSpent === 0 && contention.get('atomic')?.lost === 0,
      },
      { goal: '3 processes rotate at least as fast as 1 on one Redis', measured: `${fmt.int(atomic3)} vs ${fmt.int(atomic1)} rotations/s`, met: atomic3 >= atomic1 },
    ];
    return {
      title: '6. The server half: rotations on one Redis',
      intro: [
        'families.rotate() in a closed loop from 1 and 3 app processes on one local redis-server (persistence off): each rotation hashes the presented token and the child, seals the child for the grace window (Web Crypto) and runs one store step. No HTTP. The naive store runs the same family logic between a GET and a SET in the app (test/server/fixtures/naiveStore.ts).',
      ],
      tables: [
        {
          caption: `Rotations/s and rotate latency, ${CONCURRENCY} rotations in flight per process`,
          header: ['store', 'processes', 'rotations/s', 'p50 ms', 'p99 ms', 'vs redisFamilyStore', 'samples'],
          rows,
          notes: [
            `${rounds} alternating rounds of ${ms} ms per configuration after a 300 ms warm-up; rotations/s is the median of rounds, latencies are pooled. On a 2-core machine 3 processes share the cores with Redis, so they measure contention more than scale-out.`,
            'The naive store makes two round trips and moves the whole family as one JSON value, which grows with every spent token kept for reuse detection: its speed is not what a careful read-then-write store would reach. Its double spends (below) are what any read-then-write store risks.',
          ],
        },
        {
          caption: 'The same token presented by two callers at once (3 processes, 8 families each)',
          header: ['store', 'pairs presented', 'spent twice (both got a new child)', 'lost (a handed-out token later refused)'],
          rows: contendedRows,
          notes: ['redisFamilyStore answers the second caller with the same child (the grace window); the naive store lets both callers spend the token, and one of the two children is then unknown: that user is logged out.'],
        },
      ],
      goals,
    };
  } finally {
    await redis.stop();
  }
}
