import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { createTokenFamilies, memoryFamilyStore, type FamilyEvent } from '../../src/server.js';

/** A pair handed out by the server. */
export interface IssuedPair {
  accessToken: string;
  refreshToken: string;
}

// Refresh tokens on the wire: `rt_` (a prefix tests look for in storage and logs) and the
// families' token in base64url, so that it stays one run of URL-safe characters without a dot
// (tests splice it into JWT-shaped strings).
const PREFIX = 'rt_';
const toWire = (token: string) => `${PREFIX}${Buffer.from(token).toString('base64url')}`;
const fromWire = (presented: string) => (presented.startsWith(PREFIX) ? Buffer.from(presented.slice(PREFIX.length), 'base64url').toString() : presented);

/** How /refresh misbehaves, for tests and the demo. */
export type RefreshFault =
  | { type: 'delay'; ms: number } // answer normally, `ms` later
  | { type: 'gate'; open: Promise<unknown> } // answer normally once `open` settles (tests hold a request)
  | { type: 'drop' } // destroy the socket without an answer
  | { type: 'hang' } // never answer
  | { type: 'status'; status: number; retryAfter?: string } // answer this status with a JSON error (and Retry-After)
  | { type: 'error-body'; code?: number | string } // 200 with { code: 401 (or `code`), msg } (seed 003)
  | { type: 'malformed' } // 200 with an access token that is not a JWT
  | { type: 'missing' } // 200 without an access token
  | { type: 'garbage' } // 200 with an HTML page, as a captive portal or a misrouted proxy answers (nothing rotated)
  | { type: 'bearer-only' }; // like seed 003's backend: 200 { code: 401 } unless a Bearer header is sent

/** Options of {@link startAuthServer}. */
export interface AuthServerOptions {
  /** Access-token lifetime in seconds (default 20). */
  accessTtl?: number;
  /** Refresh-token lifetime in seconds (default 600); each rotation starts a new one. */
  refreshTtl?: number;
  /**
   * Maximum age of a login in seconds (default none): no refresh token of it lives past this
   * much after the login, however often it rotates (Keycloak's "SSO Session Max"). Answers
   * carry the time left as `refresh_expires_in`.
   */
  refreshMaxAge?: number;
  /**
   * A spent refresh token presented again within this window gets the login's current refresh
   * token (and a new access token) instead of a revocation (default 0: only within the same ms).
   */
  graceMs?: number;
  /** Carry the refresh token in an httpOnly cookie instead of the body. */
  cookie?: boolean;
  /** The server's clock; default `Date.now`. Tests skew or advance it. */
  now?: () => number;
  /**
   * Precision of the access tokens' `iat` (and so `exp`): whole seconds (default, as most
   * servers sign them) or milliseconds (fractional seconds, as some servers do).
   */
  claimPrecision?: 'seconds' | 'milliseconds';
  port?: number;
  /** Serve the files of this folder for other GET requests (test pages, the demo app). */
  staticDir?: string;
  /** Answer /admin/* (stats, revocations, network down/up) for the demo page. */
  admin?: boolean;
  /**
   * Say when the login happened: `loginAt` (epoch ms) in every token answer, or an OIDC
   * `auth_time` claim (epoch s) in every access token. Default: neither.
   */
  loginTime?: 'loginAt' | 'auth_time';
}

/** What the server counted; tests assert on these. */
export interface AuthCounters {
  logins: number;
  refreshCalls: number;
  refreshOk: number;
  refreshRejected: number;
  refreshWithBearer: number;
  reuseDetections: number;
  graceReuses: number;
  apiCalls: number;
  apiOk: number;
  apiExpired: number;
  apiUnauthorized: number;
  apiNoToken: number;
  /** Most refresh requests in flight at once. */
  refreshConcurrency: number;
  /** POST /revoke requests. */
  revocations: number;
  /** Refresh-token families (logins) a POST /revoke ended. */
  revokedFamilies: number;
}

