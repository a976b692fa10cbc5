import { onTestFinished } from 'vitest';
import { startAuthServer, type AuthServerOptions } from '../../demo/server/authServer.js';
import { createSession, jsonRefresh } from '../../src/index.js';

/** Starts a real auth server on 127.0.0.1 that the current test stops when it ends. */
export async function authServer(options: AuthServerOptions = {}) {
  const server = await startAuthServer(options);
  onTestFinished(() => server.close());
  return server;
}

/** A real auth server and a session logged in to it with jsonRefresh, counters at zero. */
export async function loggedInSession() {
  const server = await authServer();
  const session = createSession({ refresh: jsonRefresh({ url: `${server.url}/refresh` }), wake: false });
  session.login(await server.login());
  server.resetCounters();
  return { server, session };
}

/** Real time plus a jump the test makes (a laptop lid closed), shared by server and session. */
export function jumpClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      offset += ms;
    },
  };
}

/** fetch with a cookie jar, as a browser does for `credentials: 'include'`. */
export function cookieFetch(): typeof fetch {
  const jar = new Map<string, string>();
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pairPart] = line.split(';');
      const [name, ...rest] = (pairPart ?? '').split('=');
      const value = rest.join('=');
      if (!name) continue;
      if (value === '' || /max-age=0/i.test(line)) jar.delete(name.trim());
      else jar.set(name.trim(), value);
    }
    return res;
  };
}
