import { serve as honoServe } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { SignJWT } from 'jose';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  loginResponse,
  refreshHandler,
  revokeHandler,
  toNodeHandler,
  type AccessToken,
  type CookieOptions,
  type TokenFamilies,
  type WebHandler,
} from '../../../src/server.js';

export interface AppOptions {
  families: TokenFamilies;
  cookie?: CookieOptions;
  /** Access-token lifetime in seconds (default 60). */
  accessTtl?: number;
  onWarning?: (message: string) => void;
  now?: () => number;
  /** Replaces the app's signer (e.g. one that fails). */
  sign?: (subject: string, extra: Record<string, unknown>, context: { familyId: string }) => Promise<AccessToken>;
}

const secret = new TextEncoder().encode('test-secret-test-secret-test-secret!');

/** The app's own login, and the library's refresh and logout handlers, as web handlers. */
export function appHandlers(options: AppOptions): Record<'login' | 'refresh' | 'logout', WebHandler> {
  const now = options.now ?? (() => Date.now());
  const signAccessToken =
    options.sign ??
    (async (subject: string, extra: Record<string, unknown>, { familyId }: { familyId: string }) => {
      const expiresIn = options.accessTtl ?? 60;
      const iat = Math.floor(now() / 1000);
      const accessToken = await new SignJWT({ ...extra, sid: familyId }).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuedAt(iat).setExpirationTime(iat + expiresIn).sign(secret);
      return { accessToken, expiresIn };
    });
  const common = { families: options.families, ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.onWarning ? { onWarning: options.onWarning } : {}), now };
  return {
    async login(request) {
      const { username = 'user' } = (await request.json()) as { username?: string };
      const issued = await options.families.issue(username, { name: username });
      return loginResponse(issued, await signAccessToken(username, { name: username }, issued), { ...(options.cookie ? { cookie: options.cookie } : {}), now });
    },
    refresh: refreshHandler({ ...common, signAccessToken }),
    logout: revokeHandler(common),
  };
}

export type Framework = 'node:http' | 'hono' | 'express';

const ROUTES = { '/auth/login': 'login', '/auth/refresh': 'refresh', '/auth/logout': 'logout' } as const;

/** Serves the handlers on 127.0.0.1 through `framework`; `close()` stops it. */
export async function serveApp(framework: Framework, handlers: Record<'login' | 'refresh' | 'logout', WebHandler>, port = 0) {
  let server: Server;
  if (framework === 'hono') {
    const app = new Hono();
    for (const [path, name] of Object.entries(ROUTES)) app.all(path, (c) => handlers[name](c.req.raw));
    server = await new Promise<Server>((resolve) => {
      const s = honoServe({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
  } else {
    const listener =
      framework === 'express'
        ? (() => {
            const app = express();
            app.use(express.json()); // a body parser before the handlers, as many apps have
            for (const [path, name] of Object.entries(ROUTES)) app.all(path, toNodeHandler(handlers[name]));
            return app;
          })()
        : (() => {
            const routes = Object.fromEntries(Object.entries(ROUTES).map(([path, name]) => [path, toNodeHandler(handlers[name])]));
            return (req: IncomingMessage, res: ServerResponse) => {
              const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
              if (route) route(req, res);
              else res.writeHead(404).end();
            };
          })();
    server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  }
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
