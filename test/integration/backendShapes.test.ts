import { describe, expect, it, onTestFinished } from 'vitest';
import { createSession, jsonRefresh, oauthRefresh, type RefreshFunction, type SessionError } from '../../src/index.js';
import { authServer } from '../helpers/server.js';
import { messagesOf, sessionErrorOf, startSession, wholeTokensIn } from '../helpers/integration.js';
import { scriptedEndpoint, type ScriptedAnswer } from '../helpers/scriptedEndpoint.js';

// What real backends answer to a refresh, and what a user sees when jsonRefresh cannot read it:
// wrapped answers, other field names, a dead refresh token reported inside a 200, and server
// error text that quotes the token. The dead-token case runs end to end against the real auth
// server; the other shapes come from a scripted endpoint.

const SECRET = 'rt_0123456789abcdefghij-must-not-leak';

const call = (refresh: RefreshFunction, refreshToken: string | undefined = SECRET) => refresh({ refreshToken, signal: new AbortController().signal });

/** jsonRefresh against an endpoint that always gives `answer`. */
async function refreshAgainst(answer: ScriptedAnswer) {
  const { url, seen } = await scriptedEndpoint(() => answer);
  return { refresh: jsonRefresh({ url }), url, seen };
}

/** Every text a user or a log could show for an error. */
const textsOf = (error: unknown) => [...messagesOf(error), String(error), JSON.stringify(error)];

describe('jsonRefresh reads the common shapes without parse', () => {
  it.each<[string, unknown]>([
    ['{ code: 0, data: { token, refresh_token } }', { code: 0, msg: 'ok', data: { token: 'at-wrapped', refresh_token: 'rt-next', expires_in: 900 } }],
    ['{ success: true, result: { accessToken, refreshToken } } (ABP)', { success: true, result: { accessToken: 'at-wrapped', refreshToken: 'rt-next', expiresIn: 900 } }],
    ['{ token, refreshToken } at the top level', { token: 'at-wrapped', refreshToken: 'rt-next', expiresIn: '900' }],
  ])('%s', async (_name, body) => {
    const { refresh } = await refreshAgainst({ body });
    expect(await call(refresh)).toMatchObject({ accessToken: 'at-wrapped', refreshToken: 'rt-next', expiresIn: 900 });
  });

  it.each([
    ['refresh_expires_in (Keycloak)', { access_token: 'at', refresh_expires_in: 1800 }],
    ['refresh_token_expires_in (Entra ID, GitHub)', { access_token: 'at', refresh_token_expires_in: '1800' }],
    ['refreshExpiresIn', { accessToken: 'at', refreshExpiresIn: 1800 }],
    ['refresh_expires_in inside data', { code: 0, data: { token: 'at', refresh_expires_in: 1800 } }],
  ])('maps %s to refreshExpiresIn, in seconds', async (_name, body) => {
    const { refresh } = await refreshAgainst({ body });
    expect((await call(refresh)).refreshExpiresIn).toBe(1800);
  });

  it('oauthRefresh maps refresh_expires_in and refresh_token_expires_in to refreshExpiresIn too', async () => {
    for (const field of ['refresh_expires_in', 'refresh_token_expires_in']) {
      const { url } = await scriptedEndpoint(() => ({ body: { access_token: 'at', token_type: 'Bearer', expires_in: 60, [field]: 86_400 } }));
      expect(await call(oauthRefresh({ tokenEndpoint: url, clientId: 'spa' }))).toMatchObject({ expiresIn: 60, refreshExpiresIn: 86_400 });
    }
  });

  it('an answer it cannot read says which fields it looked for, what it found, and points to parse and field', async () => {
    const { refresh } = await refreshAgainst({ body: { code: 0, data: { jwt: 'eyJ.x.y', rt: 'rt-next' } } });
    const error = await sessionErrorOf(call(refresh));
    expect(error.kind).toBe('invalid-response');
    for (const words of ['accessToken', 'access_token', 'token', 'data', 'found code, data, data.jwt, data.rt', '`parse`', '`field`']) {
      expect(error.message).toContain(words);
    }
  });

  it('with parse, any shape is read; an error parse throws (not a SessionError) is an invalid-response without the token in it', async () => {
    const { url } = await scriptedEndpoint(() => ({ body: { payload: { jwt: 'at-from-parse', ttl: 60 } } }));
    const parse = (body: unknown) => {
      const { payload } = body as { payload: { jwt: string; ttl: number } };
      return { accessToken: payload.jwt, expiresIn: payload.ttl };
    };
    expect(await call(jsonRefresh({ url, parse }))).toMatchObject({ accessToken: 'at-from-parse', expiresIn: 60 });

    const broken = jsonRefresh({
      url,
      parse: () => {
        throw new TypeError(`cannot read the answer to ${SECRET}`);
      },
    });
    const error = await sessionErrorOf(call(broken));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('parse()');
    expect(wholeTokensIn(textsOf(error), [SECRET])).toEqual([]);
  });
});

