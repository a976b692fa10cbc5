import { Agent as HttpAgent } from 'node:http';

/**
 * Connection pools. 10,000 concurrent requests would otherwise open 10,000 sockets at once:
 * the server's accept backlog (Node's default 511) overflows, the kernel drops SYNs and the
 * clients retransmit them a second later, which measures TCP, not token handling. Every
 * client in a table (baselines and silent-session alike) goes through a pool of the same size.
 */
export const CONNECTIONS = 64;

/** For axios (Node http adapter): keep-alive, at most CONNECTIONS sockets per origin. */
export const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: CONNECTIONS });

/**
 * For fetch: Node 20 does not export undici's Agent, so the global dispatcher's own class is
 * used to make one with `connections: CONNECTIONS`, installed as the global dispatcher (so
 * jsonRefresh's fetch and createAuthFetch's fetch both use it).
 */
export async function limitFetchConnections(probeUrl: string): Promise<void> {
  const key = Symbol.for('undici.globalDispatcher.1');
  const g = globalThis as unknown as Record<symbol, { constructor: new (o: object) => unknown } | undefined>;
  if (g[key] === undefined) await fetch(probeUrl).then((r) => r.arrayBuffer()).catch(() => undefined);
  const current = g[key];
  if (current === undefined) throw new Error('could not find the fetch dispatcher');
  g[key] = new current.constructor({ connections: CONNECTIONS, keepAliveTimeout: 500 }) as never;
}
