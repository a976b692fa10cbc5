import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A vben-style backend for the tests, in front of the real auth server (demo/server): every
// answer is a `{ code, data, message }` envelope; a refused access token is HTTP 401 `{ code: -1 }`,
// a refused refresh token HTTP 403 `{ code: -1, message: 'Forbidden Exception' }` (as vben's mock
// backend answers). Tokens, rotation, reuse detection and the counters stay the auth server's.

const routes: Record<string, string> = { '/auth/login': '/login', '/auth/refresh': '/refresh' };

export async function startVbenBackend(authUrl: string) {
  const sockets = new Set<Socket>();
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const target = routes[url.pathname] ?? (url.pathname.startsWith('/api/') ? url.pathname + url.search : null);
    if (target === null) return send(res, 404, { code: -1, data: null, message: 'Not Found' });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (typeof req.headers.authorization === 'string') headers.authorization = req.headers.authorization;
    const answer = await fetch(authUrl + target, {
      method: req.method ?? 'GET',
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks).toString('utf8') }),
    });
    const data = (await answer.json()) as unknown;
    if (answer.ok) return send(res, 200, { code: 0, data, message: 'ok' });
    if (url.pathname === '/auth/refresh') return send(res, 403, { code: -1, data: null, message: 'Forbidden Exception' });
    send(res, answer.status, { code: -1, data: null, message: answer.status === 401 ? 'Unauthorized Exception' : 'Error' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 502, { code: -1, data: null, message: 'Bad Gateway' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
