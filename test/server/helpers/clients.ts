import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { FamilyStore } from '../../../src/server.js';
import type { RedisServer } from './redisServer.js';

export type ClientKind = 'ioredis' | 'node-redis';

/** A raw command through either client (for test setup and inspection). */
export type Raw = (...args: string[]) => Promise<unknown>;

/** An ioredis client on `server`; quiet about reconnects (tests kill Redis on purpose). */
export function ioredis(server: Pick<RedisServer, 'port'>) {
  const client = new Redis({ host: '127.0.0.1', port: server.port, retryStrategy: () => 50 });
  client.on('error', () => {});
  return client;
}

/** A connected node-redis client on `server`. */
export async function nodeRedis(server: Pick<RedisServer, 'url'>) {
  const client = createClient({ url: server.url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A client of `kind`, what it takes to send raw commands, and how to close it. */
export async function clientOf(kind: ClientKind, server: Pick<RedisServer, 'port' | 'url'>) {
  if (kind === 'ioredis') {
    const client = ioredis(server);
    const raw: Raw = (command, ...args) => client.call(command, ...args);
    return { client, raw, close: async () => void client.disconnect() };
  }
  const client = await nodeRedis(server);
  const raw: Raw = (...args) => client.sendCommand(args);
  return { client, raw, close: async () => void (await client.close().catch(() => {})) };
}

/** Every key under `prefix` with its PTTL and its whole content as text (for "only hashes at rest"). */
export async function dumpKeys(raw: Raw, prefix: string): Promise<Array<{ key: string; pttl: number; text: string }>> {
  const keys = (await raw('KEYS', `${prefix}*`)) as string[];
  const out = [];
  for (const key of keys) {
    const type = String(await raw('TYPE', key));
    const content =
      type === 'hash' ? await raw('HGETALL', key) : type === 'zset' ? await raw('ZRANGE', key, '0', '-1', 'WITHSCORES') : type === 'set' ? await raw('SMEMBERS', key) : await raw('GET', key);
    out.push({ key, pttl: Number(await raw('PTTL', key)), text: JSON.stringify(content) });
  }
  return out;
}

/**
 * A store whose `rotate` answers late: `hold()` makes the next rotations wait (before they reach
 * the store with 'call', or after it committed with 'answer') until `release()`; with 'lost' they
 * commit and then fail as a dropped connection does.
 */
export function slowStore(inner: FamilyStore) {
  let mode: 'call' | 'answer' | 'lost' | null = null;
  let open: () => void = () => {};
  let gate = Promise.resolve();
  const landed: Array<Promise<unknown>> = [];
  return {
    store: {
      ...inner,
      abandon: (step) => {
        const at = inner.abandon(step);
        landed.push(at);
        return at;
      },
      rotate: async (step) => {
        if (mode === 'call') {
          const at = gate.then(() => inner.rotate(step));
          landed.push(at);
          return at;
        }
        const result = await inner.rotate(step);
        if (mode === 'answer') await gate;
        if (mode === 'lost') throw new Error('read ECONNRESET'); // committed, the reply lost with the connection
        return result;
      },
    } satisfies FamilyStore,
    hold(how: 'call' | 'answer' | 'lost') {
      mode = how;
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    /** Lets held calls through; resolves once they, and the abandons the timeouts sent, reached the store. */
    async release() {
      mode = null;
      open();
      await Promise.allSettled(landed);
      landed.length = 0;
    },
  };
}