/** One request as the server saw it. */
export interface SeenRequest {
  /** When it arrived, on the server's clock (epoch ms). */
  at: number;
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

const newCounters = (): AuthCounters => ({
  logins: 0,
  refreshCalls: 0,
  refreshOk: 0,
  refreshRejected: 0,
  refreshWithBearer: 0,
  reuseDetections: 0,
  graceReuses: 0,
  apiCalls: 0,
  apiOk: 0,
  apiExpired: 0,
  apiUnauthorized: 0,
  apiNoToken: 0,
  refreshConcurrency: 0,
  revocations: 0,
  revokedFamilies: 0,
});

/**
 * A real auth server on 127.0.0.1: JWT access tokens (HS256, jose), rotating refresh tokens
 * with reuse detection (the library's own `silent-session/server` families, in memory), an
 * optional httpOnly-cookie mode, a protected `/api/*` echo, counters and fault switches. Used by
 * the integration tests, the benchmarks and the demo.
 */
export async function startAuthServer(options: AuthServerOptions = {}) {
  const now = options.now ?? (() => Date.now());
  const secret = new Uint8Array(randomBytes(32));
  let accessTtl = options.accessTtl ?? 20;
  const families = createTokenFamilies({
    store: memoryFamilyStore(),
    grace: options.graceMs ?? 0,
    refreshTtl: (options.refreshTtl ?? 600) * 1000,
    ...(options.refreshMaxAge === undefined ? {} : { maxSessionAge: options.refreshMaxAge * 1000 }),
    now,
    onEvent(event: FamilyEvent) {
      // a family a POST /revoke ended (revokeAll revokes by subject, and a dead token ends nothing)
      if (event.type === 'revoked' && event.by === 'token') counters.revokedFamilies++;
    },
  });
  /** Everyone who logged in, for `revokeAll` ("sign out everyone"). */
  const subjects = new Set<string>();
  /** Revocations under way: refreshes and token checks wait for them. */
  let revoking: Promise<unknown> = Promise.resolve();
  let counters = newCounters();
  let fault: { fault: RefreshFault; times: number } | null = null;
  let generation = 0; // access tokens of an older generation are refused
  let inFlight = 0;
  let networkDown = false;
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  /** An access token of the login `family` (started at `loginAt`, epoch ms). */
  async function signAccess(user: string, family: string, loginAt: number | undefined): Promise<string> {
    const iat = options.claimPrecision === 'milliseconds' ? Math.floor(now()) / 1000 : Math.floor(now() / 1000);
    const authTime = options.loginTime === 'auth_time' && loginAt !== undefined ? { auth_time: Math.floor(loginAt / 1000) } : {};
    return new SignJWT({ sid: family, jti: randomBytes(8).toString('hex'), gen: generation, ...authTime })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user)
      .setIssuedAt(iat)
      .setExpirationTime(iat + accessTtl)
      .sign(secret);
  }

  /** A login: a new family, its first refresh token and an access token. */
  async function start(user: string) {
    const issued = await families.issue(user);
    subjects.add(user);
    return { ...issued, accessToken: await signAccess(user, issued.familyId, issued.loginAt) };
  }

