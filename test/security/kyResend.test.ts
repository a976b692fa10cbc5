import ky, { isHTTPError, type HTTPError } from 'ky';
import { describe, expect, it } from 'vitest';
import { kyHooks, withSession } from '../../src/ky.js';
import { kyBase } from '../helpers/ky.js';
import { probeServer } from '../helpers/probe.js';
import { loggedInSession } from '../helpers/server.js';

// Fail-over code sends a failed ky request again: `new Request(mirror, error.request)`. The
// adapter's own Authorization must not travel to an origin that is not allowed, through the
// adapter or around it (the Request in ky's errors no longer holds it).

describe('ky: HTTPError.request sent again', () => {
  it.each(['withSession', 'kyHooks'] as const)('%s: the request in an HTTPError carries no token, and re-sending it to a mirror sends none', async (kind) => {
    const { server, session } = await loggedInSession();
    const mirror = await probeServer();
    // a logging fetch under the adapter keeps the Requests it sends
    const kept: Request[] = [];
    const base = { ...kyBase(`${server.url}/`), retry: 0, fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      if (input instanceof Request) kept.push(input.clone());
      return fetch(input, init);
    } };
    const api = kind === 'withSession' ? withSession(ky.create(base), session) : ky.create({ ...base, hooks: kyHooks(session) });
    const failed = (await api.get('api/always-401').catch((e: unknown) => e)) as HTTPError;
    expect(isHTTPError(failed)).toBe(true);
    expect(failed.request.headers.get('authorization')).toBeNull();
    expect(kept[0]?.headers.get('authorization')).toMatch(/^Bearer ey/); // what the adapter sent
    await api(new Request(`${mirror.url}/through-the-adapter`, kept[0]));
    await fetch(new Request(`${mirror.url}/around-it`, failed.request));
    expect(mirror.authorizations()).toEqual([undefined, undefined]);
    expect(server.seen.filter((r) => r.path === '/api/always-401').map((r) => r.authorization?.startsWith('Bearer ey'))).toEqual([true, true]);
    session.stop();
  });
});
