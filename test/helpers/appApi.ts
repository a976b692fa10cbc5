import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import type { AuthServer } from '../../demo/server/authServer.js';

/** One request as the app's API saw it. */
export interface AppRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The `Last-Event-ID` header of a reconnecting event stream. */
  lastEventId?: string | undefined;
}

/**
 * The API of an existing admin app (vben-style), on 127.0.0.1, checking tokens with the real
 * auth server (`auth.authorize`, counted in its api* counters):
 * - `/api/*`: 200 `{ code: 0, data }`; a refused token is a 401 with vben's body `{ code: -1, message }`.
 * - `/envelope/*`: every answer is a 200; a refused token is `{ code: 401, message }` in it.
 * - `/api/boom`: 500 `{ code: -1, message }` (a server error, with a valid token).
 * - `/text/*`: 200 with a CSV body (not JSON).
 * - `/sse`: Server-Sent Events (`text/event-stream`): `count` events (default 3), one a tick,
 *   then the stream ends; a refused token is a 401 before the stream starts. `?hold=1` keeps it
 *   open after the events (the client ends it).
 * Stopped when the test ends.
 */
export async function appApi(auth: AuthServer) {
  const seen: AppRequest[] = [];
  const open = new Set<ServerResponse>();
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const lastEventId = req.headers['last-event-id'];
      seen.push({ method: req.method ?? 'GET', path: url.pathname, authorization: req.headers.authorization, ...(typeof lastEventId === 'string' ? { lastEventId } : {}) });
      const result = await auth.authorize(req.headers.authorization);
      if (url.pathname.startsWith('/envelope/')) {
        return json(res, 200, result.ok ? { code: 0, data: { user: result.user } } : { code: 401, message: result.why });
      }
      if (!result.ok) return json(res, 401, { code: -1, message: 'Unauthorized Exception' });
      if (url.pathname === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        open.add(res);
        res.on('close', () => open.delete(res));
        const count = Number(url.searchParams.get('count') ?? 3);
        for (let i = 1; i <= count; i++) {
          res.write(`id: ${i}\nevent: tick\ndata: ${JSON.stringify({ n: i, user: result.user })}\n\n`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (url.searchParams.get('hold') !== '1') res.end();
        return undefined;
      }
      if (url.pathname === '/api/boom') return json(res, 500, { code: -1, message: 'Internal Server Error' });
      if (url.pathname.startsWith('/text/')) return res.writeHead(200, { 'content-type': 'text/csv' }).end('id,name\n1,alice\n');
      if (url.pathname.startsWith('/api/')) return json(res, 200, { code: 0, data: { user: result.user, path: url.pathname } });
      return json(res, 404, { code: -1, message: 'Not Found' });
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { code: -1, message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
