import axios from 'axios';
import ky2 from 'ky';
import ky1 from 'ky1';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createSession, isSessionError, type SessionError, type TokenSet } from '../../src/index.js';
import { authServer } from '../helpers/server.js';
import { leaksIn, needlesOf, walkReachable } from '../helpers/reachable.js';

// Issue 19 item 2 / DESIGN rule 11 (v3): nothing the session surfaces reaches a credential.
// A custom `refresh` (and `revoke`) on a real HTTP client fails against the real auth server
// (500, 401) or a refused port; the refresh token rides in a header, a JSON body or the URL
// query. snapshot.error, the error a waiting getAccessToken() rejects with, onLoggedOut's
// reason, every warning and what the inspector sees are read the ways an error reporter reads
// them (util.inspect with hidden properties, JSON.stringify, structuredClone, a walk of every
// reachable property): not even the first 16 characters of a token may show.

// '+', '/' and '=' are encoded in a URL query, so both spellings are looked for.
const REFRESH = 'rt.whole-refresh-0123456789abcdef+ghij/klmn=opqr';
const ACCESS = 'at.whole-access-0123456789abcdef+ghij/klmn=stuv';
const SECRETS = [REFRESH, ACCESS];

type Placement = 'header' | 'body' | 'query';
type Failure = '500' | '401' | 'refused';
/** One token request as an app writes it with its HTTP client; rejects however the client does. */
type Call = (url: string, placement: Placement, token: string, signal: AbortSignal) => Promise<unknown>;

const target = (url: string, placement: Placement, token: string) =>
  placement === 'query' ? `${url}?refresh_token=${encodeURIComponent(token)}` : url;
const headersOf = (placement: Placement, token: string): Record<string, string> => (placement === 'header' ? { 'X-Refresh-Token': token } : {});
const bodyOf = (placement: Placement, token: string) => (placement === 'body' ? { refreshToken: token } : {});

const clients: Array<[string, Call]> = [
  ['axios (Node http adapter)', (url, p, token, signal) => axios.post(target(url, p, token), bodyOf(p, token), { headers: headersOf(p, token), signal })],
  ['axios (fetch adapter)', (url, p, token, signal) => axios.post(target(url, p, token), bodyOf(p, token), { headers: headersOf(p, token), signal, adapter: 'fetch' })],
  ['ky 1', (url, p, token, signal) => ky1.post(target(url, p, token), { json: bodyOf(p, token), headers: headersOf(p, token), signal, retry: 0 }).json()],
  ['ky 2', (url, p, token, signal) => ky2.post(target(url, p, token), { json: bodyOf(p, token), headers: headersOf(p, token), signal, retry: 0 }).json()],
  [
    'fetch, throwing the Response',
    async (url, p, token, signal) => {
      const res = await fetch(target(url, p, token), { method: 'POST', headers: { 'content-type': 'application/json', ...headersOf(p, token) }, body: JSON.stringify(bodyOf(p, token)), signal });
      if (!res.ok) throw res;
      return res.json();
    },
  ],
  [
    'fetch, in a wrapper whose error keeps the Request and the options',
    async (url, p, token, signal) => {
      const options: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json', ...headersOf(p, token) }, body: JSON.stringify(bodyOf(p, token)), signal };
      const request = new Request(target(url, p, token), options);
      let res: Response;
      try {
        res = await fetch(request.clone());
      } catch (cause) {
        throw Object.assign(new Error(`${request.method} ${request.url} failed`, { cause }), { request, options });
      }
      if (!res.ok) throw Object.assign(new Error(`${request.method} ${request.url}: ${res.status}`), { request, options, response: res, status: res.status });
      return res.json();
    },
  ],
];

