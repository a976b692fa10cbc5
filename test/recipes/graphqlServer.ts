import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
// graphql-ws's server loads graphql the Node way (its CommonJS main); importing the same file
// keeps one graphql instance (Vite alone would pick the ESM `module` build, a second realm).
import { buildSchema, graphql } from 'graphql/index.js';
import { useServer } from 'graphql-ws/use/ws';
import { onTestFinished } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthServer } from '../../demo/server/authServer.js';

/**
 * A GraphQL endpoint on 127.0.0.1 for the data-client tests: queries over HTTP (/graphql)
 * and subscriptions over WebSocket (graphql-ws), both behind the auth server's own token
 * check (`auth.authorize`), so its counters (apiOk, apiExpired, …) count GraphQL calls too.
 */
export async function graphqlServer(auth: AuthServer) {
  const schema = buildSchema(`
    type Item { i: Int!, user: String! }
    type Tick { i: Int!, n: Int!, user: String! }
    type Query { item(i: Int!): Item! }
    type Subscription { ticks(i: Int!): Tick! }
  `);
  const listeners = new Set<(n: number) => void>();
  const users = new WeakMap<object, string>();
  const stats = { httpRequests: 0, wsSockets: 0, subscribes: 0, active: 0, inits: [] as Array<string | undefined> };

  // An iterator by hand, not an async generator: a generator awaiting its next tick would run
  // its `finally` only at the next yield, so a closed socket's subscription would linger.
  function ticks(i: number, user: string): AsyncIterableIterator<{ ticks: { i: number; n: number; user: string } }> {
    const queue: number[] = [];
    let waiting: ((result: IteratorResult<{ ticks: { i: number; n: number; user: string } }>) => void) | null = null;
    const listener = (n: number) => {
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ value: { ticks: { i, n, user } }, done: false });
      } else queue.push(n);
    };
    listeners.add(listener);
    stats.active++;
    const iterator: AsyncIterableIterator<{ ticks: { i: number; n: number; user: string } }> = {
      next: () =>
        queue.length > 0
          ? Promise.resolve({ value: { ticks: { i, n: queue.shift() as number, user } }, done: false })
          : new Promise((resolve) => (waiting = resolve)),
      return: () => {
        if (listeners.delete(listener)) stats.active--;
        waiting?.({ value: undefined, done: true });
        waiting = null;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
  const root = {
    item: ({ i }: { i: number }, context: { user: string }) => ({ i, user: context.user }),
    ticks: ({ i }: { i: number }, context: { user: string }) => ticks(i, context.user),
  };

  async function http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/graphql' || (req.method !== 'POST' && req.method !== 'GET')) return send(404, { error: 'not_found' });
    stats.httpRequests++;
    const verdict = await auth.authorize(req.headers.authorization);
    if (!verdict.ok) return send(401, { errors: [{ message: `unauthorized (${verdict.why})` }] });
    // GraphQL over HTTP: a POST with a JSON body, or a GET with the query in the URL (urql's default)
    const { query, variables } =
      req.method === 'GET'
        ? { query: url.searchParams.get('query') ?? '', variables: JSON.parse(url.searchParams.get('variables') ?? 'null') as Record<string, unknown> | null }
        : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> });
    send(200, await graphql({ schema, source: query, variableValues: variables ?? null, rootValue: root, contextValue: { user: verdict.user } }));
  }

  const server = createServer((req, res) => void http(req, res));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
  const wss = new WebSocketServer({ server, path: '/graphql' });
  wss.on('connection', () => stats.wsSockets++);
  useServer<Record<string, unknown>, { socket: WebSocket }>(
    {
      schema,
      roots: { query: root, subscription: root },
      // The token is checked once per connection, at connection_init (the protocol's only auth point).
      onConnect: async (ctx) => {
        const authorization = typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : undefined;
        stats.inits.push(authorization);
        const verdict = await auth.authorize(authorization);
        if (verdict.ok) users.set(ctx.extra.socket, verdict.user);
        return verdict.ok;
      },
      onSubscribe: () => void stats.subscribes++,
      context: (ctx) => ({ user: users.get(ctx.extra.socket) }),
    },
    wss,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const api = {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    stats,
    /** Sockets open at the server right now. */
    openSockets: () => wss.clients.size,
    /** Sends tick `n` to every active subscription. */
    publish: (n: number) => {
      for (const listener of [...listeners]) listener(n);
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  onTestFinished(() => api.close());
  return api;
}
