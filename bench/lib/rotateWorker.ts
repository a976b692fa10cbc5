// One app-server-like process for the server section: refresh-token families on a shared Redis
// (the package's redisFamilyStore from dist/, or the test-only naive read-then-write store),
// rotated in a closed loop when the parent says `go`. Driven over IPC by sections/server.ts.
import { Redis } from 'ioredis';
import { createTokenFamilies, redisFamilyStore, type FamilyStore } from 'silent-session/server';
import { naiveRedisStore } from '../../test/server/fixtures/naiveStore.js';

const env = process.env;
const concurrency = Number(env.CONCURRENCY ?? 16);
const contended = env.MODE === 'contended';
const client = new Redis({ host: '127.0.0.1', port: Number(env.REDIS_PORT), retryStrategy: () => 50 });
const prefix = env.PREFIX ?? 'bench:';
const store: FamilyStore = env.STORE === 'naive' ? naiveRedisStore((command, ...args) => client.call(command, ...args), prefix) : redisFamilyStore(client, { prefix });
const families = createTokenFamilies({ store, grace: 10_000, timeout: 5_000 });

export interface WorkerResult {
  rotations: number;
  latencies: number[];
  /** Contended mode: presentations of one token by two callers at once. */
  pairs: number;
  /** Both callers were handed a new child: the token was spent twice. */
  doubleSpent: number;
  /** A token the server handed out was later refused (unknown or reused): a user logged out. */
  lost: number;
  errors: number;
}

async function issue(i: number) {
  return (await families.issue(`bench-user-${process.pid}-${i}`)).refreshToken;
}

async function loop(i: number, until: number, result: WorkerResult) {
  let token = await issue(i);
  while (performance.now() < until) {
    try {
      if (!contended) {
        const t0 = performance.now();
        const r = await families.rotate(token);
        result.latencies.push(performance.now() - t0);
        if (!r.ok) throw new Error(r.reason);
        result.rotations++;
        token = r.refreshToken;
        continue;
      }
      const [a, b] = await Promise.all([families.rotate(token), families.rotate(token)]);
      result.pairs++;
      if (!a.ok || !b.ok) {
        result.lost++;
        token = await issue(i);
        continue;
      }
      result.rotations += a.replayed && b.replayed ? 0 : 1;
      if (!a.replayed && !b.replayed) result.doubleSpent++;
      token = a.refreshToken;
    } catch {
      result.errors++;
      token = await issue(i);
    }
  }
}

process.on('message', async (message: { go?: number; exit?: boolean }) => {
  if (message.exit) {
    client.disconnect();
    process.exit(0);
  }
  if (message.go === undefined) return;
  const result: WorkerResult = { rotations: 0, latencies: [], pairs: 0, doubleSpent: 0, lost: 0, errors: 0 };
  const until = performance.now() + message.go;
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i, until, result)));
  process.send?.({ result });
});
process.on('disconnect', () => process.exit(0)); // the section ended (or failed): do not linger
await client.ping();
process.send?.({ ready: true });