  function revokeAll(): Promise<void> {
    revoking = Promise.all([revoking, ...[...subjects].map((subject) => families.revoke({ subject }))]);
    return revoking.then(() => {});
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}) {
    res.writeHead(status, {
      'content-type': 'application/json',
      date: new Date(now()).toUTCString(),
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  /** The token answer of a login or a refresh: `refreshToken` is the families' token. */
  function tokenBody(answer: { accessToken: string; refreshToken: string; refreshExpiresAt: number; loginAt: number }, res: ServerResponse) {
    // seconds the refresh token has left, as Keycloak says it (whole seconds, rounded down)
    const left = Math.max(0, Math.floor((answer.refreshExpiresAt - now()) / 1000));
    const refreshToken = toWire(answer.refreshToken);
    const loginAt = options.loginTime === 'loginAt' ? { loginAt: answer.loginAt } : {};
    if (options.cookie) {
      const cookie = `rt=${refreshToken}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${left}`;
      return send(res, 200, { accessToken: answer.accessToken, expiresIn: accessTtl, refresh_expires_in: left, ...loginAt }, { 'set-cookie': cookie });
    }
    send(res, 200, { accessToken: answer.accessToken, refreshToken, expiresIn: accessTtl, refresh_expires_in: left, ...loginAt });
  }

  async function verify(authorization: string | undefined) {
    if (!authorization?.startsWith('Bearer ')) return { ok: false as const, why: 'no-token' as const };
    try {
      const { payload } = await jwtVerify(authorization.slice(7), secret, { currentDate: new Date(now()) });
      // jose compares `exp` with the current time in whole seconds: a fractional `exp` (a 1.5 s
      // lifetime, millisecond claims) is checked here to the millisecond
      if (typeof payload.exp === 'number' && payload.exp * 1000 <= now()) return { ok: false as const, why: 'expired' as const };
      await revoking;
      const revoked = Number(payload.gen) < generation || (await families.status(String(payload.sid))) === 'revoked';
      return revoked ? { ok: false as const, why: 'revoked' as const } : { ok: true as const, payload };
    } catch (error) {
      return { ok: false as const, why: error instanceof joseErrors.JWTExpired ? ('expired' as const) : ('invalid' as const) };
    }
  }

  async function refresh(req: IncomingMessage, res: ServerResponse, body: string) {
    counters.refreshCalls++;
    if (req.headers.authorization?.startsWith('Bearer ')) counters.refreshWithBearer++;
    const active = fault && fault.times > 0 ? fault.fault : null;
    if (active && fault) fault.times--;
    if (active?.type === 'drop') return req.socket.destroy();
    if (active?.type === 'hang') return;
    if (active?.type === 'delay') await new Promise((r) => setTimeout(r, active.ms));
    if (active?.type === 'gate') await active.open.catch(() => {});
    if (active?.type === 'status') {
      const retryAfter = active.retryAfter === undefined ? {} : { 'retry-after': active.retryAfter };
      return send(res, active.status, { error: 'server_error', message: `fault ${active.status}` }, retryAfter);
    }
    if (active?.type === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html', date: new Date(now()).toUTCString() });
      return void res.end('<!doctype html><title>Sign in to the Wi-Fi</title><p>Please accept the terms.</p>');
    }
    if (active?.type === 'error-body') return send(res, 200, { code: active.code ?? 401, msg: 'Invalid token type' });
    if (active?.type === 'bearer-only' && !req.headers.authorization) return send(res, 200, { code: 401, msg: 'Invalid token type' });

    const presented = readRefreshToken(req, body);
    if (!presented) {
      counters.refreshRejected++;
      return send(res, 401, { error: 'invalid_grant', error_description: 'no refresh token' });
    }
    await revoking;
    const rotation = await families.rotate(fromWire(presented));
    if (!rotation.ok) {
      counters.refreshRejected++;
      if (rotation.reason === 'reused') counters.reuseDetections++;
      return send(res, 401, { error: 'invalid_grant', error_description: `refresh token ${rotation.reason === 'reused' ? 'reuse' : rotation.reason}` });
    }
    // within the grace window a spent token gets the family's current token (not a new branch)
    if (rotation.replayed) counters.graceReuses++;
    const accessToken = await signAccess(rotation.subject, rotation.familyId, rotation.loginAt);
    counters.refreshOk++;
    const refreshToken = toWire(rotation.refreshToken);
    if (active?.type === 'malformed') return send(res, 200, { accessToken: 'eyJhbGciOiJIUzI1NiJ9.not-base64!.sig', refreshToken, expiresIn: accessTtl });
    if (active?.type === 'missing') return send(res, 200, { refreshToken, expiresIn: accessTtl });
    tokenBody({ ...rotation, accessToken }, res);
  }

  /** POST /revoke: ends the login of the refresh token in the body (or cookie), RFC 7009 style. */
  async function revoke(req: IncomingMessage, res: ServerResponse, body: string) {
    const presented = readRefreshToken(req, body);
    if (presented) await families.revoke(fromWire(presented)); // counted in revokedFamilies by onEvent when it ended one
    counters.revocations++; // once the revocation is done: a test that sees this count sees its outcome
    if (!presented) return send(res, 400, { error: 'invalid_request', error_description: 'no refresh token' });
    // an unknown or already revoked token is answered the same way (RFC 7009 §2.2)
    return send(res, 200, { ok: true }, options.cookie ? { 'set-cookie': 'rt=; HttpOnly; Path=/; Max-Age=0' } : {});
  }

  function readRefreshToken(req: IncomingMessage, body: string): string | undefined {
    const header = req.headers['x-refresh-token'];
    if (typeof header === 'string') return header;
    const cookie = /(?:^|;\s*)rt=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (cookie) return cookie;
    try {
      const json = JSON.parse(body) as { refreshToken?: string; refresh_token?: string };
      return json.refreshToken ?? json.refresh_token;
    } catch {
      return undefined;
    }
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, body: string) {
    counters.apiCalls++;
    const bodyStyle = url.searchParams.get('style') === 'body'; // errors as 200 { code: 401 }
    const deny = (status: number, error: string) => {
      counters.apiUnauthorized++;
      return bodyStyle ? send(res, 200, { code: 401, msg: error }) : send(res, status, { error });
    };
    // `?delay=ms` holds the request before the token is checked (a slow request whose 401
    // arrives after other requests have already refreshed)
    const delay = Number(url.searchParams.get('delay') ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const result = await verify(req.headers.authorization);
    if (!result.ok) {
      if (result.why === 'expired') counters.apiExpired++;
      if (result.why === 'no-token') counters.apiNoToken++;
      return deny(401, result.why);
    }
    if (url.pathname === '/api/always-401') return deny(401, 'always');
    counters.apiOk++;
    const headers: Record<string, string> = {};
    if (url.pathname === '/api/renew') {
      const authTime = result.payload.auth_time;
      headers['x-access-token'] = await signAccess(String(result.payload.sub), String(result.payload.sid), typeof authTime === 'number' ? authTime * 1000 : undefined);
    }
    send(res, 200, {
      ok: true,
      user: result.payload.sub,
      method: req.method,
      path: url.pathname,
      query: url.search,
      contentType: req.headers['content-type'] ?? null,
      body,
    }, headers);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({
      at: now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    });
    if (seen.length > 20_000) seen.splice(0, 10_000);

    if (options.admin && url.pathname.startsWith('/admin/')) return admin(req, res, url);
    // "network down": every non-admin request is dropped without an answer, like a dead link
    if (networkDown && !url.pathname.startsWith('/admin/') && extname(url.pathname) === '') return req.socket.destroy();

    if (req.method === 'POST' && url.pathname === '/login') {
      counters.logins++;
      const { username = 'user' } = (JSON.parse(body || '{}') as { username?: string });
      return tokenBody(await start(username), res);
    }
    if (req.method === 'POST' && url.pathname === '/refresh') {
      inFlight++;
      counters.refreshConcurrency = Math.max(counters.refreshConcurrency, inFlight);
      try {
        return await refresh(req, res, body);
      } finally {
        inFlight--;
      }
    }
    if (req.method === 'POST' && url.pathname === '/revoke') return revoke(req, res, body);
    if (url.pathname.startsWith('/api/')) return api(req, res, url, body);
    if (req.method === 'GET' && options.staticDir) return serveFile(res, options.staticDir, url.pathname);
    send(res, 404, { error: 'not_found' });
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (url.pathname === '/admin/stats') return send(res, 200, { ...counters, accessTtl, networkDown });
    if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed' });
    if (url.pathname === '/admin/revoke-access') generation++;
    else if (url.pathname === '/admin/revoke-sessions') await revokeAll();
    else if (url.pathname === '/admin/network') networkDown = url.searchParams.get('up') !== '1';
    else if (url.pathname === '/admin/reset') counters = newCounters();
    else return send(res, 404, { error: 'not_found' });
    send(res, 200, { ok: true, networkDown });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'internal', message: String(error) });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    /** Live counters (replaced by `resetCounters`). */
    get counters(): AuthCounters {
      return counters;
    },
    resetCounters() {
      counters = newCounters();
      seen.length = 0;
    },
    /** Requests seen since the last reset, oldest first. */
    seen,
    /** Makes the next `times` refresh requests misbehave (default: all, until cleared). */
    setFault(next: RefreshFault | null, times = Infinity) {
      fault = next ? { fault: next, times } : null;
    },
    setAccessTtl(seconds: number) {
      accessTtl = seconds;
    },
    /**
     * Logs in over HTTP, as a browser would, and returns the answer as a TokenSet (the wire's
     * `refresh_expires_in` as `refreshExpiresIn`), ready for `session.login()`.
     */
    async login(username = 'user'): Promise<{ accessToken: string; refreshToken?: string; expiresIn: number; refreshExpiresIn: number }> {
      const res = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST', body: JSON.stringify({ username }) });
      const { refresh_expires_in: refreshExpiresIn, ...rest } = (await res.json()) as { accessToken: string; refreshToken?: string; expiresIn: number; refresh_expires_in: number };
      return { ...rest, refreshExpiresIn };
    },
    /** Issues a pair directly, e.g. with a short TTL. */
    async issuePair(username = 'user'): Promise<IssuedPair> {
      const { accessToken, refreshToken } = await start(username);
      return { accessToken, refreshToken: toWire(refreshToken) };
    },
    /**
     * Checks an `Authorization` value the way /api/* does and counts it in the same api*
     * counters: for test servers of other protocols (GraphQL over HTTP and WebSocket).
     */
    async authorize(authorization: string | undefined): Promise<{ ok: true; user: string } | { ok: false; why: 'no-token' | 'expired' | 'revoked' | 'invalid' }> {
      counters.apiCalls++;
      const result = await verify(authorization);
      if (result.ok) {
        counters.apiOk++;
        return { ok: true, user: String(result.payload.sub) };
      }
      counters.apiUnauthorized++;
      if (result.why === 'expired') counters.apiExpired++;
      if (result.why === 'no-token') counters.apiNoToken++;
      return { ok: false, why: result.why };
    },
    /** Every access token issued so far stops working (refresh tokens still work). */
    revokeAccessTokens() {
      generation++;
    },
    /** Every refresh-token family is revoked: the next refresh is refused (no need to await it). */
    revokeAll,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

async function serveFile(res: ServerResponse, root: string, pathname: string) {
  const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(root, relative);
  if (!file.startsWith(normalize(root) + sep) && file !== normalize(root)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const content = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(content);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

/** A started auth server. */
export type AuthServer = Awaited<ReturnType<typeof startAuthServer>>;
