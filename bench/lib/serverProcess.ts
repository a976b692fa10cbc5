// Runs the real auth server (demo/server/authServer.ts) in its own process, so that on this
// 2-core machine the server and the clients under test each get a core and do not share an
// event loop. The parent drives it over IPC: the shared jump clock, counters, reset.
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { startAuthServer } from '../../demo/server/authServer.js';

// The auth server sets `keepAliveTimeout = 1000`, so it answers `Keep-Alive: timeout=1`. Node's
// http.Agent and undici both subtract a safety margin (1 s and 2 s) from that hint and then
// close every socket after one request: each request would pay a TCP connect (~3 ms here) and
// the tables would measure handshakes. Browsers keep such connections; so does this process:
// it catches the server that startAuthServer creates and gives it Node's default of 5 s.
const servers: http.Server[] = [];
const createServer = http.createServer;
http.createServer = ((...args: Parameters<typeof http.createServer>) => {
  const server = createServer(...args);
  servers.push(server);
  return server;
}) as typeof http.createServer;
syncBuiltinESMExports();

interface Command {
  id: number;
  op: 'advance' | 'counters' | 'reset' | 'latency' | 'close';
  ms?: number;
}

const config = JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? '{}') as { accessTtl?: number; graceMs?: number };
let offset = 0;
const server = await startAuthServer({
  accessTtl: config.accessTtl ?? 60,
  refreshTtl: 10_000_000, // trials move the clock by minutes; refresh tokens must outlive the run
  graceMs: config.graceMs ?? 0,
  now: () => Date.now() + offset,
});

const reply = (id: number, result?: unknown) => process.send?.({ id, result });
process.on('message', (message: Command) => {
  switch (message.op) {
    case 'advance':
      offset += message.ms ?? 0;
      return reply(message.id);
    case 'counters':
      return reply(message.id, { ...server.counters });
    case 'reset':
      server.resetCounters();
      return reply(message.id);
    case 'latency': // every /refresh answers `ms` later (the server's delay fault)
      server.setFault(message.ms ? { type: 'delay', ms: message.ms } : null);
      return reply(message.id);
    case 'close':
      return void server.close().then(() => {
        reply(message.id);
        process.exit(0);
      });
  }
});
process.on('disconnect', () => process.exit(0));
for (const s of servers) s.keepAliveTimeout = 5_000;
process.send?.({ ready: server.url });