describe('a 200 whose body says the refresh token is dead', () => {
  it.each<[string, SessionError['kind'], unknown]>([
    ['{ code: 401 }', 'rejected', { code: 401, msg: 'token expired' }],
    ["{ code: '401' }", 'rejected', { code: '401', msg: 'token expired' }],
    ['{ code: 403 }', 'rejected', { code: 403, message: 'forbidden' }],
    ['{ success: false, status: 401 }', 'rejected', { success: false, status: 401, message: 'login again' }],
    ['{ code: 401 } with tokens inside data', 'rejected', { code: 401, data: { accessToken: 'x' } }],
    ['{ code: 500 }', 'invalid-response', { code: 500, msg: 'database down' }],
    ['{ code: 40001 }', 'invalid-response', { code: 40001, msg: 'custom failure' }],
    ['{ success: false }', 'invalid-response', { success: false, message: 'nope' }],
  ])('%s is %s', async (_name, kind, body) => {
    const { refresh } = await refreshAgainst({ body });
    const error = await sessionErrorOf(call(refresh));
    expect(error.kind).toBe(kind);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('answered 200');
  });

  it.each([401, '401', 403])('end to end against the real auth server: 200 { code: %s } logs the session out, clears storage and calls onLoggedOut once, with one request', async (code) => {
    const server = await authServer({ accessTtl: 60 });
    const s = startSession(server);
    const login = await server.login();
    s.session.login(login);
    server.setFault({ type: 'error-body', code });

    const error = await sessionErrorOf(s.session.refresh());

    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('Invalid token type');
    expect(server.counters.refreshCalls).toBe(1); // a rejection is not retried
    expect(s.status()).toBe('loggedOut');
    expect(s.session.getSnapshot()).toMatchObject({ accessToken: null, error: { kind: 'rejected' } });
    expect(s.web.raw()).toBeNull();
    expect(s.loggedOut.map((reason) => reason?.kind)).toEqual(['rejected']);
    await expect(s.session.getAccessToken()).rejects.toMatchObject({ kind: 'rejected' });
    expect(server.counters.refreshCalls).toBe(1);
  });

  it('end to end: 200 { code: 500 } stays an invalid-response: refreshFailed, tokens kept, no logout', async () => {
    const server = await authServer({ accessTtl: 60 });
    const s = startSession(server);
    const login = await server.login();
    s.session.login(login);
    server.setFault({ type: 'error-body', code: 500 });

    const error = await sessionErrorOf(s.session.refresh());

    expect(error.kind).toBe('invalid-response');
    expect(s.status()).toBe('refreshFailed');
    expect(s.web.tokens()).toMatchObject({ accessToken: login.accessToken, refreshToken: login.refreshToken });
    expect(s.loggedOut).toEqual([]);
  });
});

