import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTokenFamilies, toNodeHandler, type FamilyEvent } from '../../src/server.js';
import { appHandlers } from '../server/helpers/app.js';
import { launchBrowser } from './harness.js';

// The server half's cookie mode in real Chromium, on plain http://127.0.0.1 as in development:
// the __Host- Secure cookie is kept and sent back, the page's script never sees it, and a page on
// another port — another origin, but the same site, so SameSite=Strict still sends the cookie —
// cannot make it rotate.
let browser: Browser;
const servers: Server[] = [];
const events: FamilyEvent[] = [];
const statuses: number[] = [];

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let app: string;
let evil: string;
beforeAll(async () => {
  const families = createTokenFamilies({ onEvent: (e) => events.push(e) });
  const handlers = appHandlers({ families, cookie: {}, onWarning: () => {} });
  const refresh = toNodeHandler(async (request) => {
    const response = await handlers.refresh(request);
    statuses.push(response.status);
    return response;
  });
  const login = toNodeHandler(handlers.login);
  const page = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title>');
  app = await listen((req, res) => (req.url === '/auth/refresh' ? refresh(req, res) : req.url === '/auth/login' ? login(req, res) : page(res)));
  evil = await listen((_, res) => page(res));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.close();
});

it('keeps the __Host- refresh cookie on http://127.0.0.1, out of script reach, and refuses another origin of the same site', async () => {
  const context = await browser.newContext();
  const mine = await context.newPage();
  await mine.goto(app);
  const post = (path: string) =>
    mine.evaluate(async (p) => {
      const res = await fetch(p, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{"username":"ann"}' });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }, path);
  const login = await post('/auth/login');
  expect(login.status).toBe(200);
  expect(login.body.refreshToken).toBeUndefined();
  expect((await post('/auth/refresh')).status).toBe(200);
  expect(await mine.evaluate(() => document.cookie)).toBe(''); // httpOnly
  expect((await context.cookies(app)).map((c) => [c.name, c.httpOnly, c.secure, c.sameSite])).toEqual([['__Host-refresh', true, true, 'Strict']]);

  const other = await context.newPage();
  await other.goto(evil);
  const attempts = await other.evaluate(async (target) => {
    const cors = await fetch(`${target}/auth/refresh`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
      (r) => `answered ${r.status}`,
      () => 'blocked',
    );
    // a "simple" request, as a cross-site form would send: no preflight, the cookie goes along
    const form = await fetch(`${target}/auth/refresh`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }).then(
      (r) => r.type,
      () => 'failed',
    );
    return { cors, form };
  }, app);
  expect(attempts).toEqual({ cors: 'blocked', form: 'opaque' });
  expect(statuses).toEqual([200, 405, 403]); // the preflight (OPTIONS) and the form post, both refused
  expect((await post('/auth/refresh')).status).toBe(200); // the user's cookie still works
  expect(events.filter((e) => e.type === 'rotated').map((e) => e.type === 'rotated' && e.seq)).toEqual([1, 2]);
  await context.close();
});
