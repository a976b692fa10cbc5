// One way to send a command through either Redis client the app already has, and scripts by
// EVALSHA with a fallback to EVAL (a restarted Redis has an empty script cache).

/**
 * An ioredis client (`new Redis(...)`, also `Redis.Cluster`): anything with `call()`.
 *
 * @example
 * const client: IoRedisLike = new Redis(process.env.REDIS_URL);
 */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * A node-redis client (`createClient(...)`, connected): anything with `sendCommand([...])`.
 *
 * @example
 * const client: NodeRedisLike = await createClient({ url: process.env.REDIS_URL }).connect();
 */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * The Redis clients `redisFamilyStore` accepts: ioredis or node-redis (detected by shape).
 *
 * @example
 * redisFamilyStore(new Redis()) // ioredis
 * redisFamilyStore(await createClient().connect()) // node-redis
 */
export type RedisLike = IoRedisLike | NodeRedisLike;

/** Sends one command; resolves to the raw reply. */
export type Send = (args: string[]) => Promise<unknown>;

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function senderOf(client: RedisLike): Send {
  const candidate = client as Partial<IoRedisLike & NodeRedisLike> | null;
  // ioredis has both `call` and a `sendCommand` that takes its own Command objects: `call` first
  if (typeof candidate?.call === 'function') {
    const io = client as IoRedisLike;
    return ([command, ...args]) => io.call(command as string, ...args);
  }
  if (typeof candidate?.sendCommand === 'function') {
    const nodeRedis = client as NodeRedisLike;
    return (args) => nodeRedis.sendCommand(args);
  }
  throw new TypeError('redisFamilyStore: pass an ioredis client (it has call()) or a connected node-redis client (it has sendCommand())');
}

/** A Lua script run by its SHA-1, loaded again whenever Redis forgot it. */
export function script(send: Send, source: string) {
  // computed at once, so that calls made in order reach Redis in order from the first one on
  const sha = crypto.subtle.digest('SHA-1', new TextEncoder().encode(source)).then((d) => toHex(new Uint8Array(d)));
  return async (keys: string[], args: string[]): Promise<unknown> => {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await send(['EVALSHA', await sha, ...rest]);
    } catch (error) {
      // NOSCRIPT: nothing ran; send the source (Redis caches it again)
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return send(['EVAL', source, ...rest]);
    }
  };
}