describe('server error text never brings a whole token into an error', () => {
  it('a 401 body that quotes the refresh token: the message keeps the text with the token cut to its last four characters', async () => {
    const { refresh } = await refreshAgainst({ status: 401, body: { message: `refresh token ${SECRET} is revoked` } });
    const error = await sessionErrorOf(call(refresh));
    expect(error).toMatchObject({ kind: 'rejected', status: 401 });
    expect(error.message).toContain(`refresh token …leak is revoked`);
    expect(wholeTokensIn(textsOf(error), [SECRET])).toEqual([]);
  });

  it.each<[string, ScriptedAnswer]>([
    ['400 invalid_grant with a description', { status: 400, body: { error: 'invalid_grant', error_description: `${SECRET} was used twice` } }],
    ['200 { code: 401 }', { body: { code: 401, msg: `token ${SECRET} expired` } }],
    ['200 { code: 500 }', { body: { code: 500, msg: `could not rotate ${SECRET}` } }],
    ['503 with a message', { status: 503, body: { message: `retry ${SECRET} later` } }],
  ])('%s that quotes it: not in the message, String(error) or the cause chain', async (_name, answer) => {
    const { refresh } = await refreshAgainst(answer);
    const error = await sessionErrorOf(call(refresh));
    expect(error.message).toContain('…leak');
    expect(wholeTokensIn(textsOf(error), [SECRET])).toEqual([]);
  });

  it('a token the refresh function does not know (an access token, a JWT) is cut too when the server text holds one', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLW5vdC1yZWFsLTk5OTk';
    const opaque = 'at_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    const { refresh } = await refreshAgainst({ status: 500, body: { message: `access token ${jwt} or ${opaque} still valid at /realms/app/protocol` } });
    const error = await sessionErrorOf(call(refresh));
    expect(error.message).toContain('…5OTk');
    expect(error.message).toContain('/realms/app/protocol'); // ordinary text stays
    expect(wholeTokensIn(textsOf(error), [jwt, opaque])).toEqual([]);
  });

  it('an HTTP client whose error quotes the request body (network failure): the message and the cause chain are scrubbed', async () => {
    const echoing: typeof fetch = async (_input, init) => {
      throw new Error('socket hang up', { cause: new Error(`while sending ${String(init?.body)}`) });
    };
    const error = await sessionErrorOf(call(jsonRefresh({ url: 'http://127.0.0.1:1/refresh', fetch: echoing })));
    expect(error.kind).toBe('network');
    expect(messagesOf(error).join('\n')).toContain('socket hang up');
    expect(messagesOf(error).join('\n')).toContain('…leak');
    expect(wholeTokensIn(textsOf(error), [SECRET])).toEqual([]);
  });

  it('oauthRefresh: an invalid_grant description that quotes the refresh token is cut the same way', async () => {
    const { url } = await scriptedEndpoint(() => ({ status: 400, body: { error: 'invalid_grant', error_description: `Token ${SECRET} is not active` } }));
    const error = await sessionErrorOf(call(oauthRefresh({ tokenEndpoint: url, clientId: 'spa' })));
    expect(error).toMatchObject({ kind: 'rejected', status: 400 });
    expect(error.message).toContain('invalid_grant: Token …leak is not active');
    expect(wholeTokensIn(textsOf(error), [SECRET])).toEqual([]);
  });

  it('through a session: the logged-out reason and the snapshot error hold no whole refresh token', async () => {
    const { url } = await scriptedEndpoint(() => ({ status: 401, body: { message: `refresh token ${SECRET} is revoked` } }));
    const reasons: Array<SessionError | null> = [];
    const session = createSession({ refresh: jsonRefresh({ url }), wake: false, onLoggedOut: (reason) => reasons.push(reason) });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'at-0123456789', refreshToken: SECRET, expiresIn: 600 });
    const error = await sessionErrorOf(session.refresh());
    expect(reasons).toHaveLength(1);
    expect(session.getSnapshot().status).toBe('loggedOut');
    expect(wholeTokensIn([...textsOf(error), ...textsOf(reasons[0]), ...textsOf(session.getSnapshot().error)], [SECRET])).toEqual([]);
  });
});

