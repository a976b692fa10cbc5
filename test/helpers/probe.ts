import { onTestFinished } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT } from 'jose';

/** One request as a probe server saw it. */
export interface ProbeRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  origin: string | undefined;
  /** The request body as text (a refresh token in a POST shows up here). */
  body: string;
}

/** Options of {@link startProbeServer}. */
export interface ProbeOptions {
  /** Every answer carries `x-access-token: <this>` (a token the server wants the client to adopt). */
  renewToken?: string;
  /** The status of non-redirect answers (default 200). */
  status?: number;
}

/**
 * A second HTTP server on 127.0.0.1 that plays whoever the test needs besides the auth
 * server: an origin that must never receive the token ("evil"), or an allowed API with an open
 * redirect (`/go?to=<url>` answers 302, or `&status=`, to any URL). It answers CORS preflights the way an
 * attacker would (allowing `Authorization`), so a browser really sends whatever the page's
 * code attaches, and it records every request it gets.
 */
export async function startProbeServer(options: ProbeOptions = {}) {
  const seen: ProbeRequest[] = [];
  const sockets = new Set<Socket>();
  const cors = (req: IncomingMessage): Record<string, string> => ({
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-allow-headers': 'authorization, content-type, x-trace, x-refresh-token',
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-expose-headers': 'x-access-token',
    'access-control-allow-credentials': 'true',
    vary: 'origin',
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ method: req.method ?? 'GET', path: url.pathname, authorization: req.headers.authorization, origin: req.headers.origin, body });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors(req)).end();
      return;
    }
    const to = url.pathname === '/go' ? url.searchParams.get('to') : null;
    if (to !== null) {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { ...cors(req), location: to }).end();
      return;
    }
    const headers: Record<string, string> = { ...cors(req), 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (options.renewToken) headers['x-access-token'] = options.renewToken;
    res.writeHead(options.status ?? 200, headers).end(JSON.stringify({ ok: true, probe: true, path: url.pathname }));
  };
  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    /** Requests seen so far, oldest first (preflights included). */
    seen,
    /** The Authorization headers it received, preflights excluded. */
    authorizations: () => seen.filter((r) => r.method !== 'OPTIONS').map((r) => r.authorization),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A started probe server. */
export type ProbeServer = Awaited<ReturnType<typeof startProbeServer>>;

/** A long-lived JWT signed with a key of the attacker's own, for user `sub`. */
export async function foreignJwt(sub = 'mallory', lifetimeSeconds = 86_400): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: 'attacker' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .sign(new Uint8Array(randomBytes(32)));
}

/** {@link startProbeServer}, stopped when the current test ends. */
export async function probeServer(options: ProbeOptions = {}): Promise<ProbeServer> {
  const server = await startProbeServer(options);
  onTestFinished(() => server.close());
  return server;
}
