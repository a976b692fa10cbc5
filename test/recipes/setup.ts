import { onTestFinished } from 'vitest';
import { createSession, isSessionError, jsonRefresh } from '../../src/index.js';
import { authServer, jumpClock } from '../helpers/server.js';

/**
 * A real auth server and a session logged in to it, sharing a clock the test can jump (a
 * laptop lid closed): after `expire()` the access token is past its `exp` for both.
 */
export async function loggedIn() {
  const clock = jumpClock();
  const auth = await authServer({ accessTtl: 60, now: clock.now });
  const session = createSession({
    refresh: jsonRefresh({ url: `${auth.url}/refresh` }),
    now: clock.now,
    retry: { attempts: 0 },
    wake: false,
    onWarning: () => {},
  });
  onTestFinished(() => session.stop());
  session.login(await auth.login('ann'));
  auth.resetCounters();
  return {
    clock,
    auth,
    session,
    /** The access token expires (120 s pass on both clocks; no timer fires). */
    expire: () => clock.advance(120_000),
    /** The server revokes the session and the token expires: the next refresh is refused. */
    revokeAndExpire() {
      auth.revokeAll();
      clock.advance(120_000);
    },
  };
}

/** The SessionError kind somewhere in an error or its causes, else the error's name. */
export function kindOf(error: unknown): string {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (isSessionError(e)) return e.kind;
    e = (e as { cause?: unknown; networkError?: unknown }).networkError ?? (e as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : String(error);
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);