// Issue 20 item 3: what real backends answer besides objects: the token as the whole body, or
// as the envelope's `data`. End to end: the token read is one the real auth server accepts.
describe('jsonRefresh reads an answer that is the token itself', () => {
  async function tokenEndpoint(answer: (jwt: string) => ScriptedAnswer) {
    const auth = await authServer();
    const { accessToken } = await auth.issuePair('carol');
    const { url, seen } = await scriptedEndpoint(() => answer(accessToken));
    return { auth, accessToken, url, seen };
  }

  it.each<[string, (jwt: string) => ScriptedAnswer]>([
    ['a text/plain body', (jwt) => ({ headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${jwt}\n` })],
    ['a body with no content type', (jwt) => ({ headers: { 'content-type': '' }, body: jwt })],
    ['a JSON string', (jwt) => ({ body: JSON.stringify(jwt) })],
    ['{ code: 0, data: "<token>" }', (jwt) => ({ body: { code: 0, msg: 'ok', data: jwt } })],
    ['{ data: "<token>" } without a code', (jwt) => ({ body: { data: jwt } })],
    ['{ success: true, result: "<token>" }', (jwt) => ({ body: { success: true, result: jwt } })],
  ])('%s: the token is read, its JWT exp is the expiry, the refresh token is kept, and the auth server accepts it', async (_name, answer) => {
    const { auth, accessToken, url, seen } = await tokenEndpoint(answer);
    const session = createSession({ refresh: jsonRefresh({ url }), wake: false });
    onTestFinished(() => session.stop());
    session.login({ accessToken: 'old-access-token-0000', refreshToken: SECRET });
    expect(await session.refresh()).toBe(accessToken);
    expect(session.getSnapshot().expiresAt).toBe((JSON.parse(atob(accessToken.split('.')[1]!)) as { exp: number }).exp * 1000);
    await session.refresh(); // the same refresh token is sent again: the server did not rotate it
    expect(seen.map((r) => (JSON.parse(r.body) as { refreshToken?: string }).refreshToken)).toEqual([SECRET, SECRET]);
    expect(await auth.authorize(`Bearer ${session.getSnapshot().accessToken}`)).toEqual({ ok: true, user: 'carol' });
  });

  it.each<[string, ScriptedAnswer, string]>([
    ['an HTML page', { headers: { 'content-type': 'text/html' }, body: '<!doctype html><p>Please sign in</p>' }, 'an HTML or XML page'],
    ['a short word', { headers: { 'content-type': 'text/plain' }, body: 'OK' }, 'text that is not a token'],
    ['JSON that does not parse', { body: '{"accessToken": ' }, 'JSON it could not parse'],
    ['an empty body', { headers: { 'content-type': 'text/plain' }, body: '' }, 'without a body'],
  ])('%s is an invalid-response that says what it was and points to parse', async (_name, answer, words) => {
    const { refresh } = await refreshAgainst(answer);
    const error = await sessionErrorOf(call(refresh));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain(words);
    if (words !== 'without a body') expect(error.message).toContain('pass `parse` to read it (it receives the raw text)');
  });

  it('{ code: 0, data: "ok" } (a word, not a token) is an invalid-response listing what it found', async () => {
    const { refresh } = await refreshAgainst({ body: { code: 0, data: 'ok' } });
    const error = await sessionErrorOf(call(refresh));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('found code, data');
  });

  it('parse receives the raw text when the body is not JSON (and the parsed JSON when it is)', async () => {
    const got: unknown[] = [];
    const parse = (body: unknown) => {
      got.push(body);
      const text = typeof body === 'string' ? body : (body as { t: string }).t;
      const [accessToken, refreshToken] = text.split(':');
      return { accessToken: accessToken!, refreshToken: refreshToken! };
    };
    const text = await scriptedEndpoint(() => ({ headers: { 'content-type': 'text/plain' }, body: 'at-from-text:rt-next' }));
    expect(await call(jsonRefresh({ url: text.url, parse }))).toMatchObject({ accessToken: 'at-from-text', refreshToken: 'rt-next' });
    const json = await scriptedEndpoint(() => ({ body: { t: 'at-from-json:rt-next' } }));
    expect(await call(jsonRefresh({ url: json.url, parse }))).toMatchObject({ accessToken: 'at-from-json' });
    expect(got).toEqual(['at-from-text:rt-next', { t: 'at-from-json:rt-next' }]);
  });

  it('a parse that throws on a text body: its message never holds the text (which may be a token)', async () => {
    const { accessToken, url } = await tokenEndpoint((jwt) => ({ headers: { 'content-type': 'text/plain' }, body: jwt }));
    const refresh = jsonRefresh({
      url,
      parse: (body) => {
        throw new Error(`cannot read ${String(body)}`);
      },
    });
    const error = await sessionErrorOf(call(refresh));
    expect(error.kind).toBe('invalid-response');
    expect(wholeTokensIn(textsOf(error), [accessToken])).toEqual([]);
  });
});
