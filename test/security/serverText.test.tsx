// @vitest-environment jsdom
import { act, cleanup, render } from '@testing-library/react';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  createSession,
  jsonRefresh,
  SessionError,
  type RefreshFunction,
  type SessionError as SessionErrorType,
} from '../../src/index.js';
import { SessionPanel, SessionStatechart } from '../../src/devtools.js';
import { fakeJwt } from '../helpers/refreshStub.js';
import { messagesOf } from '../helpers/integration.js';

// Issue 12.11 / DESIGN rule 11 (v2): text a server (or a network layer) writes is copied into
// errors, but never with a whole token in it. A real session against a real node:http server
// whose error bodies quote the tokens it was sent: onLoggedOut's reason, snapshot.error (and
// its cause chain), every warning, and what the SessionPanel and SessionStatechart show hold
// at most a token's last four characters. The session scrubs the tokens it knows; jsonRefresh
// scrubs what it sent and anything that looks like a token.

afterEach(cleanup);

const ACCESS = fakeJwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600, note: 'whole-access-token-must-not-show' });
const REFRESH = 'rt-whole-refresh-token-must-not-show-0123456789abcdef';
const SECRETS = [ACCESS, REFRESH];

/** A refresh endpoint that answers `body` with `status`, `{access}`/`{refresh}` replaced by the tokens. */
async function endpoint() {
  const answer = { status: 500, body: '' };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body.replaceAll('{access}', ACCESS).replaceAll('{refresh}', REFRESH));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/refresh`;
  return {
    url,
    answer: (status: number, body: unknown) => Object.assign(answer, { status, body: typeof body === 'string' ? body : JSON.stringify(body) }),
  };
}

function start(refresh: RefreshFunction) {
  const warnings: string[] = [];
  const loggedOut: Array<SessionErrorType | null> = [];
  const session = createSession({
    refresh,
    wake: false,
    retry: { attempts: 1, backoff: () => 0 },
    onWarning: (m) => warnings.push(m),
    onLoggedOut: (reason) => loggedOut.push(reason),
  });
  onTestFinished(() => session.stop());
  // the debug views, live, as a developer would have them open
  const view = render(
    <>
      <SessionPanel session={session} />
      <SessionStatechart session={session} />
    </>,
  );
  session.login({ accessToken: ACCESS, refreshToken: REFRESH });
  return { session, warnings, loggedOut, view };
}

/** Every text the app or a developer can see, none holding a whole token. */
function expectNoWholeToken(texts: string[]) {
  for (const text of texts) for (const secret of SECRETS) expect(text.includes(secret), `a whole token in "${text.slice(0, 200)}"`).toBe(false);
}

const visible = (t: ReturnType<typeof start>, error: unknown) => [
  ...messagesOf(error),
  ...messagesOf(t.session.getSnapshot().error),
  ...t.loggedOut.flatMap((reason) => messagesOf(reason)),
  ...t.warnings,
  t.view.container.textContent ?? '',
  t.view.container.innerHTML,
];

describe('error bodies that quote a token', () => {
  it('a 401 whose body quotes the refresh token (and the access token): loggedOut, and no whole token anywhere', async () => {
    const server = await endpoint();
    server.answer(401, { error: 'invalid_grant', error_description: 'refresh token {refresh} is revoked', message: 'seen with Bearer {access}' });
    const t = start(jsonRefresh({ url: server.url }));
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'rejected' });
    expect(t.session.getSnapshot().status).toBe('loggedOut');
    expect(t.loggedOut).toHaveLength(1);
    expect(t.view.container.textContent).toContain('rejected');
    expectNoWholeToken(visible(t, error));
  });

  it('a 401 whose only text is a message quoting the refresh token (as the issue saw it): loggedOut, and no whole token anywhere', async () => {
    const server = await endpoint();
    server.answer(401, { message: 'refresh token {refresh} is revoked' });
    const t = start(jsonRefresh({ url: server.url }));
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'rejected', status: 401 });
    expect(t.loggedOut).toHaveLength(1);
    expectNoWholeToken(visible(t, error));
  });

  it('a 500 whose body quotes the access token (and the refresh token): refreshFailed, and no whole token anywhere', async () => {
    const server = await endpoint();
    server.answer(500, { message: 'upstream refused Bearer {access} for {refresh}' });
    const t = start(jsonRefresh({ url: server.url }));
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'http', status: 500 });
    expect(t.session.getSnapshot()).toMatchObject({ status: 'refreshFailed', accessToken: ACCESS });
    expect(t.view.container.textContent).toContain('http');
    expectNoWholeToken(visible(t, error));
  });

  it('a 200 whose body says 401 and quotes the refresh token: loggedOut, and no whole token anywhere', async () => {
    const server = await endpoint();
    server.answer(200, { code: 401, msg: 'refresh token {refresh} expired' });
    const t = start(jsonRefresh({ url: server.url }));
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'rejected' });
    expectNoWholeToken(visible(t, error));
  });

  it('a 200 with an error field quoting the access token: invalid-response, and no whole token anywhere', async () => {
    const server = await endpoint();
    server.answer(200, { error: 'token {access} not accepted here' });
    const t = start(jsonRefresh({ url: server.url }));
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'invalid-response' });
    expectNoWholeToken(visible(t, error));
  });
});

describe('network errors whose message quotes a token', () => {
  it('a fetch that fails with the tokens in its message and cause (jsonRefresh): refreshFailed, and no whole token anywhere', async () => {
    const failingFetch: typeof fetch = async () => {
      throw new TypeError(`fetch failed: could not send ${REFRESH}`, { cause: new Error(`socket closed after "Authorization: Bearer ${ACCESS}"`) });
    };
    const t = start(jsonRefresh({ url: 'http://127.0.0.1:9/refresh', fetch: failingFetch }));
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'network' });
    expect(t.session.getSnapshot().status).toBe('refreshFailed');
    expectNoWholeToken(visible(t, error));
  });

  it('a hand-written refresh function whose error quotes both tokens: the session scrubs the tokens it knows', async () => {
    const refresh: RefreshFunction = async ({ refreshToken }) => {
      throw new Error(`ECONNRESET while refreshing ${String(refreshToken)} (access ${ACCESS})`, { cause: `raw: ${String(refreshToken)}` });
    };
    const t = start(refresh);
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'network' });
    expectNoWholeToken(visible(t, error));
  });

  it('an HTTP client error (axios-like) that carries the request it sent, the refresh token in its body: no whole token in snapshot.error or its cause', async () => {
    const refresh: RefreshFunction = async ({ refreshToken }) => {
      const error = Object.assign(new Error('Network Error'), {
        name: 'AxiosError',
        code: 'ERR_NETWORK',
        config: { url: '/auth/refresh', method: 'post', data: JSON.stringify({ refreshToken }), headers: { 'X-Trace': `sent ${ACCESS}` } },
      });
      throw error;
    };
    const t = start(refresh);
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'network' });
    const everything = JSON.stringify(t.session.getSnapshot().error, (_, v: unknown) =>
      v instanceof Error ? { ...v, message: v.message, stack: v.stack, cause: (v as { cause?: unknown }).cause } : v,
    );
    expectNoWholeToken([everything, ...visible(t, error)]);
  });

  it('a hand-written refresh function that rejects with a SessionError quoting both tokens: loggedOut, scrubbed', async () => {
    const refresh: RefreshFunction = async () => {
      throw new SessionError('rejected', `the server says ${REFRESH} and ${ACCESS} are revoked`, { status: 401 });
    };
    const t = start(refresh);
    const error = await act(() => t.session.refresh().catch((e: unknown) => e));
    expect(error).toMatchObject({ kind: 'rejected', status: 401 });
    expect(t.loggedOut).toHaveLength(1);
    expectNoWholeToken(visible(t, error));
  });
});

describe('a storage whose errors quote what it was asked to write', () => {
  it('warnings about a failed save or load never hold a whole token', async () => {
    const warnings: string[] = [];
    let stored: unknown = null;
    const session = createSession({
      refresh: async () => ({ accessToken: `${ACCESS}-next`, refreshToken: `${REFRESH}-next`, expiresIn: 600 }),
      storage: {
        load: () => {
          if (stored !== null) throw new Error(`cannot parse ${JSON.stringify(stored)}`);
          return null;
        },
        save: (tokens) => {
          stored = tokens;
          throw new Error(`quota exceeded while writing ${JSON.stringify(tokens)}`);
        },
        clear: () => {
          throw new Error(`cannot remove ${JSON.stringify(stored)}`);
        },
      },
      wake: false,
      onWarning: (m) => warnings.push(m),
    });
    onTestFinished(() => session.stop());
    session.login({ accessToken: ACCESS, refreshToken: REFRESH });
    await session.refresh();
    await session.logout();
    expect(warnings.length).toBeGreaterThan(0);
    for (const text of warnings) for (const secret of [...SECRETS, `${ACCESS}-next`, `${REFRESH}-next`]) {
      expect(text.includes(secret), `a whole token in "${text.slice(0, 200)}"`).toBe(false);
    }
  });
});
