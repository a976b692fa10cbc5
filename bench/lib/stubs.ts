import { AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { createSession, memoryStorage, type Session } from 'silent-session';

/** A host nobody resolves: the stubs answer before any network code runs. */
export const API = 'http://api.test';
const BODY = '{"ok":true}';
const JSON_HEADERS = { 'content-type': 'application/json' };

/** fetch that answers at once with a fresh 200 JSON Response. */
export const stubFetch = ((_input: RequestInfo | URL, _init?: RequestInit) =>
  Promise.resolve(new Response(BODY, { status: 200, headers: JSON_HEADERS }))) as typeof fetch;

/** An axios adapter that answers at once (axios still runs its transforms on it). */
export const stubAdapter = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> =>
  Promise.resolve({ data: BODY, status: 200, statusText: 'OK', headers: new AxiosHeaders(JSON_HEADERS), config, request: {} });

/** A JWT-shaped token (unsigned: nothing verifies it in-process). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}.c2lnbmF0dXJl`;
}

/** A logged-in session whose token is valid for a day; refresh answers at once. */
export function stubSession(extra: Partial<Parameters<typeof createSession>[0]> = {}): Session {
  const iat = Math.floor(Date.now() / 1000);
  let n = 0;
  const session = createSession({
    refresh: async () => ({ accessToken: fakeJwt({ sub: 'bench', iat, exp: iat + 86_400, n: ++n }), refreshToken: `r${n}` }),
    storage: memoryStorage(),
    wake: false,
    ...extra,
  });
  session.login({ accessToken: fakeJwt({ sub: 'bench', iat, exp: iat + 86_400 }), refreshToken: 'r0' });
  return session;
}
