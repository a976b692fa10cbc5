import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, isSessionError, jsonRefresh, webStorage, type StorageLike } from '../../src/index.js';

// Issue 12.10: a token is a JWT only if it has three segments and the first decodes to a
// JSON object naming an `alg`. Other tokens with two dots (PASETO `v4.local.…`, GitHub-style
// `gho_abc.def.ghi`) are opaque: accepted, claims null. A real JWT whose payload does not
// decode is still refused as `invalid-response`, redacted.

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256)).toString('base64url');

const OPAQUE: Record<string, string> = {
  'PASETO v4.local': `v4.local.${random(64)}`,
  'PASETO v4.public with a footer': `v4.public.${random(96)}.${b64({ kid: 'k1' })}`,
  'gho_abc.def.ghi': 'gho_abc.def.ghi',
  'three segments, the first JSON without alg': `${b64({ typ: 'not-a-jwt' })}.${b64({ sub: 'x' })}.sig`,
  'three segments, the first a JSON array': `${b64(['alg'])}.${b64({ sub: 'x' })}.sig`,
  'three segments, the first not base64 JSON': 'abc!.def.ghi-0123456789',
  'a JWT-looking prefix with four segments': `${b64({ alg: 'HS256' })}.${b64({ sub: 'x' })}.sig.extra`,
};

const jwtHeader = b64({ alg: 'HS256', typ: 'JWT' });
const BROKEN_JWT: Record<string, string> = {
  'a payload that is not base64 JSON': `${jwtHeader}.not-base64!.c2lnbmF0dXJl`,
  'a payload that is a JSON string': `${jwtHeader}.${b64('"just a string"')}.c2lnbmF0dXJl`,
  'a payload that is an array': `${jwtHeader}.${b64([1, 2])}.c2lnbmF0dXJl`,
  'an exp that is a string': `${jwtHeader}.${b64({ sub: 'x', exp: 'tomorrow' })}.c2lnbmF0dXJl`,
};

const KEY = 'app.session';
function localStorageLike(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

/** A refresh endpoint on 127.0.0.1 that answers `accessToken`. */
async function refreshEndpoint(accessToken: string) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: accessToken, refresh_token: 'refresh-2-0123456789', expires_in: 600 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/refresh`;
}

function start(url: string, local = localStorageLike()) {
  const session = createSession({ refresh: jsonRefresh({ url }), storage: webStorage(local, { key: KEY }), wake: false, retry: { attempts: 0 }, onWarning: () => {} });
  onTestFinished(() => session.stop());
  return { session, local };
}

describe.each(Object.entries(OPAQUE))('an opaque token: %s', (_, token) => {
  it('is accepted at login, in a refresh answer and from storage after a reload, with claims null', async () => {
    const url = await refreshEndpoint(token);
    const { session, local } = start(url);
    session.login({ accessToken: token, refreshToken: 'refresh-1-0123456789', expiresIn: 600 });
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: token, claims: null });

    session.login({ accessToken: 'opaque-before-0123456789', refreshToken: 'refresh-1-0123456789', expiresIn: 600 });
    await expect(session.refresh()).resolves.toBe(token);
    expect(session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: token, claims: null });
    session.stop();

    const reload = start(url, local);
    expect(reload.session.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: token, claims: null });
  });
});

describe.each(Object.entries(BROKEN_JWT))('a JWT (header with alg) with %s', (_, token) => {
  it('is refused as invalid-response at login and in a refresh answer, the message redacted', async () => {
    const url = await refreshEndpoint(token);
    const { session } = start(url);
    let thrown: unknown;
    try {
      session.login({ accessToken: token, refreshToken: 'refresh-1-0123456789', expiresIn: 600 });
    } catch (error) {
      thrown = error;
    }
    expect(isSessionError(thrown) && thrown.kind).toBe('invalid-response');
    expect((thrown as Error).message).not.toContain(token);
    expect(session.getSnapshot().status).toBe('loggedOut');

    session.login({ accessToken: 'opaque-before-0123456789', refreshToken: 'refresh-1-0123456789', expiresIn: 600 });
    const error = await session.refresh().catch((e: unknown) => e);
    expect(isSessionError(error) && error.kind).toBe('invalid-response');
    expect((error as Error).message).not.toContain(token);
    expect(session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: 'opaque-before-0123456789' });
  });
});