/** A port on 127.0.0.1 nothing listens on. */
async function refusedUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/refresh`;
}

async function run(call: Call, placement: Placement, failure: Failure) {
  const server = await authServer();
  if (failure !== 'refused') server.setFault({ type: 'status', status: Number(failure) });
  const url = failure === 'refused' ? await refusedUrl() : `${server.url}/refresh`;
  const warnings: string[] = [];
  const loggedOut: Array<SessionError | null> = [];
  const inspected: InspectionEvent[] = [];
  const session = createSession({
    refresh: ({ refreshToken, signal }) => call(url, placement, refreshToken as string, signal) as Promise<TokenSet>,
    revoke: async ({ refreshToken, signal }) => void (await call(url, placement, refreshToken as string, signal)),
    retry: { attempts: 0 },
    wake: false,
    onWarning: (message) => warnings.push(message),
    onLoggedOut: (reason) => loggedOut.push(reason),
    inspect: (event) => inspected.push(event),
  });
  onTestFinished(() => session.stop());
  session.login({ accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 600 });
  const rejection = await session.refresh().then(
    () => expect.unreachable('the refresh cannot succeed'),
    (error: unknown) => error,
  );
  const error = session.getSnapshot().error;
  await session.logout(); // revokes through the same client, which fails the same way: a warning
  // what the inspector received about the failure: the event, and the errors in snapshots
  const seenByInspector = inspected.flatMap((e) =>
    e.type === '@xstate.event' && e.event.type === 'REFRESH_FAILED' ? [e.event] : e.type === '@xstate.snapshot' ? [(e.snapshot as { context?: { error?: unknown } }).context?.error ?? null] : [],
  );
  return { server, url, rejection, error, warnings, loggedOut, inspected, seenByInspector };
}

const cases = (['header', 'body', 'query'] as const).flatMap((placement) => (['500', '401', 'refused'] as const).map((failure) => [placement, failure] as const));

describe.each(clients)('a custom refresh on %s', (client, call) => {
  it.each(cases)('the refresh token in the %s, the server answering %s: no surface holds a token', async (placement, failure) => {
    const t = await run(call, placement, failure);
    const surfaces: Array<[string, unknown]> = [
      ['snapshot.error', t.error],
      ['the rejection of a waiting getAccessToken()', t.rejection],
      ...t.loggedOut.map((reason): [string, unknown] => ['onLoggedOut reason', reason]),
      ...t.warnings.map((warning): [string, unknown] => ['onWarning', warning]),
      ['what the inspector saw', t.seenByInspector],
    ];
    const leaks = surfaces.flatMap(([name, value]) => leaksIn(value, SECRETS).map((leak) => `${name}: ${leak}`));
    // and everything else the inspector received, walked (its actor refs hold functions, so
    // there is no structuredClone of it, and util.inspect would print the whole machine)
    const all = walkReachable(t.inspected, SECRETS.flatMap(needlesOf));
    leaks.push(...all.found.map((f) => `inspection events: ${f}`), ...(all.complete ? [] : ['inspection events: not walked to the end']));
    expect(leaks).toEqual([]);

    // the session still says what went wrong, and the cause still tells the story
    expect(isSessionError(t.error)).toBe(true);
    expect(t.rejection).toBe(t.error);
    if (failure === '401') {
      expect(t.error).toMatchObject({ kind: 'rejected', status: 401 });
      expect(t.loggedOut).toEqual([t.error]);
    } else {
      expect(t.error).toMatchObject(failure === '500' ? { kind: 'http', status: 500 } : { kind: 'network' });
      expect(t.warnings.filter((w) => w.includes('revoking'))).toHaveLength(1);
    }
    const chain = causesOf(t.error);
    expect(chain.length).toBeGreaterThan(0);
    if (failure === 'refused') {
      expect(chain.some((c) => c.code === 'ECONNREFUSED' || c.code === 'ERR_NETWORK' || /ECONNREFUSED|fetch failed|Network Error/i.test(c.message))).toBe(true);
    } else {
      // status, method and the URL without its query, where the client said them (a Response
      // does not know the method that asked for it)
      expect(chain[0]).toMatchObject({ status: Number(failure), url: `${t.server.url}/refresh` });
      expect(chain[0]?.method).toBe(client.includes('throwing the Response') ? undefined : 'POST');
    }
  });
});

/** The causes below a session error, as plain records. */
function causesOf(error: unknown): Array<{ name: string; message: string; code?: unknown; status?: unknown; method?: unknown; url?: unknown }> {
  const out = [];
  for (let e = (error as { cause?: unknown })?.cause, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) out.push(e as Error & { code?: unknown });
  return out;
}
