import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSession, isSessionError, jsonRefresh, webStorage, type Session, type StorageLike } from 'silent-session';
import { createAuthFetch } from 'silent-session/fetch';

// A Node script (a CLI, a worker, a test helper) with no DOM lib: the package's types must
// compile here, and it must run both as CommonJS (node10 build) and as ESM (nodenext build).
type Claims = { sub: string; roles: string[] };

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
let issued = 0;
const jwt = (sub: string) => `${b64({ alg: 'none' })}.${b64({ sub, roles: ['admin'], jti: ++issued, exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;

async function main(): Promise<void> {
  let refreshes = 0;
  let current = jwt('u1');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/auth/refresh') {
      refreshes++;
      current = jwt('u1');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accessToken: current, refreshToken: `r${refreshes + 1}` }));
      return;
    }
    const ok = req.headers.authorization === `Bearer ${current}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' }).end(ok ? 'me' : 'expired');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // storage: any object with getItem/setItem/removeItem (no DOM `Storage` type needed)
  const map = new Map<string, string>();
  const storage: StorageLike = {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
  const session: Session<Claims> = createSession<Claims>({
    refresh: jsonRefresh({ url: `${origin}/auth/refresh` }),
    storage: webStorage(storage, { key: 'cli.session' }),
  });
  const authFetch = createAuthFetch(session, { baseUrl: origin });
  try {
    session.login({ accessToken: current, refreshToken: 'r1' });
    const roles: string[] | undefined = session.getSnapshot().claims?.roles;
    current = jwt('u1'); // the server moved on: the token the session holds now gets a 401
    const res = await authFetch('/me');
    const body = await res.text();
    if (res.status !== 200 || body !== 'me') throw new Error(`expected 200 "me" after one replay, got ${res.status} ${body}`);
    if (refreshes !== 1) throw new Error(`expected exactly 1 refresh, saw ${refreshes}`);
    if (roles?.[0] !== 'admin') throw new Error(`claims.roles: ${String(roles)}`);
    if (!map.get('cli.session')?.includes('r2')) throw new Error('the rotated refresh token was not stored');
    console.log(`ok: 401 → 1 refresh → replayed 200; claims.roles = ${roles.join(',')}`);
  } catch (error) {
    if (isSessionError(error)) console.error(`SessionError ${error.kind}: ${error.message}`);
    throw error;
  } finally {
    session.stop();
    server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
